/*
 * claw-anthropic from C: load the config, show the status, build a request without sending it,
 * then send one and stream one.
 *
 *   make -C examples/c run          # offline: against the built-in mock server (--mock)
 *   ./quickstart                    # for real: ~/.clawdbot/clawdbot.json and its auth profiles
 *
 * Every fallible call returns a claw_result and, on failure, a claw_error* to read and free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claw_anthropic.h"

static int fail(const char *what, claw_result rc, claw_error *err) {
    fprintf(stderr, "%s failed (%u): %s\n", what, (unsigned)rc,
            err ? claw_error_message(err) : "(no details)");
    claw_error_free(err);
    return 1;
}

/* Prints the text of each text_delta event as it arrives. Return non-zero to stop the stream. */
static int print_text(void *userdata, const char *event_json) {
    static const char marker[] = "\"text_delta\",\"text\":\"";
    const char *t = strstr(event_json, marker);
    (void)userdata;
    if (t != NULL) {
        const char *start = t + sizeof marker - 1;
        const char *end = strchr(start, '"');
        if (end != NULL) {
            fwrite(start, 1, (size_t)(end - start), stdout);
            fflush(stdout);
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    int mock = argc > 1 && strcmp(argv[1], "--mock") == 0;
    claw_mock_server *server = NULL;
    claw_config *cfg = NULL;
    claw_client *client = NULL;
    claw_error *err = NULL;
    char *json = NULL;
    claw_result rc;
    const char *request =
        "{\"model\": \"sonnet\", \"messages\": [{\"role\": \"user\", \"content\": \"ping\"}]}";
    int status = 1;

    printf("claw-anthropic %s\n", claw_version());

    if (mock) {
        char text[1024];
        if ((rc = claw_mock_server_start(&server, &err)) != CLAW_OK) {
            return fail("claw_mock_server_start", rc, err);
        }
        snprintf(text, sizeof text,
                 "{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-quickstart-example-key-000000' },\n"
                 "  models: { providers: { anthropic: { baseUrl: '%s' } } },\n"
                 "  agents: { defaults: { model: { primary: 'sonnet' },\n"
                 "    models: { 'anthropic/claude-sonnet-4-5': { params: { cacheControlTtl: '1h' } } } } } }",
                 claw_mock_server_url(server));
        rc = claw_config_from_json5(text, &cfg, &err);
        printf("mock server: %s\n", claw_mock_server_url(server));
    } else {
        rc = claw_config_load(NULL, &cfg, &err); /* ~/.clawdbot/clawdbot.json */
    }
    if (rc != CLAW_OK) {
        status = fail("loading the config", rc, err);
        goto out;
    }

    if ((rc = claw_status_json(cfg, NULL, &json, &err)) != CLAW_OK) {
        status = fail("claw_status_json", rc, err);
        goto out;
    }
    printf("status: %.160s...\n", json);
    claw_string_free(json);
    json = NULL;

    /* What would be sent (credential masked, cache TTL and betas applied). */
    if ((rc = claw_request_build(cfg, NULL, request, &json, &err)) != CLAW_OK) {
        status = fail("claw_request_build", rc, err);
        goto out;
    }
    printf("dry run: %s\n", json);
    claw_string_free(json);
    json = NULL;

    if ((rc = claw_client_new(cfg, NULL, &client, &err)) != CLAW_OK) {
        status = fail("claw_client_new", rc, err);
        goto out;
    }
    if ((rc = claw_client_send(client, request, &json, &err)) != CLAW_OK) {
        status = fail("claw_client_send", rc, err);
        goto out;
    }
    printf("message: %s\n", json);
    claw_string_free(json);
    json = NULL;

    printf("stream: ");
    rc = claw_client_stream(client, request, print_text, NULL, &json, &err);
    printf("\n");
    if (rc != CLAW_OK) {
        status = fail("claw_client_stream", rc, err);
        goto out;
    }
    printf("final message: %s\n", json);
    claw_string_free(json);
    status = 0;

out:
    claw_client_free(client);
    claw_config_free(cfg);
    claw_mock_server_free(server);
    return status;
}
