/* Config, status, dry-run build, stored credentials and argument checking through the C ABI
 * (no network). Run by capi/tests/c_programs.rs with CLAW_TEST_DIR set to a fresh directory, HOME and
 * CLAWDBOT_STATE_DIR pointing into it, and no ANTHROPIC_* variables. */
#include <sys/stat.h>
#include <sys/types.h>

#include "check.h"

#define API_KEY "sk-ant-api03-c-test-0123456789abcdefghijklmnopqrstuvwxyz"
#define SETUP_TOKEN \
    "sk-ant-oat01-c-test-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"

static const char *CONFIG =
    "// JSON5 with comments\n"
    "{\n"
    "  agents: { defaults: {\n"
    "    model: { primary: 'opus' },\n"
    "    models: { 'anthropic/claude-opus-4-5': { params: { cacheControlTtl: '1h' } } },\n"
    "  } },\n"
    "}\n";

static void test_version(void) {
    const char *v = claw_version();
    CHECK(v != NULL);
    CHECK(strlen(v) >= 5);
    CHECK(v[0] >= '0' && v[0] <= '9');
    /* The header's version macros name the library this program runs with. */
    {
        char expected[64];
        snprintf(expected, sizeof expected, "%d.%d.%d", CLAW_ANTHROPIC_VERSION_MAJOR,
                 CLAW_ANTHROPIC_VERSION_MINOR, CLAW_ANTHROPIC_VERSION_PATCH);
        CHECK(strcmp(v, expected) == 0);
    }
}

static claw_config *load_config(const char *state) {
    char path[4096];
    claw_config *cfg = NULL;
    claw_error *err = NULL;
    snprintf(path, sizeof path, "%s/clawdbot.json", state);
    write_file(path, CONFIG);
    /* NULL path = default location: $CLAWDBOT_STATE_DIR/clawdbot.json (set by the driver). */
    CHECK_OK(claw_config_load(NULL, &cfg, &err), err);
    CHECK(cfg != NULL);
    return cfg;
}

static void test_status_and_dry_run(claw_config *cfg) {
    claw_error *err = NULL;
    char *json = NULL;
    char *id = NULL;
    const char *req = "{\"model\":\"opus\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    CHECK_OK(claw_status_json(cfg, NULL, &json, &err), err);
    CHECK_CONTAINS(json, "\"resolvedDefault\":\"anthropic/claude-opus-4-5\"");
    CHECK_CONTAINS(json, "\"missingProvidersInUse\":[\"anthropic\"]");
    claw_string_free(json);
    json = NULL;

    /* No credential anywhere yet: the seed's error, with its own code. Outputs untouched. */
    json = (char *)"untouched";
    CHECK(claw_request_build(cfg, NULL, req, &json, &err) == CLAW_ERR_NO_CREDENTIALS);
    CHECK(strcmp(json, "untouched") == 0);
    CHECK(claw_error_code(err) == CLAW_ERR_NO_CREDENTIALS);
    CHECK(strncmp(claw_error_message(err), "No API key found for provider \"anthropic\"", 41) == 0);
    CHECK_CONTAINS(claw_error_message(err), "main");
    claw_error_free(err);
    err = NULL;
    json = NULL;

    CHECK_OK(claw_auth_set_api_key(cfg, NULL, API_KEY, NULL, &id, &err), err);
    CHECK(strcmp(id, "anthropic:default") == 0);
    claw_string_free(id);

    CHECK_OK(claw_request_build(cfg, NULL, req, &json, &err), err);
    CHECK_CONTAINS(json, "\"url\":\"https://api.anthropic.com/v1/messages\"");
    CHECK_CONTAINS(json, "\"model\":\"claude-opus-4-5\"");
    CHECK_CONTAINS(json, "\"max_tokens\":");
    CHECK_CONTAINS(json, "\"ttl\":\"1h\"");
    CHECK_CONTAINS(json, "extended-cache-ttl-2025-04-11");
    CHECK_CONTAINS(json, "\"x-api-key\":\"sk-ant-a...");
    CHECK_NOT_CONTAINS(json, API_KEY);
    claw_string_free(json);
    json = NULL;

    CHECK_OK(claw_status_json(cfg, "main", &json, &err), err);
    CHECK_CONTAINS(json, "anthropic:default");
    CHECK_NOT_CONTAINS(json, API_KEY);
    claw_string_free(json);
    json = NULL;

    /* Setup-tokens: the reference's validation messages, then a good one. */
    CHECK(claw_auth_paste_token(cfg, NULL, "anthropic", "sk-ant-api03-nope", NULL, &id, &err) ==
          CLAW_ERR_INVALID_SETUP_TOKEN);
    CHECK(strcmp(claw_error_message(err), "Expected token starting with sk-ant-oat01-") == 0);
    claw_error_free(err);
    err = NULL;
    CHECK(claw_auth_paste_token(cfg, NULL, "anthropic", "   ", NULL, &id, &err) ==
          CLAW_ERR_INVALID_SETUP_TOKEN);
    CHECK(strcmp(claw_error_message(err), "Required") == 0);
    claw_error_free(err);
    err = NULL;
    CHECK_OK(claw_auth_paste_token(cfg, "ops", "anthropic", SETUP_TOKEN, NULL, &id, &err), err);
    CHECK(strcmp(id, "anthropic:manual") == 0);
    claw_string_free(id);
    /* NULL out_profile_id is allowed. */
    CHECK_OK(claw_auth_set_api_key(cfg, "ops", API_KEY, "anthropic:backup", NULL, &err), err);

    /* Token auth: bearer header, oauth beta, no TTL (the seed: TTL is API-key only). */
    CHECK_OK(claw_request_build(cfg, "ops", req, &json, &err), err);
    CHECK_CONTAINS(json, "\"authorization\":\"Bearer sk-ant-o...");
    CHECK_CONTAINS(json, "oauth-2025-04-20");
    CHECK_NOT_CONTAINS(json, "\"ttl\"");
    CHECK_NOT_CONTAINS(json, SETUP_TOKEN);
    claw_string_free(json);
}

static void test_other_loaders(const char *state) {
    claw_config *cfg = NULL;
    claw_error *err = NULL;
    char *agent = NULL;
    char *json = NULL;
    const char *req = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"max_tokens\":64,"
                      "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    CHECK_OK(claw_config_load_state_dir(state, &cfg, &err), err);
    CHECK_OK(claw_config_default_agent(cfg, &agent, &err), err);
    CHECK(strcmp(agent, "main") == 0);
    claw_string_free(agent);
    claw_config_free(cfg);
    cfg = NULL;

    /* From text: the environment view is only the text's env block. */
    CHECK_OK(claw_config_from_json5_in(
                 "{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-from-config-env-block-000000' },"
                 "  agents: { list: [ { id: 'Writer', default: true } ] } }",
                 state, &cfg, &err),
             err);
    CHECK_OK(claw_config_default_agent(cfg, &agent, &err), err);
    CHECK(strcmp(agent, "writer") == 0);
    claw_string_free(agent);
    CHECK_OK(claw_request_build(cfg, NULL, req, &json, &err), err);
    CHECK_CONTAINS(json, "\"max_tokens\":64");
    CHECK_CONTAINS(json, "\"x-api-key\":\"sk-ant-a...");
    CHECK_NOT_CONTAINS(json, "\"ttl\"");
    claw_string_free(json);
    claw_config_free(cfg);
}

static void test_bad_arguments(claw_config *cfg) {
    claw_error *err = NULL;
    claw_config *out = (claw_config *)&err; /* a sentinel: must stay untouched on failure */
    claw_config *sentinel = out;
    char *json = NULL;
    const char bad_utf8[] = {'{', '\xff', '}', '\0'};
    const char *req = "{\"model\":\"opus\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    CHECK_ERR(claw_config_from_json5(NULL, &out, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK(out == sentinel);
    CHECK_ERR(claw_config_from_json5("{}", NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_config_from_json5(bad_utf8, &out, &err), err, CLAW_ERR_INVALID_UTF8);
    CHECK(out == sentinel);
    CHECK_ERR(claw_config_from_json5("{ agents: ", &out, &err), err, CLAW_ERR_CONFIG);
    CHECK_ERR(claw_config_from_json5("{ agents: { defaults: { models: { 'anthropic/claude-opus-4-5':"
                                     " { params: { cacheControlTtl: '2h' } } } } } }",
                                     &out, &err),
              err, CLAW_ERR_CONFIG);
    CHECK(out == sentinel);
    /* err may be NULL: the code alone comes back. */
    CHECK(claw_config_from_json5(NULL, &out, NULL) == CLAW_ERR_NULL_ARGUMENT);

    CHECK_ERR(claw_status_json(NULL, NULL, &json, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_status_json(cfg, "!!!", &json, &err), err, CLAW_ERR_INVALID_ARGUMENT);
    CHECK_ERR(claw_status_json(cfg, bad_utf8, &json, &err), err, CLAW_ERR_INVALID_UTF8);
    CHECK_ERR(claw_status_json(cfg, NULL, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_request_build(cfg, NULL, NULL, &json, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK_ERR(claw_request_build(cfg, NULL, "{not json", &json, &err), err, CLAW_ERR_INVALID_JSON);
    CHECK_ERR(claw_request_build(cfg, NULL, "{\"model\": 5}", &json, &err), err, CLAW_ERR_INVALID_JSON);
    CHECK_ERR(claw_request_build(cfg, NULL, bad_utf8, &json, &err), err, CLAW_ERR_INVALID_UTF8);
    CHECK_ERR(claw_request_build(cfg, NULL,
                                 "{\"model\":\"opus\",\"max_tokens\":0,"
                                 "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                                 &json, &err),
              err, CLAW_ERR_INVALID_REQUEST);
    CHECK_ERR(claw_request_build(cfg, NULL, req, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    CHECK(json == NULL);
    CHECK_ERR(claw_auth_set_api_key(cfg, NULL, NULL, NULL, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);
    {
        /* The key is never echoed, even when it is malformed. */
        const char secret_bad[] = "sk-ant-api03-SECRET\xfe";
        CHECK(claw_auth_set_api_key(cfg, NULL, secret_bad, NULL, NULL, &err) == CLAW_ERR_INVALID_UTF8);
        CHECK_NOT_CONTAINS(claw_error_message(err), "SECRET");
        claw_error_free(err);
        err = NULL;
    }
    CHECK_ERR(claw_auth_paste_token(cfg, NULL, NULL, "x", NULL, NULL, &err), err, CLAW_ERR_NULL_ARGUMENT);

    /* Getters and frees accept NULL. */
    CHECK(claw_error_code(NULL) == CLAW_OK);
    CHECK(claw_error_message(NULL) == NULL);
    CHECK(claw_error_http_status(NULL) == 0);
    CHECK(claw_error_request_id(NULL) == NULL);
    claw_error_free(NULL);
    claw_string_free(NULL);
    claw_config_free(NULL);
    claw_cancel_free(NULL);
    claw_mock_server_free(NULL);
    CHECK(claw_mock_server_url(NULL) == NULL);
}

int main(void) {
    char state[4096];
    claw_config *cfg;
    const char *env_state = getenv("CLAWDBOT_STATE_DIR");
    CHECK(env_state != NULL);
    snprintf(state, sizeof state, "%s", env_state);
    mkdir(state, 0700);
    (void)test_dir();

    test_version();
    cfg = load_config(state);
    test_status_and_dry_run(cfg);
    test_bad_arguments(cfg);
    claw_config_free(cfg);
    test_other_loaders(state);
    printf("test_config: ok\n");
    return 0;
}
