// sleep: waits ?ms=N milliseconds without burning CPU (nanosleep; on WASI that is
// poll_oneoff on a clock), then answers. I/O-like: what matters is that the runtime
// does not block other requests while one waits.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>
#include "cgi.h"

int main(void) {
  int64_t ms;
  if (query_int("ms", 10, 0, 10000, &ms) != 0) return fail(400, "ms must be a whole number from 0 to 10000");
  struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0) {
    if (errno != EINTR) return fail(500, "nanosleep failed");
  }
  buf_t out = {0};
  buf_printf(&out, "slept %u ms\n", (uint32_t)ms);
  respond(200, "text/plain", out.data, out.len);
  return 0;
}
