// bridge.test.ts's workload: CGI output edge cases chosen by QUERY_STRING (case=NAME),
// built both as the wasm variant and through the WAGI bridge, so the bridge's parsing
// of CGI output is checked against the reference runtime's (runtimes/shared/cgi.ts).
#include "cgi.h"

int main(void) {
  const char *c = env_or("QUERY_STRING", "");
  if (!strcmp(c, "case=status")) fputs("Status: 404 Not Found\nContent-Type: text/plain\n\nnope\n", stdout);
  else if (!strcmp(c, "case=location")) fputs("Location: /elsewhere\n\n", stdout);
  else if (!strcmp(c, "case=crlf")) fputs("Content-Type: text/plain\r\nX-A: \t spaced \r\n\r\nbody\r\n", stdout);
  else if (!strcmp(c, "case=dropped"))
    fputs("Content-Type: text/plain\nContent-Length: 2\nConnection: close, X-Hop\nX-Hop: 1\nKeep-Alive: 5\nX-Keep: 2\n\nlonger body\n", stdout);
  else if (!strcmp(c, "case=repeat")) fputs("Content-Type: text/plain\nSet-Cookie: a=1\nset-cookie: b=2\n\n", stdout);
  else if (!strcmp(c, "case=stdio")) {
    printf("Content-Type: %s\n\n", "text/plain");
    puts("puts line");
    putchar('!');
    putchar('\n');
  } else if (!strcmp(c, "case=env")) {
    // The request as the CGI environment carries it, and the body from stdin.
    size_t n;
    uint8_t *body = read_body(&n);
    printf("Content-Type: text/plain\n\n%s %s [%s] %s %s %s %s|", env_or("REQUEST_METHOD", "-"), env_or("PATH_INFO", "-"),
           env_or("QUERY_STRING", "-"), env_or("CONTENT_LENGTH", "-"), env_or("CONTENT_TYPE", "-"),
           env_or("HTTP_X_MULTI", "-"), env_or("HTTP_AUTHORIZATION", "(withheld)"));
    fwrite(body, 1, n, stdout);
  } else if (!strcmp(c, "case=big")) {
    fputs("Content-Type: application/octet-stream\n\n", stdout);
    for (int i = 0; i < 100000; i++) putchar('a' + i % 26);
  } else if (!strcmp(c, "case=no-blank-line")) fputs("Content-Type: text/plain\n", stdout);
  else if (!strcmp(c, "case=no-type")) fputs("X-Only: 1\n\nbody\n", stdout);
  else if (!strcmp(c, "case=bad-status")) fputs("Status: 101\nContent-Type: text/plain\n\n", stdout);
  else if (!strcmp(c, "case=bad-byte")) fputs("Content-Type: text/plain\nX-Bad: a\001b\n\n", stdout);
  else if (!strcmp(c, "case=exit")) return 3;
  else fputs("Content-Type: text/plain\n\ndefault\n", stdout);
  return 0;
}
