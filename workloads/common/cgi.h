// Shared by every workload's C source, for both wasm32-wasi (WAGI) and the native
// CGI build: read the request from the CGI environment and stdin, write a response.
// Fixed-width integers throughout: long is 32-bit on wasm32 and 64-bit natively.
#ifndef FAASBENCH_CGI_H
#define FAASBENCH_CGI_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A growable byte buffer: responses are built in memory and written once.
typedef struct { uint8_t *data; size_t len, cap; } buf_t;

static inline void buf_reserve(buf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) cap *= 2;
  b->data = realloc(b->data, cap);
  if (!b->data) { fputs("Status: 500\nContent-Type: text/plain\n\nout of memory\n", stdout); exit(0); }
  b->cap = cap;
}
static inline void buf_put(buf_t *b, const void *p, size_t n) { buf_reserve(b, n); memcpy(b->data + b->len, p, n); b->len += n; }
static inline void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }
static inline void buf_putc(buf_t *b, char c) { buf_reserve(b, 1); b->data[b->len++] = (uint8_t)c; }
static inline void buf_printf(buf_t *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

// The whole request body (stdin until EOF), NUL-terminated for text parsers.
static inline uint8_t *read_body(size_t *len) {
  buf_t b = {0};
  buf_reserve(&b, 4096);
  for (;;) {
    buf_reserve(&b, 4096);
    size_t n = fread(b.data + b.len, 1, b.cap - b.len - 1, stdin);
    if (n == 0) break;
    b.len += n;
  }
  b.data[b.len] = 0;
  *len = b.len;
  return b.data;
}

static inline const char *env_or(const char *name, const char *dflt) {
  const char *v = getenv(name);
  return v ? v : dflt;
}

// Writes a complete response: Status and Content-Type headers, a blank line, the body.
static inline void respond(int status, const char *content_type, const void *body, size_t len) {
  printf("Status: %d\nContent-Type: %s\n\n", status, content_type);
  fwrite(body, 1, len, stdout);
  fflush(stdout);
}

// A text/plain error response: "<message>\n".
static inline int fail(int status, const char *message) {
  buf_t b = {0};
  buf_puts(&b, message);
  buf_putc(&b, '\n');
  respond(status, "text/plain", b.data, b.len);
  return 0;
}

// The raw value of `name` in QUERY_STRING (first match, no percent-decoding), or NULL.
static inline const char *query_raw(const char *name, size_t *vlen) {
  const char *q = env_or("QUERY_STRING", "");
  size_t nlen = strlen(name);
  while (*q) {
    const char *end = strchr(q, '&');
    if (!end) end = q + strlen(q);
    if ((size_t)(end - q) > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
      *vlen = (size_t)(end - q) - nlen - 1;
      return q + nlen + 1;
    }
    q = *end ? end + 1 : end;
  }
  return NULL;
}

// An integer query parameter: decimal digits only, within [min, max]; default when absent.
// Returns 0 and sets *out, or -1 when the value is malformed or out of range.
static inline int query_int(const char *name, int64_t dflt, int64_t min, int64_t max, int64_t *out) {
  size_t n;
  const char *v = query_raw(name, &n);
  if (!v) { *out = dflt; return 0; }
  if (n == 0 || n > 15) return -1;
  int64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    x = x * 10 + (v[i] - '0');
  }
  if (x < min || x > max) return -1;
  *out = x;
  return 0;
}

#endif
