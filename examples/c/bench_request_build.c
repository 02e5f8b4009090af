/*
 * Times claw_request_build (a dry run: parse the request JSON, resolve the credential, build the
 * request, render it as JSON) in a loop and prints ns/call. Compare with the Rust API doing the
 * same work: `cargo bench --bench request_json`.
 *
 *   make -C examples/c bench        # builds against target/release
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "claw_anthropic.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 20000;
    const char *state = argc > 2 ? argv[2] : "/tmp/claw-anthropic-bench-state";
    claw_config *cfg = NULL;
    claw_error *err = NULL;
    long i;
    double start, elapsed;
    const char *request =
        "{\"model\":\"opus\",\"system\":\"You are terse.\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"Hello\"},"
        "{\"role\":\"assistant\",\"content\":\"Hi! How can I help?\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Summarise the plot of Hamlet in one line.\"}]}]}";
    if (claw_config_from_json5_in(
            "{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-bench-0123456789abcdefghijklmnopqrstuvwxyz' },"
            "  agents: { defaults: { model: { primary: 'opus' },"
            "    models: { 'anthropic/claude-opus-4-5': { alias: 'opus', params: { cacheControlTtl: '1h' } } } } } }",
            state, &cfg, &err) != CLAW_OK) {
        fprintf(stderr, "config: %s\n", claw_error_message(err));
        return 1;
    }
    for (i = 0; i < iterations / 10 + 1; i++) { /* warm up */
        char *json = NULL;
        if (claw_request_build(cfg, NULL, request, &json, &err) != CLAW_OK) {
            fprintf(stderr, "build: %s\n", claw_error_message(err));
            return 1;
        }
        claw_string_free(json);
    }
    start = now_ns();
    for (i = 0; i < iterations; i++) {
        char *json = NULL;
        claw_request_build(cfg, NULL, request, &json, NULL);
        claw_string_free(json);
    }
    elapsed = now_ns() - start;
    printf("claw_request_build from C: %.0f ns/call (%ld calls)\n", elapsed / (double)iterations,
           iterations);
    claw_config_free(cfg);
    return 0;
}
