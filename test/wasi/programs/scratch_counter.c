// A CGI guest that counts its own requests in /tmp/count. Run with a private
// in-memory /tmp per request it must always answer "count=1": nothing one request
// writes can be seen by the next.
#include <stdint.h>
#include <stdio.h>

int main(void) {
  int32_t count = 0;
  FILE *f = fopen("/tmp/count", "r");
  if (f) {
    if (fscanf(f, "%d", &count) != 1) count = 0;
    fclose(f);
  }
  count++;
  f = fopen("/tmp/count", "w");
  if (!f) {
    printf("Status: 500 Internal Server Error\nContent-Type: text/plain\n\nno writable /tmp\n");
    return 0;
  }
  fprintf(f, "%d\n", count);
  fclose(f);
  printf("Content-Type: text/plain\n\ncount=%d\n", count);
  return 0;
}
