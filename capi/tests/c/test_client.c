/* Sending and streaming through the C ABI against the crate's loopback mock server: send,
 * stream, a stream stopped by its callback, 401 → profile rotation, every profile rejected,
 * rate limiting, no credentials, cancel from another thread (send and stream), fork-then-use,
 * count_tokens and a page of models. */
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define KEY_A "sk-ant-api03-key-A-revoked-0123456789abcdefghijklmnop"
#define KEY_B "sk-ant-api03-key-B-good-0123456789abcdefghijklmnopqrs"

static const char *PING =
    "{\"model\":\"sonnet\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";

static claw_mock_server *server;

static claw_config *make_config(const char *state) {
    char text[2048];
    claw_config *cfg = NULL;
    claw_error *err = NULL;
    snprintf(text, sizeof text,
             "{ models: { providers: { anthropic: { baseUrl: '%s' } } },\n"
             "  auth: { order: { anthropic: ['anthropic:a', 'anthropic:b'] } },\n"
             "  agents: { defaults: { model: { primary: 'anthropic/claude-sonnet-4-5', fallbacks: [] },\n"
             "    models: { 'anthropic/claude-sonnet-4-5': { alias: 'sonnet' } } } } }",
             claw_mock_server_url(server));
    CHECK_OK(claw_config_from_json5_in(text, state, &cfg, &err), err);
    return cfg;
}

static void load_script(const char *script) {
    claw_error *err = NULL;
    CHECK_OK(claw_mock_server_load_script(server, script, &err), err);
}

static void test_send(claw_client *client) {
    claw_error *err = NULL;
    char *msg = NULL;
    CHECK_OK(claw_client_send(client, PING, &msg, &err), err);
    CHECK_CONTAINS(msg, "\"role\":\"assistant\"");
    CHECK_CONTAINS(msg, "pong");
    claw_string_free(msg);
}

static void test_count_tokens_and_models(claw_client *client) {
    claw_error *err = NULL;
    uint64_t tokens = 0;
    char *page = NULL;
    CHECK_OK(claw_client_count_tokens(client, PING, &tokens, &err), err);
    CHECK(tokens > 0);
    CHECK_ERR(claw_client_count_tokens(client, PING, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_count_tokens(client, "[1,2", &tokens, &err), err, CLAW_ERR_INVALID_JSON);
    CHECK_OK(claw_client_list_models(client, NULL, 2, &page, &err), err);
    CHECK_CONTAINS(page, "\"data\":[{");
    CHECK_CONTAINS(page, "\"has_more\":true");
    claw_string_free(page);
    page = NULL;
    CHECK_ERR(claw_client_list_models(client, NULL, 0, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_list_models(NULL, NULL, 0, &page, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK(page == NULL);
}

struct events {
    int count;
    int stop_after; /* 0 = never */
    char text[4096];
};

static int on_event(void *userdata, const char *event_json) {
    struct events *ev = (struct events *)userdata;
    const char *t;
    __atomic_add_fetch(&ev->count, 1, __ATOMIC_SEQ_CST);
    CHECK(event_json[0] == '{');
    t = strstr(event_json, "\"text_delta\",\"text\":\"");
    if (t != NULL) {
        const char *start = t + strlen("\"text_delta\",\"text\":\"");
        const char *end = strchr(start, '"');
        size_t have = strlen(ev->text);
        if (end != NULL && have + (size_t)(end - start) < sizeof ev->text) {
            strncat(ev->text, start, (size_t)(end - start));
        }
    }
    return ev->stop_after != 0 && ev->count >= ev->stop_after;
}

static void test_stream(claw_client *client) {
    claw_error *err = NULL;
    char *msg = NULL;
    struct events ev;
    memset(&ev, 0, sizeof ev);
    load_script("{\"replies\":[{\"kind\":\"text\",\"text\":\"Hello from the stream\"}]}");
    CHECK_OK(claw_client_stream(client, PING, on_event, &ev, &msg, &err), err);
    CHECK(ev.count >= 5); /* message_start, block start, delta(s), block stop, delta, stop */
    CHECK(strcmp(ev.text, "Hello from the stream") == 0);
    CHECK_CONTAINS(msg, "Hello from the stream");
    claw_string_free(msg);
    msg = NULL;

    /* NULL callback and NULL out_message_json are allowed. */
    CHECK_OK(claw_client_stream(client, PING, NULL, NULL, NULL, &err), err);

    /* Stopped by the callback after the first event: no message written. */
    memset(&ev, 0, sizeof ev);
    ev.stop_after = 1;
    CHECK_ERR(claw_client_stream(client, PING, on_event, &ev, &msg, &err), err,
              CLAW_ERR_STOPPED_BY_CALLBACK);
    CHECK(ev.count == 1);
    CHECK(msg == NULL);
}

static void test_rotation_on_401(claw_config *cfg, claw_client *client) {
    claw_error *err = NULL;
    char *msg = NULL;
    char *reqs = NULL;
    char *status = NULL;
    const char *first, *second;
    claw_mock_server_reset(server);
    load_script("{\"credentials\":[{\"secret\":\"" KEY_A "\",\"reply\":{\"kind\":\"error\","
                "\"status\":401,\"error_type\":\"authentication_error\","
                "\"message\":\"invalid x-api-key\"}}]}");
    CHECK_OK(claw_client_send_response(client, PING, NULL, &msg, &err), err);
    CHECK_CONTAINS(msg, "pong");
    /* Every attempt, the rejected one first; no prices configured, so no cost. */
    CHECK_CONTAINS(msg, "\"attempts\":[{\"profileId\":\"anthropic:a\","
                        "\"model\":\"anthropic/claude-sonnet-4-5\",\"status\":401,");
    CHECK_CONTAINS(msg, "\"reason\":\"auth\"");
    CHECK_CONTAINS(msg, "{\"profileId\":\"anthropic:b\",\"model\":\"anthropic/claude-sonnet-4-5\","
                        "\"status\":200,\"transport\":null,\"reason\":null,");
    CHECK(strstr(msg, "\"cost\":") == NULL);
    CHECK(strstr(msg, KEY_A) == NULL && strstr(msg, KEY_B) == NULL);
    claw_string_free(msg);

    CHECK_OK(claw_mock_server_requests_json(server, &reqs, &err), err);
    first = strstr(reqs, "\"x-api-key\":\"sk-ant-a...ijklmnop\"");   /* KEY_A, masked */
    second = strstr(reqs, "\"x-api-key\":\"sk-ant-a...lmnopqrs\"");   /* KEY_B, masked */
    CHECK(first != NULL && second != NULL && first < second);
    CHECK_NOT_CONTAINS(reqs, KEY_A);
    claw_string_free(reqs);

    /* The rejected profile is now in cooldown. */
    CHECK_OK(claw_status_json(cfg, NULL, &status, &err), err);
    CHECK_CONTAINS(status, "\"unusableProfiles\":[{\"profileId\":\"anthropic:a\"");
    claw_string_free(status);
}

/* How many times `needle` occurs in `haystack`. */
static int count_of(const char *haystack, const char *needle) {
    int n = 0;
    const char *p = haystack;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static void test_all_rejected_and_rate_limited(const char *state) {
    claw_config *cfg = make_config(state);
    claw_client *client = NULL;
    claw_error *err = NULL;
    char *msg = NULL;
    CHECK_OK(claw_client_new(cfg, "solo", &client, &err), err);
    CHECK_OK(claw_auth_set_api_key(cfg, "solo", KEY_A, "anthropic:a", NULL, &err), err);
    claw_mock_server_reset(server);
    load_script("{\"replies\":[{\"kind\":\"error\",\"status\":401,\"error_type\":"
                "\"authentication_error\",\"message\":\"invalid x-api-key\"}]}");
    CHECK(claw_client_send(client, PING, &msg, &err) == CLAW_ERR_AUTH_REJECTED);
    CHECK(claw_error_code(err) == CLAW_ERR_AUTH_REJECTED);
    CHECK_CONTAINS(claw_error_message(err), "401");
    CHECK_NOT_CONTAINS(claw_error_message(err), KEY_A);
    /* The attempts: one, the 401. */
    CHECK(claw_error_attempts_json(err) != NULL);
    CHECK(count_of(claw_error_attempts_json(err), "\"profileId\"") == 1);
    CHECK_CONTAINS(claw_error_attempts_json(err), "\"status\":401");
    CHECK_CONTAINS(claw_error_attempts_json(err), "\"reason\":\"auth\"");
    CHECK_NOT_CONTAINS(claw_error_attempts_json(err), KEY_A);
    claw_error_free(err);
    err = NULL;
    CHECK(msg == NULL);
    CHECK(claw_error_attempts_json(NULL) == NULL);

    /* anthropic:a is cooling down now; a fresh agent with one key gets 429s until retries end. */
    CHECK_OK(claw_auth_set_api_key(cfg, "limited", KEY_B, "anthropic:b", NULL, &err), err);
    claw_client_free(client);
    client = NULL;
    CHECK_OK(claw_client_new(cfg, "limited", &client, &err), err);
    load_script("{\"replies\":["
                "{\"kind\":\"error\",\"status\":429,\"error_type\":\"rate_limit_error\",\"message\":\"slow down\",\"headers\":{\"retry-after-ms\":\"1\"}},"
                "{\"kind\":\"error\",\"status\":429,\"error_type\":\"rate_limit_error\",\"message\":\"slow down\",\"headers\":{\"retry-after-ms\":\"1\"}},"
                "{\"kind\":\"error\",\"status\":429,\"error_type\":\"rate_limit_error\",\"message\":\"slow down\",\"headers\":{\"retry-after-ms\":\"1\"}}]}");
    CHECK(claw_client_send(client, PING, &msg, &err) == CLAW_ERR_RATE_LIMITED);
    CHECK(claw_error_http_status(err) == 429);
    CHECK(claw_error_request_id(err) != NULL);
    CHECK(strncmp(claw_error_request_id(err), "req_mock_", 9) == 0);
    /* Every try: the first two retried after the server's 1 ms. */
    CHECK(count_of(claw_error_attempts_json(err), "\"status\":429") == 3);
    CHECK(count_of(claw_error_attempts_json(err), "\"retryDelayMs\":1,") == 2);
    CHECK_CONTAINS(claw_error_attempts_json(err), claw_error_request_id(err));
    claw_error_free(err);
    err = NULL;

    /* An agent with no credentials at all. */
    claw_client_free(client);
    client = NULL;
    CHECK_OK(claw_client_new(cfg, "empty", &client, &err), err);
    CHECK(claw_client_send(client, PING, &msg, &err) == CLAW_ERR_NO_CREDENTIALS);
    CHECK(strncmp(claw_error_message(err), "No API key found for provider \"anthropic\"", 41) == 0);
    CHECK_CONTAINS(claw_error_message(err), "\"empty\"");
    /* The credential that could not be resolved is an attempt with no status. */
    CHECK(count_of(claw_error_attempts_json(err), "\"profileId\"") == 1);
    CHECK_CONTAINS(claw_error_attempts_json(err), "\"status\":null");
    claw_error_free(err);
    err = NULL;
    /* An invalid request makes no try. */
    CHECK(claw_client_send(client, "{\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}", &msg, &err) ==
          CLAW_ERR_INVALID_REQUEST);
    CHECK(strcmp(claw_error_attempts_json(err), "[]") == 0);
    claw_error_free(err);
    claw_client_free(client);
    claw_config_free(cfg);
}

static void *cancel_later(void *arg) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    claw_cancel_cancel((const claw_cancel *)arg);
    return NULL;
}

struct cancel_when {
    const claw_cancel *cancel;
    struct events *ev;
};

/* Cancels once the stream has delivered an event (polls; gives up waiting after 60 s), so the
   cancel lands while the stream is stalled, however slow the machine (valgrind) is. */
static void *cancel_after_first_event(void *arg) {
    struct cancel_when *w = (struct cancel_when *)arg;
    struct timespec ts = {0, 10 * 1000 * 1000};
    int i;
    for (i = 0; i < 6000 && __atomic_load_n(&w->ev->count, __ATOMIC_SEQ_CST) < 1; i++) {
        nanosleep(&ts, NULL);
    }
    nanosleep(&ts, NULL);
    claw_cancel_cancel(w->cancel);
    return NULL;
}

static void test_cancel(claw_client *client) {
    struct cancel_when when;
    claw_error *err = NULL;
    char *msg = NULL;
    pthread_t t;
    struct events ev;
    claw_cancel *cancel = claw_cancel_new();
    claw_mock_server_reset(server);

    /* The reply is delayed 30 s: only the cancel can end this call quickly. */
    load_script("{\"replies\":[{\"kind\":\"default\",\"delay_ms\":30000}]}");
    CHECK(pthread_create(&t, NULL, cancel_later, cancel) == 0);
    CHECK_ERR(claw_client_send_cancellable(client, PING, cancel, &msg, &err), err, CLAW_ERR_CANCELLED);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(msg == NULL);
    CHECK(claw_cancel_is_cancelled(cancel));

    /* Still cancelled: a new call fails at once. */
    CHECK_ERR(claw_client_send_cancellable(client, PING, cancel, &msg, &err), err, CLAW_ERR_CANCELLED);

    /* A stream that sends some text, then stalls: cancelled while waiting for the next event. */
    claw_cancel_reset(cancel);
    claw_mock_server_reset(server);
    load_script("{\"replies\":[{\"kind\":\"stalled\",\"text\":\"then nothing\"}]}");
    memset(&ev, 0, sizeof ev);
    when.cancel = cancel;
    when.ev = &ev;
    CHECK(pthread_create(&t, NULL, cancel_after_first_event, &when) == 0);
    CHECK_ERR(claw_client_stream_cancellable(client, PING, on_event, &ev, cancel, &msg, &err), err,
              CLAW_ERR_CANCELLED);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(ev.count >= 1);
    CHECK(msg == NULL);

    CHECK_ERR(claw_client_send_cancellable(client, PING, NULL, &msg, &err), err, CLAW_ERR_NULL_ARGUMENT);
    claw_cancel_free(cancel);
    claw_mock_server_reset(server);
}

static void test_fork(claw_client *client) {
    int status = 0;
    int fds[2];
    char verdict = 0;
    pid_t pid;
    CHECK(pipe(fds) == 0);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        claw_error *err = NULL;
        char *msg = NULL;
        claw_result rc = claw_client_send(client, PING, &msg, &err);
        int ok = rc == CLAW_ERR_USED_AFTER_FORK && claw_error_code(err) == CLAW_ERR_USED_AFTER_FORK &&
                 strstr(claw_error_message(err), "fork") != NULL && msg == NULL;
        if (!ok) {
            fprintf(stderr, "child: expected CLAW_ERR_USED_AFTER_FORK, got %u: %s\n", (unsigned)rc,
                    err ? claw_error_message(err) : "-");
        }
        claw_error_free(err);
        claw_client_free(client); /* must not hang on the parent's threads */
        verdict = ok ? 'Y' : 'N';
        if (write(fds[1], &verdict, 1) != 1) {
            _exit(3);
        }
        /* The parent's threads do not exist here, so their memory looks leaked to a leak
         * checker: end without an exit-time leak check. */
        raise(SIGKILL);
        _exit(4);
    }
    close(fds[1]);
    CHECK(read(fds[0], &verdict, 1) == 1);
    close(fds[0]);
    CHECK(verdict == 'Y');
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* The parent's client still works. */
    test_send(client);
}

static void test_bad_client_arguments(claw_config *cfg, claw_client *client) {
    claw_error *err = NULL;
    char *msg = NULL;
    claw_client *none = NULL;
    const char bad_utf8[] = {'{', '\xc3', '\0'};
    CHECK_ERR(claw_client_new(NULL, NULL, &none, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_new(cfg, "!!!", &none, &err), err, CLAW_ERR_INVALID_ARGUMENT);
    CHECK(none == NULL);
    CHECK_ERR(claw_client_send(NULL, PING, &msg, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_send(client, NULL, &msg, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_send(client, bad_utf8, &msg, &err), err, CLAW_ERR_INVALID_UTF8);
    CHECK_ERR(claw_client_send(client, "[1,2", &msg, &err), err, CLAW_ERR_INVALID_JSON);
    CHECK_ERR(claw_client_send(client, PING, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_client_stream(client, "nope", NULL, NULL, &msg, &err), err, CLAW_ERR_INVALID_JSON);
    CHECK(msg == NULL);
    claw_client_free(NULL);
}

static void test_client_options(const char *state) {
    claw_config *cfg = make_config(state);
    claw_client *client = NULL;
    claw_error *err = NULL;
    char *msg = NULL;
    /* Bad options are refused with the key named; nothing is written to *out. */
    CHECK_ERR(claw_client_new_with_options(cfg, NULL, "{\"max_retry\": 1}", &client, &err), err,
              CLAW_ERR_INVALID_ARGUMENT);
    CHECK_ERR(claw_client_new_with_options(cfg, NULL, "{\"request_timeout_ms\": 0}", &client,
                                           &err), err, CLAW_ERR_INVALID_ARGUMENT);
    CHECK_ERR(claw_client_new_with_options(cfg, NULL, "[]", &client, &err), err,
              CLAW_ERR_INVALID_ARGUMENT);
    CHECK(client == NULL);
    /* No retries: one 429 is the answer (the default client retries it twice). */
    CHECK_OK(claw_auth_set_api_key(cfg, "once", KEY_B, "anthropic:b", NULL, &err), err);
    CHECK_OK(claw_client_new_with_options(cfg, "once",
                                          "{\"max_retries\": 0, \"store_check_interval_ms\": 0, "
                                          "\"model_fallbacks\": false, \"request_timeout_ms\": 30000}",
                                          &client, &err), err);
    claw_mock_server_reset(server);
    load_script("{\"replies\":["
                "{\"kind\":\"error\",\"status\":429,\"error_type\":\"rate_limit_error\",\"message\":\"slow down\"},"
                "{\"kind\":\"text\",\"text\":\"second\"}]}");
    CHECK(claw_client_send(client, PING, &msg, &err) == CLAW_ERR_RATE_LIMITED);
    claw_error_free(err);
    err = NULL;
    claw_client_free(client);
    client = NULL;
    /* NULL options: the defaults (the next reply is taken at once). */
    CHECK_OK(claw_client_new_with_options(cfg, NULL, NULL, &client, &err), err);
    CHECK_OK(claw_client_send(client, PING, &msg, &err), err);
    CHECK_CONTAINS(msg, "second");
    claw_string_free(msg);
    claw_client_free(client);
    claw_config_free(cfg);
}

int main(void) {
    char state[4096];
    claw_error *err = NULL;
    claw_config *cfg;
    claw_client *client = NULL;
    snprintf(state, sizeof state, "%s/state", test_dir());

    CHECK_OK(claw_mock_server_start(&server, &err), err);
    CHECK(strncmp(claw_mock_server_url(server), "http://127.0.0.1:", 17) == 0);
    cfg = make_config(state);
    CHECK_OK(claw_auth_set_api_key(cfg, NULL, KEY_A, "anthropic:a", NULL, &err), err);
    CHECK_OK(claw_auth_set_api_key(cfg, NULL, KEY_B, "anthropic:b", NULL, &err), err);
    CHECK_OK(claw_client_new(cfg, NULL, &client, &err), err);

    test_bad_client_arguments(cfg, client);
    test_send(client);
    test_count_tokens_and_models(client);
    test_stream(client);
    test_cancel(client);
    test_fork(client);
    test_rotation_on_401(cfg, client);
    test_all_rejected_and_rate_limited(state);
    test_client_options(state);

    claw_client_free(client);
    claw_config_free(cfg);
    claw_mock_server_free(server);
    printf("test_client: ok\n");
    return 0;
}
