// File times through wasi-libc, inside the directory given as argv[1] (a host
// preopen or an in-memory one): futimens and utimensat (wasi-libc turns them into
// fd_filestat_set_times and path_filestat_set_times) must set atime and mtime to the
// exact nanosecond, leave a time marked UTIME_OMIT exactly as it was (and, when both
// are omitted, change nothing at all, ctime included, as Linux does), and take
// UTIME_NOW from the host's clock. Odd nanosecond values on purpose: a host that
// goes through seconds as a double, or microseconds, cannot keep them.
// This wasi-libc (Debian 12's) refuses UTIME_OMIT or UTIME_NOW in times[1] (mtime)
// with EINVAL before calling the host, and turns futimens(fd, NULL) into "set both
// to 0" (libc bugs), so "atime only", "neither", "mtime now" and "both now" use the
// raw WASI calls.
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

/* A timestamp read back must be exactly (sec, nsec). */
#define CHECK_TS(got, sec, nsec)                                                     \
  do {                                                                               \
    struct timespec g_ = (got);                                                      \
    checks_run++;                                                                    \
    if (g_.tv_sec != (sec) || g_.tv_nsec != (nsec)) {                                \
      printf("FAIL %s:%d: %s = %lld.%09ld, want %lld.%09ld\n", __FILE__, __LINE__,   \
             #got, (long long)g_.tv_sec, (long)g_.tv_nsec, (long long)(sec),         \
             (long)(nsec));                                                          \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

static int64_t ns_of(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int64_t now_ns(void) {
  struct timespec t;
  CHECK(clock_gettime(CLOCK_REALTIME, &t) == 0);
  return ns_of(t);
}

/* UTIME_NOW: within a second of the guest's view of the host's real-time clock around the call. */
#define CHECK_NOW(got, before, after)                                                \
  do {                                                                               \
    int64_t t_ = ns_of(got);                                                         \
    checks_run++;                                                                    \
    if (t_ < (before) - 1000000000 || t_ > (after) + 1000000000) {                   \
      printf("FAIL %s:%d: %s = %lld ns, not within a second of [%lld, %lld]\n",       \
             __FILE__, __LINE__, #got, (long long)t_, (long long)(before),           \
             (long long)(after));                                                    \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

static struct timespec ts(int64_t sec, long nsec) {
  struct timespec t = {.tv_sec = sec, .tv_nsec = nsec};
  return t;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  CHECK(chdir(argv[1]) == 0);
  struct stat st, st2;

  int32_t fd = open("times-file", O_RDWR | O_CREAT | O_EXCL, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "t", 1) == 1);

  // futimens → fd_filestat_set_times: both times, exact to the nanosecond.
  struct timespec both[2] = {ts(1700000000, 123456789), ts(1600000000, 987654321)};
  CHECK(futimens(fd, both) == 0);
  CHECK(fstat(fd, &st) == 0);
  CHECK_TS(st.st_atim, 1700000000, 123456789);
  CHECK_TS(st.st_mtim, 1600000000, 987654321);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1700000000, 123456789);
  CHECK_TS(st.st_mtim, 1600000000, 987654321);

  // utimensat → path_filestat_set_times: the extremes of tv_nsec.
  struct timespec edges[2] = {ts(1234567890, 1), ts(1500000000, 999999999)};
  CHECK(utimensat(AT_FDCWD, "times-file", edges, 0) == 0);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1234567890, 1);
  CHECK_TS(st.st_mtim, 1500000000, 999999999);

  // Only mtime (fd): atime is not touched, not even rounded.
  struct timespec only_m[2] = {ts(0, UTIME_OMIT), ts(1700000001, 3)};
  CHECK(futimens(fd, only_m) == 0);
  CHECK(fstat(fd, &st) == 0);
  CHECK_TS(st.st_atim, 1234567890, 1);
  CHECK_TS(st.st_mtim, 1700000001, 3);

  // Only mtime (path).
  struct timespec only_m2[2] = {ts(0, UTIME_OMIT), ts(1700000002, 999999998)};
  CHECK(utimensat(AT_FDCWD, "times-file", only_m2, 0) == 0);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1234567890, 1);
  CHECK_TS(st.st_mtim, 1700000002, 999999998);

  // Only atime (path, raw): mtime is not touched.
  int32_t cwd = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(cwd >= 0);
  const char *name = "times-file";
  CHECK_WASI(__wasi_path_filestat_set_times(cwd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, name,
                                            1111111111111111111ull, 0, __WASI_FSTFLAGS_ATIM), 0);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1111111111, 111111111);
  CHECK_TS(st.st_mtim, 1700000002, 999999998);

  // Only atime (fd, raw).
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 1222222222000000007ull, 0, __WASI_FSTFLAGS_ATIM), 0);
  CHECK(fstat(fd, &st) == 0);
  CHECK_TS(st.st_atim, 1222222222, 7);
  CHECK_TS(st.st_mtim, 1700000002, 999999998);

  // Neither (raw, both calls): nothing changes, ctime included; the values passed are ignored.
  CHECK_WASI(__wasi_path_filestat_set_times(cwd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, name, 5, 5, 0), 0);
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 5, 5, 0), 0);
  CHECK(stat("times-file", &st2) == 0);
  CHECK_TS(st2.st_atim, 1222222222, 7);
  CHECK_TS(st2.st_mtim, 1700000002, 999999998);
  CHECK_TS(st2.st_ctim, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);

  // ATIM_NOW alone (raw): mtime exact.
  int64_t before = now_ns();
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW), 0);
  int64_t after = now_ns();
  CHECK(fstat(fd, &st) == 0);
  CHECK_NOW(st.st_atim, before, after);
  CHECK_TS(st.st_mtim, 1700000002, 999999998);
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 1111111111111111111ull, 0, __WASI_FSTFLAGS_ATIM), 0);
  CHECK(close(cwd) == 0);

  // MTIM_NOW alone (fd, raw): now from the host's clock, atime exact.
  before = now_ns();
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
  after = now_ns();
  CHECK(fstat(fd, &st) == 0);
  CHECK_TS(st.st_atim, 1111111111, 111111111);
  CHECK_NOW(st.st_mtim, before, after);

  // UTIME_NOW for atime (path), mtime given: mtime exact.
  struct timespec now_a[2] = {ts(0, UTIME_NOW), ts(1422222222, 222222222)};
  before = now_ns();
  CHECK(utimensat(AT_FDCWD, "times-file", now_a, 0) == 0);
  after = now_ns();
  CHECK(stat("times-file", &st) == 0);
  CHECK_NOW(st.st_atim, before, after);
  CHECK_TS(st.st_mtim, 1422222222, 222222222);

  // Both now (raw).
  before = now_ns();
  CHECK_WASI(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW), 0);
  after = now_ns();
  CHECK(fstat(fd, &st) == 0);
  CHECK_NOW(st.st_atim, before, after);
  CHECK_NOW(st.st_mtim, before, after);
  CHECK(close(fd) == 0);

  // A directory, by path and through its own fd.
  CHECK(mkdir("times-dir", 0755) == 0);
  struct timespec dir_times[2] = {ts(1300000000, 300000003), ts(1300000001, 400000004)};
  CHECK(utimensat(AT_FDCWD, "times-dir", dir_times, 0) == 0);
  CHECK(stat("times-dir", &st) == 0);
  CHECK_TS(st.st_atim, 1300000000, 300000003);
  CHECK_TS(st.st_mtim, 1300000001, 400000004);
  int32_t dfd = open("times-dir", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  struct timespec dir_only_m[2] = {ts(0, UTIME_OMIT), ts(1300000002, 500000005)};
  CHECK(futimens(dfd, dir_only_m) == 0);
  CHECK(fstat(dfd, &st) == 0);
  CHECK_TS(st.st_atim, 1300000000, 300000003);
  CHECK_TS(st.st_mtim, 1300000002, 500000005);
  CHECK(close(dfd) == 0);

  // A symlink: AT_SYMLINK_NOFOLLOW sets the link's own times, the target's stay.
  struct timespec file_times[2] = {ts(1000000000, 10), ts(1000000001, 20)};
  CHECK(utimensat(AT_FDCWD, "times-file", file_times, 0) == 0);
  CHECK(symlink("times-file", "times-link") == 0);
  struct timespec link_times[2] = {ts(1400000000, 666666666), ts(1400000001, 777777777)};
  CHECK(utimensat(AT_FDCWD, "times-link", link_times, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(lstat("times-link", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK_TS(st.st_atim, 1400000000, 666666666);
  CHECK_TS(st.st_mtim, 1400000001, 777777777);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1000000000, 10);
  CHECK_TS(st.st_mtim, 1000000001, 20);
  // Following the link sets the target's times; the link's mtime stays (its atime may
  // not: reading a link to follow it is an access, which the host kernel records).
  struct timespec via_link[2] = {ts(0, UTIME_OMIT), ts(1500000000, 888888888)};
  CHECK(utimensat(AT_FDCWD, "times-link", via_link, 0) == 0);
  CHECK(stat("times-file", &st) == 0);
  CHECK_TS(st.st_atim, 1000000000, 10);
  CHECK_TS(st.st_mtim, 1500000000, 888888888);
  CHECK(lstat("times-link", &st) == 0);
  CHECK_TS(st.st_mtim, 1400000001, 777777777);

  CHECK(unlink("times-link") == 0);
  CHECK(unlink("times-file") == 0);
  CHECK(rmdir("times-dir") == 0);
  printf("times: %d checks passed\n", (int)checks_run);
  return 0;
}
