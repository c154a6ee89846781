// The WAGI bridge of the `component-c` variant: a wasi:http/incoming-handler (WASI
// 0.2) export that runs a workload's unchanged C source, which speaks WAGI/CGI. Per
// request it builds the CGI environment the reference runtime gives the wasm variant
// (runtimes/shared/cgi.ts, cgiEnvironment), opens the request body as the workload's
// stdin and a memory buffer as its stdout (wagi-stdio.h redirects them), calls the
// workload's main() (renamed wagi_workload_main), then parses its CGI output as
// runtimes/shared/cgi.ts's parseCgiOutput does and sends it as the outgoing response.
// So a component-c response is byte-identical to the wasm variant's, which
// `faasbench conform workloads` checks.
//
// The calls into wasi:http come from wit-bindgen's C bindings (handler.h, generated
// by scripts/build-c-components.ts from runtimes/wasm/component/wit, world `handler`).
//
// Differences from the WAGI host, both forced by wasi:http: the request carries no
// peer address, so REMOTE_ADDR/REMOTE_HOST are 127.0.0.1 (faasbench serves only
// there); SERVER_NAME/SERVER_PORT come from the request's authority (the WAGI host
// uses its listener's). No workload's answer depends on them.
#define _GNU_SOURCE  // fopencookie, strncasecmp
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"

FILE *wagi_stdin;
FILE *wagi_stdout;
extern char **environ;
int wagi_workload_main(void);

// Allocation that cannot fail silently: in Wasm a write through NULL does not trap, it
// lands in low linear memory, so an allocation that failed ends the instance here (a
// trap: the host answers 500) instead of corrupting what the guest holds.
static void *must(void *p) {
  if (!p) __builtin_trap();
  return p;
}

// A growable byte buffer (the bridge's own: cgi.h belongs to the workloads).
typedef struct {
  uint8_t *data;
  size_t len, cap;
} bytes_t;

static bool bytes_put(bytes_t *b, const void *p, size_t n) {
  if (n > SIZE_MAX - b->len) return false;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n) {
      if (cap > SIZE_MAX / 2) return false; // doubling would wrap (past 2 GiB on wasm32)
      cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (!d) return false;
    b->data = d;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  return true;
}

// ---- small string helpers (no printf: it would more than double a small workload's code) ----

// `dst` = a + b + c, cut to fit `cap` (NUL-terminated).
static void say(char *dst, size_t cap, const char *a, const char *b, const char *c) {
  const char *parts[] = {a, b, c};
  size_t n = 0;
  for (size_t i = 0; i < 3; i++)
    for (const char *q = parts[i]; q && *q && n + 1 < cap; q++) dst[n++] = *q;
  dst[n] = 0;
}

// `v` in decimal, written at the end of `buf` (24 bytes); returns where it starts.
static const char *decimal(char buf[24], uint64_t v) {
  char *p = buf + 23;
  *p = 0;
  do *--p = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  return p;
}

// ---- the request: wasi:http → CGI environment and body ----

// The environment, "NAME=value" strings in cgiEnvironment's order.
typedef struct {
  char **vars;
  size_t n, cap;
} env_t;

static void env_add(env_t *e, const char *name, const char *value, size_t vlen) {
  if (e->n + 2 > e->cap) {
    e->cap = e->cap ? e->cap * 2 : 32;
    e->vars = must(realloc(e->vars, e->cap * sizeof *e->vars));
  }
  size_t nlen = strlen(name);
  char *s = must(malloc(nlen + 1 + vlen + 1));
  memcpy(s, name, nlen);
  s[nlen] = '=';
  memcpy(s + nlen + 1, value, vlen);
  s[nlen + 1 + vlen] = 0;
  e->vars[e->n++] = s;
  e->vars[e->n] = NULL;
}

static void env_addz(env_t *e, const char *name, const char *value) { env_add(e, name, value, strlen(value)); }

static void env_free(env_t *e) {
  for (size_t i = 0; i < e->n; i++) free(e->vars[i]);
  free(e->vars);
}

static const char *method_name(const wasi_http_types_method_t *m, char *other, size_t cap) {
  switch (m->tag) {
    case WASI_HTTP_TYPES_METHOD_GET: return "GET";
    case WASI_HTTP_TYPES_METHOD_HEAD: return "HEAD";
    case WASI_HTTP_TYPES_METHOD_POST: return "POST";
    case WASI_HTTP_TYPES_METHOD_PUT: return "PUT";
    case WASI_HTTP_TYPES_METHOD_DELETE: return "DELETE";
    case WASI_HTTP_TYPES_METHOD_CONNECT: return "CONNECT";
    case WASI_HTTP_TYPES_METHOD_OPTIONS: return "OPTIONS";
    case WASI_HTTP_TYPES_METHOD_TRACE: return "TRACE";
    case WASI_HTTP_TYPES_METHOD_PATCH: return "PATCH";
    default: {
      size_t n = m->val.other.len < cap - 1 ? m->val.other.len : cap - 1;
      memcpy(other, m->val.other.ptr, n);
      other[n] = 0;
      return other;
    }
  }
}

// One request header, its values joined with ", " as the harness's one-value-per-name view does.
typedef struct {
  char *name;  // lower-cased
  bytes_t value;
} header_t;

typedef struct {
  header_t *items;
  size_t n;
} headers_t;

static void headers_collect(wasi_http_types_borrow_fields_t fields, headers_t *out) {
  wasi_http_types_list_tuple2_field_name_field_value_t entries;
  wasi_http_types_method_fields_entries(fields, &entries);
  out->items = must(calloc(entries.len ? entries.len : 1, sizeof *out->items));
  out->n = 0;
  for (size_t i = 0; i < entries.len; i++) {
    const handler_string_t *name = &entries.ptr[i].f0;
    const wasi_http_types_field_value_t *value = &entries.ptr[i].f1;
    header_t *h = NULL;
    for (size_t j = 0; j < out->n; j++)
      if (strlen(out->items[j].name) == name->len && strncasecmp(out->items[j].name, (const char *)name->ptr, name->len) == 0)
        h = &out->items[j];
    if (h) {
      bytes_put(&h->value, ", ", 2);
    } else {
      h = &out->items[out->n++];
      h->name = must(malloc(name->len + 1));
      for (size_t k = 0; k < name->len; k++) {
        char c = (char)name->ptr[k];
        h->name[k] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
      }
      h->name[name->len] = 0;
    }
    bytes_put(&h->value, value->ptr, value->len);
  }
  wasi_http_types_list_tuple2_field_name_field_value_free(&entries);
}

static void headers_free(headers_t *h) {
  for (size_t i = 0; i < h->n; i++) {
    free(h->items[i].name);
    free(h->items[i].value.data);
  }
  free(h->items);
}

// The whole request body. False when the stream fails (not when it ends).
static bool read_request_body(wasi_http_types_borrow_incoming_request_t request, bytes_t *body) {
  wasi_http_types_own_incoming_body_t incoming;
  if (!wasi_http_types_method_incoming_request_consume(request, &incoming)) return false;
  wasi_http_types_own_input_stream_t stream;
  bool ok = wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(incoming), &stream);
  if (ok) {
    for (;;) {
      handler_list_u8_t chunk;
      wasi_io_streams_stream_error_t err;
      if (!wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(stream), 65536,
                                                             &chunk, &err)) {
        // closed = the end of the body; last-operation-failed = a broken stream.
        if (err.tag == WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED) {
          wasi_io_error_error_drop_own(err.val.last_operation_failed);
          ok = false;
        }
        break;
      }
      ok = bytes_put(body, chunk.ptr, chunk.len);
      handler_list_u8_free(&chunk);
      if (!ok) break;
    }
    wasi_io_streams_input_stream_drop_own(stream);
  }
  wasi_http_types_incoming_body_drop_own(incoming);
  return ok;
}

static void build_env(env_t *env, const char *method, const char *target, size_t target_len, const char *authority,
                      const headers_t *headers, size_t body_len) {
  // Server name and port from the authority (host[:port]); see the note at the top.
  char server_name[256] = "127.0.0.1", server_port[16] = "0";
  if (authority && *authority) {
    const char *colon = strrchr(authority, ':');
    bool bracketed = authority[0] == '[';
    const char *end = colon && (!bracketed || colon > strchr(authority, ']')) ? colon : authority + strlen(authority);
    size_t n = (size_t)(end - authority) < sizeof server_name - 1 ? (size_t)(end - authority) : sizeof server_name - 1;
    memcpy(server_name, authority, n);
    server_name[n] = 0;
    if (end != authority + strlen(authority)) say(server_port, sizeof server_port, end + 1, NULL, NULL);
  }
  const char *q = memchr(target, '?', target_len);
  size_t path_len = q ? (size_t)(q - target) : target_len;
  char digits[24];
  const char *length = decimal(digits, body_len);
  env_addz(env, "GATEWAY_INTERFACE", "CGI/1.1");
  env_addz(env, "SERVER_PROTOCOL", "HTTP/1.1");
  env_addz(env, "SERVER_SOFTWARE", "faasbench");
  env_addz(env, "SERVER_NAME", server_name);
  env_addz(env, "SERVER_PORT", server_port);
  env_addz(env, "REMOTE_ADDR", "127.0.0.1");
  env_addz(env, "REMOTE_HOST", "127.0.0.1");
  env_addz(env, "REQUEST_METHOD", method);
  env_addz(env, "SCRIPT_NAME", "");
  env_add(env, "PATH_INFO", target, path_len);
  env_add(env, "QUERY_STRING", q ? q + 1 : "", q ? target_len - path_len - 1 : 0);
  env_addz(env, "CONTENT_LENGTH", length);
  for (size_t i = 0; i < headers->n; i++)
    if (strcmp(headers->items[i].name, "content-type") == 0)
      env_add(env, "CONTENT_TYPE", (const char *)headers->items[i].value.data, headers->items[i].value.len);
  // RFC 3875 4.1.18: Content-Type/Length have their own variables; Authorization is withheld.
  for (size_t i = 0; i < headers->n; i++) {
    const header_t *h = &headers->items[i];
    if (!strcmp(h->name, "content-type") || !strcmp(h->name, "content-length") || !strcmp(h->name, "authorization"))
      continue;
    size_t n = strlen(h->name);
    char *var = must(malloc(5 + n + 1));
    memcpy(var, "HTTP_", 5);
    for (size_t k = 0; k < n; k++) {
      char c = h->name[k];
      var[5 + k] = c == '-' ? '_' : (c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
    }
    var[5 + n] = 0;
    env_add(env, var, (const char *)h->value.data, h->value.len);
    free(var);
  }
}

// ---- stdin and stdout over memory ----

typedef struct {
  const uint8_t *data;
  size_t len, at;
} reader_t;

static ssize_t read_body_cookie(void *cookie, char *buf, size_t size) {
  reader_t *r = cookie;
  size_t n = r->len - r->at < size ? r->len - r->at : size;
  memcpy(buf, r->data + r->at, n);
  r->at += n;
  return (ssize_t)n;
}

static ssize_t write_out_cookie(void *cookie, const char *buf, size_t size) {
  return bytes_put(cookie, buf, size) ? (ssize_t)size : -1;
}

// ---- the response: CGI output → wasi:http ----

// Fields a guest may not set (runtimes/shared/cgi.ts, DROPPED_RESPONSE_HEADERS): the
// server frames the body, and hop-by-hop fields belong to its connection.
static const char *const DROPPED[] = {"content-length", "transfer-encoding", "connection",          "keep-alive",
                                      "upgrade",        "proxy-connection",  "te",                  "trailer",
                                      "proxy-authenticate", "proxy-authorization", "host",           "http2-settings"};

typedef struct {
  int status;
  wasi_http_types_own_fields_t fields;
  const uint8_t *body;
  size_t body_len;
  char reason[160];
} cgi_response_t;

static bool is_token_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || strchr("!#$%&'*+.^_`|~-", c) != NULL;
}

static bool bad_value_byte(unsigned char c) { return !(c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0x80); }

typedef struct {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} line_t;

// Parses CGI output as parseCgiOutput does; on failure `reason` says why (the caller answers 500).
static bool parse_cgi(const uint8_t *out, size_t len, cgi_response_t *res, line_t *lines, size_t max_lines,
                      size_t *n_lines, char *names, size_t names_cap) {
  size_t end = 0, body_start = 0;
  bool found = false;
  for (size_t i = 0; i < len; i++) {
    if (out[i] != '\n') continue;
    if (i + 1 < len && out[i + 1] == '\n') { end = i; body_start = i + 2; found = true; break; }
    if (i + 2 < len && out[i + 1] == '\r' && out[i + 2] == '\n') { end = i; body_start = i + 3; found = true; break; }
  }
  if (!found) {
    say(res->reason, sizeof res->reason, "CGI output has no blank line after its headers", NULL, NULL);
    return false;
  }
  int status = -1;
  bool content_type = false, location = false;
  size_t names_used = 0;
  *n_lines = 0;
  const char *p = (const char *)out, *stop = (const char *)out + end;
  while (p <= stop) {
    const char *nl = memchr(p, '\n', (size_t)(stop - p));
    const char *line_end = nl ? nl : stop;
    const char *le = line_end > p && line_end[-1] == '\r' ? line_end - 1 : line_end;
    const char *colon = memchr(p, ':', (size_t)(le - p));
    if (!colon || colon == p) {
      say(res->reason, sizeof res->reason, "malformed CGI header line", NULL, NULL);
      return false;
    }
    const char *ns = p, *ne = colon;
    while (ns < ne && (*ns == ' ' || *ns == '\t')) ns++;
    while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
    size_t nlen = (size_t)(ne - ns);
    if (nlen == 0 || names_used + nlen + 1 > names_cap) {
      say(res->reason, sizeof res->reason, "invalid CGI header name", NULL, NULL);
      return false;
    }
    char *name = names + names_used;
    for (size_t k = 0; k < nlen; k++) {
      char c = ns[k];
      name[k] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
      if (!is_token_char((unsigned char)name[k])) {
        say(res->reason, sizeof res->reason, "invalid CGI header name", NULL, NULL);
        return false;
      }
    }
    name[nlen] = 0;
    names_used += nlen + 1;
    const char *vs = colon + 1, *ve = le;
    while (vs < ve && (*vs == ' ' || *vs == '\t')) vs++;
    while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    for (const char *c = vs; c < ve; c++)
      if (bad_value_byte((unsigned char)*c)) {
        static const char hex[] = "0123456789abcdef";
        char byte[] = {'0', 'x', hex[(unsigned char)*c >> 4], hex[*c & 15], 0};
        say(res->reason, sizeof res->reason, "invalid byte ", byte, " in a CGI header");
        return false;
      }
    if (strcmp(name, "status") == 0) {
      size_t vlen = (size_t)(ve - vs);
      bool ok = status < 0 && vlen >= 3 && vs[0] >= '0' && vs[0] <= '9' && vs[1] >= '0' && vs[1] <= '9' &&
                vs[2] >= '0' && vs[2] <= '9' && (vlen == 3 || vs[3] == ' ' || vs[3] == '\t');
      int s = ok ? (vs[0] - '0') * 100 + (vs[1] - '0') * 10 + (vs[2] - '0') : 0;
      if (!ok || s < 200 || s > 599) {
        say(res->reason, sizeof res->reason,
            status >= 0 ? "more than one Status in CGI output" : "invalid CGI Status (a guest answers 200..599)", NULL,
            NULL);
        return false;
      }
      status = s;
    } else if (*n_lines < max_lines) {
      lines[(*n_lines)++] = (line_t){name, nlen, vs, (size_t)(ve - vs)};
      if (strcmp(name, "content-type") == 0) content_type = true;
      if (strcmp(name, "location") == 0) location = true;
    } else {
      say(res->reason, sizeof res->reason, "too many CGI header lines", NULL, NULL);
      return false;
    }
    if (!nl) break;
    p = nl + 1;
  }
  if (status < 0) {
    if (location) status = 302;
    else if (content_type) status = 200;
    else {
      say(res->reason, sizeof res->reason, "CGI response has neither Content-Type, Location nor Status", NULL, NULL);
      return false;
    }
  }
  res->status = status;
  res->body = out + body_start;
  res->body_len = len - body_start;
  return true;
}

// True when `name` is dropped: a framing or hop-by-hop field, or one a Connection field lists.
static bool dropped(const char *name, size_t len, const line_t *lines, size_t n) {
  for (size_t i = 0; i < sizeof DROPPED / sizeof *DROPPED; i++)
    if (strlen(DROPPED[i]) == len && memcmp(DROPPED[i], name, len) == 0) return true;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(lines[i].name, "connection") != 0) continue;
    const char *v = lines[i].value, *end = v + lines[i].value_len;
    while (v < end) {
      const char *comma = memchr(v, ',', (size_t)(end - v));
      const char *te = comma ? comma : end, *ts = v;
      while (ts < te && (*ts == ' ' || *ts == '\t')) ts++;
      while (te > ts && (te[-1] == ' ' || te[-1] == '\t')) te--;
      if ((size_t)(te - ts) == len && strncasecmp(ts, name, len) == 0) return true;
      v = comma ? comma + 1 : end;
    }
  }
  return false;
}

// Sends status, headers and body as the outgoing response.
static void send_response(wasi_http_types_own_response_outparam_t out, int status, const line_t *lines, size_t n,
                          const uint8_t *body, size_t body_len) {
  wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
  for (size_t i = 0; i < n; i++) {
    if (dropped(lines[i].name, lines[i].name_len, lines, n)) continue;
    handler_string_t name = {(uint8_t *)lines[i].name, lines[i].name_len};
    wasi_http_types_field_value_t value = {(uint8_t *)lines[i].value, lines[i].value_len};
    wasi_http_types_header_error_t err;
    // The host refuses what it forbids; the field is then left out, as a server drops it.
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(fields), &name, &value, &err);
  }
  wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
  wasi_http_types_method_outgoing_response_set_status_code(wasi_http_types_borrow_outgoing_response(response),
                                                           (uint16_t)status);
  wasi_http_types_own_outgoing_body_t outgoing;
  wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response(response), &outgoing);
  wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false, .val = {.ok = response}};
  wasi_http_types_static_response_outparam_set(out, &result);
  wasi_http_types_own_output_stream_t stream;
  if (wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(outgoing), &stream)) {
    // blocking-write-and-flush takes at most 4096 bytes a call (wasi:io/streams).
    size_t at = 0;
    while (at < body_len) {
      size_t n = body_len - at < 4096 ? body_len - at : 4096;
      handler_list_u8_t chunk = {(uint8_t *)body + at, n};
      wasi_io_streams_stream_error_t err;
      if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream),
                                                                         &chunk, &err)) {
        if (err.tag == WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED)
          wasi_io_error_error_drop_own(err.val.last_operation_failed);
        break;
      }
      at += n;
    }
    wasi_io_streams_output_stream_drop_own(stream);
  }
  wasi_http_types_error_code_t finish_err;
  wasi_http_types_static_outgoing_body_finish(outgoing, NULL, &finish_err);
}

static void send_plain(wasi_http_types_own_response_outparam_t out, int status, const char *message) {
  char body[256];
  say(body, sizeof body - 1, message, NULL, NULL);
  size_t n = strlen(body);
  body[n++] = '\n';
  line_t ct = {"content-type", 12, "text/plain", 10};
  send_response(out, status, &ct, 1, (const uint8_t *)body, n);
}

// ---- the export ----

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
  wasi_http_types_borrow_incoming_request_t req = wasi_http_types_borrow_incoming_request(request);
  wasi_http_types_method_t method;
  wasi_http_types_method_incoming_request_method(req, &method);
  char other[64];
  const char *method_str = method_name(&method, other, sizeof other);
  handler_string_t target = {0};
  bool has_target = wasi_http_types_method_incoming_request_path_with_query(req, &target);
  handler_string_t authority_s = {0};
  char authority[256] = "";
  if (wasi_http_types_method_incoming_request_authority(req, &authority_s)) {
    size_t n = authority_s.len < sizeof authority - 1 ? authority_s.len : sizeof authority - 1;
    memcpy(authority, authority_s.ptr, n);
    authority[n] = 0;
    handler_string_free(&authority_s);
  }
  headers_t headers;
  wasi_http_types_own_headers_t hfields = wasi_http_types_method_incoming_request_headers(req);
  headers_collect(wasi_http_types_borrow_fields(hfields), &headers);
  wasi_http_types_fields_drop_own(hfields);

  bytes_t body = {0};
  bool body_ok = read_request_body(req, &body);
  wasi_http_types_incoming_request_drop_own(request);
  if (!body_ok) {
    send_plain(out, 500, "could not read the request body");
    goto done;
  }

  env_t env = {0};
  build_env(&env, method_str, has_target ? (const char *)target.ptr : "/", has_target ? target.len : 1, authority,
            &headers, body.len);
  environ = env.vars;

  reader_t reader = {body.data, body.len, 0};
  bytes_t output = {0};
  wagi_stdin = fopencookie(&reader, "r", (cookie_io_functions_t){.read = read_body_cookie});
  wagi_stdout = fopencookie(&output, "w", (cookie_io_functions_t){.write = write_out_cookie});
  int code = wagi_workload_main();
  fclose(wagi_stdout);
  fclose(wagi_stdin);
  wagi_stdin = wagi_stdout = NULL;
  environ = NULL;
  env_free(&env);

  if (code != 0) {
    char why[64], digits[24];
    const char *number = decimal(digits, (uint64_t)(code < 0 ? -(int64_t)code : code));
    say(why, sizeof why, "the function exited with code ", code < 0 ? "-" : "", number);
    send_plain(out, 500, why);
  } else {
    enum { MAX_LINES = 256 };
    line_t lines[MAX_LINES];
    size_t n_lines = 0;
    char *names = must(malloc(output.len + 1));
    cgi_response_t parsed = {0};
    if (parse_cgi(output.data, output.len, &parsed, lines, MAX_LINES, &n_lines, names, output.len + 1))
      send_response(out, parsed.status, lines, n_lines, parsed.body, parsed.body_len);
    else
      send_plain(out, 500, parsed.reason);
    free(names);
  }
  free(output.data);
done:
  free(body.data);
  headers_free(&headers);
  if (has_target) handler_string_free(&target);
  wasi_http_types_method_free(&method);
}
