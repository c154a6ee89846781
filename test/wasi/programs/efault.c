// Out-of-bounds pointers to every WASI call that takes one: each must answer
// EFAULT (21), never trap and never raise a host exception. Runs with a preopen
// at fd 3 and "inside.txt" in it. Prints one line per call and a total.
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef int32_t i32;
typedef int64_t i64;
IMPORT(args_get) i32 w_args_get(i32, i32);
IMPORT(args_sizes_get) i32 w_args_sizes_get(i32, i32);
IMPORT(environ_get) i32 w_environ_get(i32, i32);
IMPORT(environ_sizes_get) i32 w_environ_sizes_get(i32, i32);
IMPORT(clock_res_get) i32 w_clock_res_get(i32, i32);
IMPORT(clock_time_get) i32 w_clock_time_get(i32, i64, i32);
IMPORT(random_get) i32 w_random_get(i32, i32);
IMPORT(fd_write) i32 w_fd_write(i32, i32, i32, i32);
IMPORT(fd_read) i32 w_fd_read(i32, i32, i32, i32);
IMPORT(fd_pread) i32 w_fd_pread(i32, i32, i32, i64, i32);
IMPORT(fd_pwrite) i32 w_fd_pwrite(i32, i32, i32, i64, i32);
IMPORT(fd_seek) i32 w_fd_seek(i32, i64, i32, i32);
IMPORT(fd_tell) i32 w_fd_tell(i32, i32);
IMPORT(fd_fdstat_get) i32 w_fd_fdstat_get(i32, i32);
IMPORT(fd_filestat_get) i32 w_fd_filestat_get(i32, i32);
IMPORT(fd_prestat_get) i32 w_fd_prestat_get(i32, i32);
IMPORT(fd_prestat_dir_name) i32 w_fd_prestat_dir_name(i32, i32, i32);
IMPORT(fd_readdir) i32 w_fd_readdir(i32, i32, i32, i64, i32);
IMPORT(path_open) i32 w_path_open(i32, i32, i32, i32, i32, i64, i64, i32, i32);
IMPORT(path_create_directory) i32 w_path_create_directory(i32, i32, i32);
IMPORT(path_remove_directory) i32 w_path_remove_directory(i32, i32, i32);
IMPORT(path_unlink_file) i32 w_path_unlink_file(i32, i32, i32);
IMPORT(path_filestat_get) i32 w_path_filestat_get(i32, i32, i32, i32, i32);
IMPORT(path_filestat_set_times) i32 w_path_filestat_set_times(i32, i32, i32, i32, i64, i64, i32);
IMPORT(path_link) i32 w_path_link(i32, i32, i32, i32, i32, i32, i32);
IMPORT(path_rename) i32 w_path_rename(i32, i32, i32, i32, i32, i32);
IMPORT(path_symlink) i32 w_path_symlink(i32, i32, i32, i32, i32);
IMPORT(path_readlink) i32 w_path_readlink(i32, i32, i32, i32, i32, i32);
IMPORT(poll_oneoff) i32 w_poll_oneoff(i32, i32, i32, i32);

static i32 faults = 0;
#define FAULT(call)                                                              \
  do {                                                                           \
    i32 e_ = (call);                                                             \
    checks_run++;                                                                \
    if (e_ != __WASI_ERRNO_FAULT) {                                              \
      printf("FAIL %s:%d: %s = %d, want EFAULT\n", __FILE__, __LINE__, #call, e_); \
      exit(1);                                                                   \
    }                                                                            \
    faults++;                                                                    \
  } while (0)

static char scratch[256];
static __wasi_ciovec_t iov_bad_ptr[1];
static __wasi_ciovec_t iov_ok[1];

int main(void) {
  const i32 BAD = (i32)0xfffffff0u;                            // far past the end
  const i32 EDGE = (i32)(__builtin_wasm_memory_size(0) * 65536 - 1); // straddles the end
  const i32 OK = (i32)(uintptr_t)scratch;
  const i32 NAME = (i32)(uintptr_t) "inside.txt";
  const i32 NAMELEN = 10;

  FAULT(w_args_get(BAD, OK));
  FAULT(w_args_get(OK, EDGE));
  FAULT(w_args_sizes_get(BAD, OK));
  FAULT(w_args_sizes_get(OK, EDGE));
  FAULT(w_environ_get(BAD, OK));
  FAULT(w_environ_sizes_get(OK, BAD));
  FAULT(w_clock_res_get(0, BAD));
  FAULT(w_clock_time_get(1, 0, EDGE));
  FAULT(w_random_get(BAD, 16));
  FAULT(w_random_get(OK, 0x7fffffff));

  iov_bad_ptr[0].buf = (const uint8_t *)(uintptr_t)(uint32_t)BAD;
  iov_bad_ptr[0].buf_len = 8;
  iov_ok[0].buf = (const uint8_t *)scratch;
  iov_ok[0].buf_len = 4;
  const i32 IOV_BAD = (i32)(uintptr_t)iov_bad_ptr, IOV_OK = (i32)(uintptr_t)iov_ok;
  FAULT(w_fd_write(1, BAD, 1, OK));
  FAULT(w_fd_write(1, IOV_BAD, 1, OK));
  FAULT(w_fd_write(1, IOV_OK, 1, BAD));
  FAULT(w_fd_write(1, IOV_OK, 0x20000000, OK)); // iovec array length overflows 32 bits
  FAULT(w_fd_read(0, IOV_BAD, 1, OK));
  FAULT(w_fd_read(0, IOV_OK, 1, BAD));
  FAULT(w_fd_fdstat_get(1, BAD));
  FAULT(w_fd_filestat_get(1, EDGE));
  FAULT(w_fd_prestat_get(3, BAD));
  FAULT(w_fd_prestat_dir_name(3, BAD, 1));
  FAULT(w_fd_readdir(3, BAD, 100, 0, OK));
  FAULT(w_fd_readdir(3, OK, 100, 0, BAD));

  int32_t fd = open("inside.txt", O_RDWR);
  CHECK(fd >= 0);
  FAULT(w_fd_pread(fd, IOV_BAD, 1, 0, OK));
  FAULT(w_fd_pread(fd, IOV_OK, 1, 0, BAD));
  FAULT(w_fd_pwrite(fd, IOV_BAD, 1, 0, OK));
  FAULT(w_fd_pwrite(fd, IOV_OK, 1, 0, EDGE));
  FAULT(w_fd_read(fd, IOV_BAD, 1, OK));
  FAULT(w_fd_write(fd, IOV_BAD, 1, OK));
  FAULT(w_fd_seek(fd, 0, 0, BAD));
  FAULT(w_fd_tell(fd, BAD));
  FAULT(w_fd_filestat_get(fd, BAD));
  CHECK(close(fd) == 0);

  const i64 R = (i64)(__WASI_RIGHTS_FD_READ);
  FAULT(w_path_open(3, 0, BAD, 5, 0, R, 0, 0, OK));
  FAULT(w_path_open(3, 0, NAME, 0x7fffffff, 0, R, 0, 0, OK));
  FAULT(w_path_open(3, 0, NAME, NAMELEN, 0, R, 0, 0, BAD));
  FAULT(w_path_create_directory(3, BAD, 3));
  FAULT(w_path_remove_directory(3, BAD, 3));
  FAULT(w_path_unlink_file(3, EDGE, 8));
  FAULT(w_path_filestat_get(3, 0, BAD, 3, OK));
  FAULT(w_path_filestat_get(3, 0, NAME, NAMELEN, BAD));
  FAULT(w_path_filestat_set_times(3, 0, BAD, 3, 0, 0, 0));
  FAULT(w_path_link(3, 0, BAD, 3, 3, NAME, NAMELEN));
  FAULT(w_path_link(3, 0, NAME, NAMELEN, 3, BAD, 3));
  FAULT(w_path_rename(3, BAD, 3, 3, NAME, NAMELEN));
  FAULT(w_path_rename(3, NAME, NAMELEN, 3, BAD, 3));
  FAULT(w_path_symlink(BAD, 3, 3, NAME, NAMELEN));
  FAULT(w_path_symlink(NAME, NAMELEN, 3, BAD, 3));
  FAULT(w_path_readlink(3, BAD, 3, OK, 10, OK));
  FAULT(w_path_readlink(3, NAME, NAMELEN, BAD, 10, OK));
  FAULT(w_path_readlink(3, NAME, NAMELEN, OK, 10, BAD));
  FAULT(w_poll_oneoff(BAD, OK, 1, OK));
  FAULT(w_poll_oneoff(OK, BAD, 1, OK));
  FAULT(w_poll_oneoff(OK, OK, 1, EDGE));
  FAULT(w_poll_oneoff(OK, OK, 0x10000000, OK));

  // After all that the guest still works: stdout and the file are fine.
  fd = open("inside.txt", O_RDONLY);
  CHECK(fd >= 0 && read(fd, scratch, 6) == 6 && memcmp(scratch, "inside", 6) == 0);
  printf("efault: %d calls got EFAULT\n", faults);
  return 0;
}
