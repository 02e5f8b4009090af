/* claw_set_log_callback: the library's events reach a C callback as JSON (level filter, NULL
 * unsets, events from the client's runtime threads), at DEBUG also one record per closed request
 * and attempt span, and no secret is in them. */
#include <pthread.h>

#include "check.h"

#define KEY_A "sk-ant-api03-key-A-revoked-0123456789abcdefghijklmnop"
#define KEY_B "sk-ant-api03-key-B-good-0123456789abcdefghijklmnopqrs"

static const char *PING =
    "{\"model\":\"anthropic/claude-sonnet-4-5\",\"max_tokens\":64,"
    "\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";

struct seen {
    pthread_mutex_t lock;
    int count;
    int above_level;
    int secret;
    int failed_attempt; /* the INFO "attempt failed" event of the rejected profile */
    int retrying;       /* the DEBUG "retrying request" event */
    int spans;          /* closed-span records */
    int span_retried;   /* the attempt span of the 529, with its retry delay */
    int span_ok;        /* the attempt span of the 200 */
    int span_request;   /* the request span, with the response and the attempt count */
};

static int has(const char *json, const char *part) { return strstr(json, part) != NULL; }

static void on_log(void *userdata, uint32_t level, const char *event_json) {
    struct seen *s = (struct seen *)userdata;
    pthread_mutex_lock(&s->lock);
    s->count++;
    if (level > (uint32_t)CLAW_LOG_INFO) {
        s->above_level++;
    }
    if (strstr(event_json, "key-A") != NULL || strstr(event_json, "key-B") != NULL) {
        s->secret++;
    }
    if (level == (uint32_t)CLAW_LOG_INFO && strstr(event_json, "\"level\":\"INFO\"") != NULL &&
        strstr(event_json, "\"message\":\"attempt failed\"") != NULL &&
        strstr(event_json, "\"profile\":\"anthropic:a\"") != NULL &&
        strstr(event_json, "\"target\":\"claw_anthropic") != NULL) {
        s->failed_attempt++;
    }
    if (strstr(event_json, "retrying request") != NULL) {
        s->retrying++;
    }
    if (has(event_json, "\"message\":\"span closed\"")) {
        s->spans++;
        if (level == (uint32_t)CLAW_LOG_DEBUG && has(event_json, "\"level\":\"DEBUG\"") &&
            has(event_json, "\"duration_ms\":")) {
            if (has(event_json, "\"span\":\"attempt\"") &&
                has(event_json, "\"target\":\"claw_anthropic::attempt\"") &&
                has(event_json, "\"gen_ai.provider.name\":\"anthropic\"") &&
                has(event_json, "\"gen_ai.request.model\":\"claude-sonnet-4-5\"")) {
                if (has(event_json, "\"http.response.status_code\":529") &&
                    has(event_json, "\"claw.retry_delay_ms\":1") &&
                    has(event_json, "\"claw.failure_reason\":\"rate_limit\"") &&
                    has(event_json, "\"claw.attempt\":1") &&
                    has(event_json, "\"claw.request_id\":\"req_mock_")) {
                    s->span_retried++;
                }
                if (has(event_json, "\"http.response.status_code\":200") &&
                    has(event_json, "\"claw.attempt\":2")) {
                    s->span_ok++;
                }
            }
            if (has(event_json, "\"span\":\"chat\"") &&
                has(event_json, "\"target\":\"claw_anthropic::request\"") &&
                has(event_json, "\"gen_ai.operation.name\":\"chat\"") &&
                has(event_json, "\"gen_ai.response.id\":\"msg_mock_") &&
                has(event_json, "\"gen_ai.usage.input_tokens\":") &&
                has(event_json, "\"claw.attempts\":2")) {
                s->span_request++;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
}

int main(void) {
    char state[4096], text[2048];
    claw_error *err = NULL;
    claw_mock_server *server = NULL;
    claw_config *cfg = NULL;
    claw_client *client = NULL;
    char *msg = NULL;
    struct seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    snprintf(state, sizeof state, "%s/state", test_dir());

    CHECK_OK(claw_mock_server_start(&server, &err), err);
    snprintf(text, sizeof text,
             "{ models: { providers: { anthropic: { baseUrl: '%s' } } },\n"
             "  auth: { order: { anthropic: ['anthropic:a', 'anthropic:b'] } } }",
             claw_mock_server_url(server));
    CHECK_OK(claw_config_from_json5_in(text, state, &cfg, &err), err);
    CHECK_OK(claw_auth_set_api_key(cfg, NULL, KEY_A, "anthropic:a", NULL, &err), err);
    CHECK_OK(claw_auth_set_api_key(cfg, NULL, KEY_B, "anthropic:b", NULL, &err), err);
    CHECK_OK(claw_client_new(cfg, NULL, &client, &err), err);

    /* INFO: profile a is rejected (an INFO event), b answers. No DEBUG events. */
    claw_set_log_callback(CLAW_LOG_INFO, on_log, &s);
    CHECK_OK(claw_mock_server_load_script(
                 server,
                 "{\"credentials\":[{\"secret\":\"" KEY_A "\",\"reply\":{\"kind\":\"error\","
                 "\"status\":401,\"error_type\":\"authentication_error\","
                 "\"message\":\"invalid x-api-key\"}}]}",
                 &err),
             err);
    CHECK_OK(claw_client_send(client, PING, &msg, &err), err);
    claw_string_free(msg);
    msg = NULL;
    pthread_mutex_lock(&s.lock);
    CHECK(s.failed_attempt == 1);
    CHECK(s.above_level == 0);
    CHECK(s.spans == 0); /* spans are reported at DEBUG only */
    CHECK(s.secret == 0);
    pthread_mutex_unlock(&s.lock);

    /* DEBUG: a 529 is retried on the same profile (a DEBUG event). */
    claw_mock_server_reset(server);
    claw_set_log_callback(CLAW_LOG_DEBUG, on_log, &s);
    CHECK_OK(claw_mock_server_load_script(
                 server,
                 "{\"replies\":[{\"kind\":\"error\",\"status\":529,"
                 "\"error_type\":\"overloaded_error\",\"message\":\"Overloaded\","
                 "\"headers\":{\"retry-after-ms\":\"1\"}}]}",
                 &err),
             err);
    CHECK_OK(claw_client_send(client, PING, &msg, &err), err);
    claw_string_free(msg);
    msg = NULL;
    pthread_mutex_lock(&s.lock);
    CHECK(s.retrying >= 1);
    CHECK(s.secret == 0);
    /* Each attempt and the request reported once when it ended, before the call returned. */
    CHECK(s.span_retried == 1);
    CHECK(s.span_ok == 1);
    CHECK(s.span_request == 1);
    pthread_mutex_unlock(&s.lock);

    /* NULL unsets: nothing more arrives. */
    claw_set_log_callback(CLAW_LOG_TRACE, NULL, NULL);
    pthread_mutex_lock(&s.lock);
    s.count = 0;
    pthread_mutex_unlock(&s.lock);
    claw_mock_server_reset(server);
    CHECK_OK(claw_mock_server_load_script(
                 server,
                 "{\"replies\":[{\"kind\":\"error\",\"status\":529,"
                 "\"error_type\":\"overloaded_error\",\"message\":\"Overloaded\","
                 "\"headers\":{\"retry-after-ms\":\"1\"}}]}",
                 &err),
             err);
    CHECK_OK(claw_client_send(client, PING, &msg, &err), err);
    claw_string_free(msg);
    CHECK(s.count == 0);

    claw_client_free(client);
    claw_config_free(cfg);
    claw_mock_server_free(server);
    pthread_mutex_destroy(&s.lock);
    printf("test_log: ok\n");
    return 0;
}
