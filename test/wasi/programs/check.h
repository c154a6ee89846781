// Tiny test helpers for the WASI test programs: a failed check prints where and
// why on stdout and exits 1, so the runner shows the reason.
#ifndef FAASBENCH_WASI_CHECK_H
#define FAASBENCH_WASI_CHECK_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t checks_run = 0;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    checks_run++;                                                                    \
    if (!(cond)) {                                                                   \
      printf("FAIL %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, errno,     \
             strerror(errno));                                                       \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

/* A call that must fail with exactly this errno. */
#define CHECK_ERRNO(call, want)                                                      \
  do {                                                                               \
    errno = 0;                                                                       \
    int32_t r_ = (int32_t)(call);                                                    \
    checks_run++;                                                                    \
    if (r_ != -1 || errno != (want)) {                                               \
      printf("FAIL %s:%d: %s returned %d errno %d (%s), want errno %d (%s)\n",       \
             __FILE__, __LINE__, #call, r_, errno, strerror(errno), (want),          \
             strerror(want));                                                        \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

/* A raw WASI call that must return exactly this errno. */
#define CHECK_WASI(call, want)                                                       \
  do {                                                                               \
    int32_t e_ = (int32_t)(call);                                                    \
    checks_run++;                                                                    \
    if (e_ != (want)) {                                                              \
      printf("FAIL %s:%d: %s = %d, want %d\n", __FILE__, __LINE__, #call, e_,        \
             (int32_t)(want));                                                       \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

#endif
