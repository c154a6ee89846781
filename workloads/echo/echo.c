// echo: reflects the request — method, path, query, the Content-Type and X-Echo-*
// headers (sorted by name) and the body — so a mismatch in any runtime's request
// mapping shows up as a different response.
#include "cgi.h"

extern char **environ;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
  size_t body_len;
  uint8_t *body = read_body(&body_len);
  buf_t out = {0};
  buf_printf(&out, "method: %s\n", env_or("REQUEST_METHOD", ""));
  buf_puts(&out, "path: "); buf_puts(&out, env_or("PATH_INFO", "")); buf_putc(&out, '\n');
  buf_puts(&out, "query: "); buf_puts(&out, env_or("QUERY_STRING", "")); buf_putc(&out, '\n');

  // Headers as "name: value" lines: HTTP_X_ECHO_FOO_BAR becomes x-echo-foo-bar.
  size_t n = 0, cap = 16;
  char **lines = malloc(cap * sizeof *lines);
  const char *ct = getenv("CONTENT_TYPE");
  if (ct) {
    lines[n] = malloc(strlen(ct) + 16);
    sprintf(lines[n++], "content-type: %s", ct);
  }
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "HTTP_X_ECHO_", 12) != 0) continue;
    const char *eq = strchr(*e, '=');
    if (!eq) continue;
    if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
    char *line = malloc(strlen(*e) + 3);
    size_t k = 0;
    for (const char *p = *e + 5; p < eq; p++) line[k++] = *p == '_' ? '-' : (*p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p);
    line[k++] = ':';
    line[k++] = ' ';
    strcpy(line + k, eq + 1);
    lines[n++] = line;
  }
  qsort(lines, n, sizeof *lines, cmp_str);
  for (size_t i = 0; i < n; i++) { buf_puts(&out, "header "); buf_puts(&out, lines[i]); buf_putc(&out, '\n'); }
  buf_printf(&out, "body-length: %u\n\n", (unsigned)body_len);
  buf_put(&out, body, body_len);
  respond(200, "text/plain", out.data, out.len);
  return 0;
}
