// Sandbox escapes: '..', absolute paths, guest-created symlinks (to '/', up and
// out, loops), and — with argv[1] == "host-links" — symlinks planted on the host
// inside the preopen that point outside it. Nothing outside the preopened "/" may
// be read, written, listed or created. The runner puts "outside.txt" next to the
// preopened directory and checks afterwards that it is untouched.
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t fd_out);

static int32_t raw_open(const char *path, int32_t len) {
  __wasi_fd_t out = 0;
  return raw_path_open(3, 1, (int32_t)(uintptr_t)path, len, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)(uintptr_t)&out);
}

int main(int argc, char **argv) {
  struct stat st;
  char buf[64];

  // The preopen is "/" and the only thing in it is what the runner made.
  CHECK_ERRNO(open("../outside.txt", O_RDONLY), ENOTCAPABLE);
  CHECK_ERRNO(open("../../../../../../etc/passwd", O_RDONLY), ENOTCAPABLE);
  CHECK_ERRNO(open("sub/../../outside.txt", O_RDONLY), ENOTCAPABLE);
  CHECK_ERRNO(stat("..", &st), ENOTCAPABLE);
  CHECK(opendir("..") == NULL && errno == ENOTCAPABLE);
  CHECK_ERRNO(mkdir("../made-outside", 0755), ENOTCAPABLE);
  CHECK_ERRNO(open("../created-outside", O_WRONLY | O_CREAT, 0644), ENOTCAPABLE);
  // Absolute guest paths are inside the guest's "/", so the host's /etc is not there.
  CHECK_ERRNO(open("/etc/passwd", O_RDONLY), ENOENT);
  // Absolute paths at the WASI level (wasi-libc never sends them) are refused.
  CHECK_WASI(raw_open("/etc/passwd", 11), __WASI_ERRNO_NOTCAPABLE);
  // NUL inside a path, and a path that is not UTF-8.
  CHECK_WASI(raw_open("sub\0x", 5), __WASI_ERRNO_INVAL);
  CHECK_WASI(raw_open("\xff\xfe", 2), __WASI_ERRNO_ILSEQ);
  CHECK_WASI(raw_open("", 0), __WASI_ERRNO_NOENT);

  // A directory fd is a capability for that directory only: '..' from it is refused.
  int32_t dfd = open("sub", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  CHECK_ERRNO(openat(dfd, "../outside.txt", O_RDONLY), ENOTCAPABLE);
  CHECK_ERRNO(openat(dfd, "..", O_RDONLY), ENOTCAPABLE);
  CHECK(close(dfd) == 0);

  // Guest-created symlinks that would lead out are refused when created...
  CHECK_ERRNO(symlink("/", "esc-root"), ENOTCAPABLE);
  CHECK_ERRNO(symlink("/etc/passwd", "esc-passwd"), ENOTCAPABLE);
  CHECK_ERRNO(symlink("..", "esc-up"), ENOTCAPABLE);
  CHECK_ERRNO(symlink("sub/../..", "esc-hop"), ENOTCAPABLE);
  CHECK_ERRNO(symlink("../..", "sub/esc"), ENOTCAPABLE);
  CHECK_ERRNO(lstat("esc-root", &st), ENOENT);
  // ...while links that stay inside work, even through '..'.
  CHECK(symlink("../inside.txt", "sub/ok") == 0);
  CHECK(stat("sub/ok", &st) == 0 && st.st_size == 6);
  // A link that is harmless where it is made can still not be used to climb from a deeper fd.
  CHECK(symlink("..", "sub/parent") == 0);
  CHECK(stat("sub/parent/inside.txt", &st) == 0);
  dfd = open("sub", O_RDONLY | O_DIRECTORY);
  CHECK_ERRNO(openat(dfd, "parent/inside.txt", O_RDONLY), ENOTCAPABLE);
  CHECK(close(dfd) == 0);

  // Loops end in ELOOP, not a hang or a host stack overflow.
  CHECK(symlink("loop-b", "loop-a") == 0);
  CHECK(symlink("loop-a", "loop-b") == 0);
  CHECK(symlink("self", "self") == 0);
  CHECK_ERRNO(open("loop-a", O_RDONLY), ELOOP);
  CHECK_ERRNO(stat("self", &st), ELOOP);
  CHECK_ERRNO(open("self/x", O_WRONLY | O_CREAT, 0644), ELOOP);
  CHECK(lstat("loop-a", &st) == 0 && S_ISLNK(st.st_mode));
  // Dangling links: ENOENT to read.
  CHECK(symlink("missing", "dangling") == 0);
  CHECK_ERRNO(open("dangling", O_RDONLY), ENOENT);
  const char *mine[] = {"sub/ok", "sub/parent", "loop-a", "loop-b", "self", "dangling"};
  for (uint32_t i = 0; i < sizeof mine / sizeof mine[0]; i++) CHECK(unlink(mine[i]) == 0);

  if (argc > 1 && strcmp(argv[1], "host-links") == 0) {
    // Symlinks made on the host, pointing out of the preopen: none may be followed.
    CHECK(lstat("to-root", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(readlink("to-root", buf, sizeof buf) == 1 && buf[0] == '/'); // reading the text is fine
    CHECK_ERRNO(open("to-root/etc/passwd", O_RDONLY), ENOTCAPABLE);
    CHECK(opendir("to-root") == NULL && errno == ENOTCAPABLE);
    CHECK_ERRNO(stat("to-root", &st), ENOTCAPABLE);
    CHECK_ERRNO(mkdir("to-root/tmp/faasbench-escaped", 0755), ENOTCAPABLE);
    CHECK_ERRNO(open("to-etc-passwd", O_RDONLY), ENOTCAPABLE);
    CHECK_ERRNO(open("to-outside", O_RDONLY), ENOTCAPABLE);
    CHECK_ERRNO(open("to-outside", O_WRONLY | O_TRUNC), ENOTCAPABLE);
    CHECK_ERRNO(open("hop", O_RDONLY), ENOTCAPABLE);
    CHECK_ERRNO(open("to-parent/outside.txt", O_RDONLY), ENOTCAPABLE);
    CHECK_ERRNO(open("loop1", O_RDONLY), ELOOP);
    CHECK_ERRNO(linkat(AT_FDCWD, "to-outside", AT_FDCWD, "hard", AT_SYMLINK_FOLLOW), ENOTCAPABLE);
    // Removing or renaming the link itself touches only the link.
    CHECK(rename("to-outside", "renamed-link") == 0);
    CHECK(unlink("renamed-link") == 0);
    CHECK(unlink("to-root") == 0);
    printf("host-links ");
  }
  printf("sandbox: %d checks passed\n", checks_run);
  return 0;
}
