/* Tiny assertion helpers shared by the C tests in capi/tests/c. */
#ifndef CLAW_TEST_CHECK_H
#define CLAW_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claw_anthropic.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* Fails the test with the error's message unless rc is CLAW_OK. */
#define CHECK_OK(rc, err)                                                                  \
    do {                                                                                   \
        claw_result rc_ = (rc);                                                            \
        if (rc_ != CLAW_OK) {                                                              \
            fprintf(stderr, "%s:%d: expected CLAW_OK, got %u: %s\n", __FILE__, __LINE__,   \
                    (unsigned)rc_, (err) ? claw_error_message(err) : "(no error object)"); \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

/* Checks rc == code and that the error object agrees; frees the error and resets it to NULL. */
#define CHECK_ERR(rc, err, code)                                                          \
    do {                                                                                  \
        claw_result rc_ = (rc);                                                           \
        if (rc_ != (code)) {                                                              \
            fprintf(stderr, "%s:%d: expected %s (%u), got %u: %s\n", __FILE__, __LINE__, \
                    #code, (unsigned)(code), (unsigned)rc_,                               \
                    (err) ? claw_error_message(err) : "(no error object)");               \
            exit(1);                                                                      \
        }                                                                                 \
        CHECK((err) != NULL);                                                             \
        CHECK(claw_error_code(err) == (code));                                            \
        CHECK(claw_error_message(err) != NULL);                                           \
        claw_error_free(err);                                                             \
        (err) = NULL;                                                                     \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                  \
    do {                                                                                  \
        if (strstr((haystack), (needle)) == NULL) {                                       \
            fprintf(stderr, "%s:%d: expected to find %s in:\n%s\n", __FILE__, __LINE__,   \
                    (needle), (haystack));                                                \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

#define CHECK_NOT_CONTAINS(haystack, needle)                                              \
    do {                                                                                  \
        if (strstr((haystack), (needle)) != NULL) {                                       \
            fprintf(stderr, "%s:%d: did not expect %s in:\n%s\n", __FILE__, __LINE__,     \
                    (needle), (haystack));                                                \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

/* The scratch directory the test driver made for this program ($CLAW_TEST_DIR). */
static inline const char *test_dir(void) {
    const char *d = getenv("CLAW_TEST_DIR");
    if (d == NULL || d[0] == '\0') {
        fprintf(stderr, "CLAW_TEST_DIR is not set (run through capi/tests/c_programs.rs or capi/tests/c/valgrind.sh)\n");
        exit(2);
    }
    return d;
}

/* Writes `text` to `path`, failing the test on error. */
static inline void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

#endif
