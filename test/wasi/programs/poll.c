// poll_oneoff: clock subscriptions (relative and absolute), fd subscriptions on
// stdin/stdout, bad fds, and the mix (a ready fd returns before the clock fires).
// Expects stdin to hold exactly "abc".
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

static uint64_t now_ns(void) {
  __wasi_timestamp_t t = 0;
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) == 0);
  return t;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, uint64_t timeout, uint16_t flags) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = flags;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, uint8_t type, uint32_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

int main(void) {
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;

  // A relative 20 ms timeout sleeps at least 20 ms.
  __wasi_subscription_t s1 = clock_sub(7, 20000000, 0);
  uint64_t t0 = now_ns();
  CHECK(__wasi_poll_oneoff(&s1, ev, 1, &n) == 0);
  uint64_t slept = now_ns() - t0;
  CHECK(n == 1 && ev[0].userdata == 7 && ev[0].error == 0 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
  CHECK(slept >= 20000000);

  // An absolute deadline 10 ms ahead.
  __wasi_subscription_t s2 = clock_sub(8, now_ns() + 10000000, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK(__wasi_poll_oneoff(&s2, ev, 1, &n) == 0 && n == 1 && ev[0].userdata == 8);
  // A deadline in the past fires at once.
  __wasi_subscription_t s3 = clock_sub(9, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  CHECK(__wasi_poll_oneoff(&s3, ev, 1, &n) == 0 && n == 1 && ev[0].userdata == 9);

  // nanosleep and clock_nanosleep go through poll_oneoff in wasi-libc.
  struct timespec ts = {.tv_sec = 0, .tv_nsec = 5000000};
  t0 = now_ns();
  CHECK(nanosleep(&ts, NULL) == 0);
  CHECK(now_ns() - t0 >= 5000000);

  // fd subscriptions: stdin has 3 bytes to read, stdout is writable; a long clock does not delay them.
  __wasi_subscription_t subs[4] = {
      fd_sub(1, __WASI_EVENTTYPE_FD_READ, 0),
      fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, 1),
      clock_sub(3, 60ull * 1000000000ull, 0),
      fd_sub(4, __WASI_EVENTTYPE_FD_READ, 999),
  };
  t0 = now_ns();
  CHECK(__wasi_poll_oneoff(subs, ev, 4, &n) == 0);
  CHECK(now_ns() - t0 < 10ull * 1000000000ull);
  CHECK(n == 3);
  int32_t seen = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (ev[i].userdata == 1) { CHECK(ev[i].error == 0 && ev[i].type == __WASI_EVENTTYPE_FD_READ && ev[i].fd_readwrite.nbytes == 3); seen |= 1; }
    if (ev[i].userdata == 2) { CHECK(ev[i].error == 0 && ev[i].type == __WASI_EVENTTYPE_FD_WRITE); seen |= 2; }
    if (ev[i].userdata == 4) { CHECK(ev[i].error == __WASI_ERRNO_BADF); seen |= 4; }
    CHECK(ev[i].userdata != 3);
  }
  CHECK(seen == 7);

  // After reading stdin, 0 bytes remain.
  char buf[8];
  CHECK(read(0, buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0);
  CHECK(__wasi_poll_oneoff(subs, ev, 1, &n) == 0 && n == 1 && ev[0].fd_readwrite.nbytes == 0);

  // No subscriptions is EINVAL.
  CHECK_WASI(__wasi_poll_oneoff(subs, ev, 0, &n), __WASI_ERRNO_INVAL);

  CHECK(__wasi_sched_yield() == 0);
  printf("poll: %d checks passed\n", checks_run);
  return 0;
}
