// faasbench_utimens: a tiny N-API addon exposing utimensat(2) and futimens(3) to the
// WASI host, because Node has no exact way to set file times: fs.utimes/futimes/
// lutimes take seconds as a double (~240 ns steps near today's epoch seconds), always
// set both times, and take "now" from Date.now(). WASI's fd_filestat_set_times and
// path_filestat_set_times carry nanoseconds and per-time NOW / "leave as is" flags,
// which are exactly utimensat's timespec, UTIME_NOW and UTIME_OMIT.
// No maintained npm binding offers this (see runtimes/wasm/wasi/fs/utimens.ts), so
// this is ours: two functions, no state, built by build.sh beside this file.
//
// JS API (numbers only; the caller splits a u64 ns timestamp into sec + nsec):
//   futimens(fd, aSec, aNsec, mSec, mNsec)  -> 0 or -errno
//   utimensat(path, aSec, aNsec, mSec, mNsec) -> 0 or -errno  (a final symlink is not followed)
// nsec is 0..999999999, or -1 for "now" (UTIME_NOW), -2 for "leave as is" (UTIME_OMIT).
// Errors come back as -errno rather than thrown, so the caller maps them the same way
// as Node's own fs errors.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <node_api.h>

#define CALL(env, call)                                                              \
  do {                                                                               \
    if ((call) != napi_ok) {                                                         \
      napi_throw_type_error((env), NULL, "faasbench_utimens: bad argument");         \
      return NULL;                                                                   \
    }                                                                                \
  } while (0)

static napi_value result(napi_env env, int32_t r) {
  napi_value v;
  if (napi_create_int32(env, r, &v) != napi_ok) return NULL;
  return v;
}

/*
 * args[0..3] (aSec, aNsec, mSec, mNsec) → times[2]. Returns 0 when an argument is not
 * a number (the caller throws); else 1, with *err 0 or -EINVAL for an nsec out of range.
 */
static int read_times(napi_env env, napi_value *args, struct timespec times[2], int32_t *err) {
  *err = 0;
  for (int i = 0; i < 2; i++) {
    int64_t sec, nsec;
    if (napi_get_value_int64(env, args[2 * i], &sec) != napi_ok) return 0;
    if (napi_get_value_int64(env, args[2 * i + 1], &nsec) != napi_ok) return 0;
    times[i].tv_sec = (time_t)sec;
    if (nsec == -1) times[i].tv_nsec = UTIME_NOW;
    else if (nsec == -2) times[i].tv_nsec = UTIME_OMIT;
    else if (nsec >= 0 && nsec <= 999999999) times[i].tv_nsec = (long)nsec;
    else *err = -EINVAL;
  }
  return 1;
}

static napi_value js_futimens(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 5) { napi_throw_type_error(env, NULL, "futimens(fd, aSec, aNsec, mSec, mNsec)"); return NULL; }
  int32_t fd;
  CALL(env, napi_get_value_int32(env, args[0], &fd));
  struct timespec times[2];
  int32_t r;
  if (!read_times(env, args + 1, times, &r)) { napi_throw_type_error(env, NULL, "futimens: times must be numbers"); return NULL; }
  if (r != 0) return result(env, r);
  return result(env, futimens(fd, times) == 0 ? 0 : -errno);
}

static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CALL(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 5) { napi_throw_type_error(env, NULL, "utimensat(path, aSec, aNsec, mSec, mNsec)"); return NULL; }
  size_t len;
  CALL(env, napi_get_value_string_utf8(env, args[0], NULL, 0, &len));
  char *path = malloc(len + 1);
  if (path == NULL) return result(env, -ENOMEM);
  if (napi_get_value_string_utf8(env, args[0], path, len + 1, &len) != napi_ok) {
    free(path);
    napi_throw_type_error(env, NULL, "utimensat: path must be a string");
    return NULL;
  }
  struct timespec times[2];
  int32_t r;
  if (!read_times(env, args + 1, times, &r)) { free(path); napi_throw_type_error(env, NULL, "utimensat: times must be numbers"); return NULL; }
  if (r == 0 && strlen(path) != len) r = -EINVAL; /* an embedded NUL would cut the path */
  if (r == 0) r = utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
  free(path);
  return result(env, r);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"futimens", NULL, js_futimens, NULL, NULL, NULL, napi_enumerable, NULL},
      {"utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  return exports;
}
