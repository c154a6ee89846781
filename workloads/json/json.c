// json: parses an order document {"items":[{id,name,category,price,qty,active},…]},
// keeps the valid active items, aggregates them per category (count, revenue =
// Σ price×qty, min/max price), sorts categories by revenue and picks the five items
// of highest value, and serializes the result. A small strict JSON parser (RFC 8259)
// is written out here: no library is available to the C build.
#include <math.h>
#include "cgi.h"

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jval {
  int type;
  double num;
  char *str;          // J_STR: UTF-8, may contain NUL
  size_t len;         // J_STR: bytes; J_ARR/J_OBJ: members
  struct jval **items;  // J_ARR elements; J_OBJ values
  char **keys;        // J_OBJ keys
  size_t *klens;      // J_OBJ key lengths in bytes (a key may contain NUL)
} jval;

typedef struct { const uint8_t *p, *end; int depth; } parser;

// Deeper documents are refused (the node variant counts the same way).
#define MAX_DEPTH 512

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static void put_utf8(buf_t *b, uint32_t cp) {
  if (cp < 0x80) buf_putc(b, (char)cp);
  else if (cp < 0x800) { buf_putc(b, (char)(0xc0 | cp >> 6)); buf_putc(b, (char)(0x80 | (cp & 0x3f))); }
  else if (cp < 0x10000) { buf_putc(b, (char)(0xe0 | cp >> 12)); buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f))); buf_putc(b, (char)(0x80 | (cp & 0x3f))); }
  else { buf_putc(b, (char)(0xf0 | cp >> 18)); buf_putc(b, (char)(0x80 | (cp >> 12 & 0x3f))); buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f))); buf_putc(b, (char)(0x80 | (cp & 0x3f))); }
}

static int hex4(parser *ps, uint32_t *out) {
  if (ps->end - ps->p < 4) return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = *ps->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  *out = v;
  return 0;
}

// Parses a string after its opening quote. Lone surrogate escapes are rejected.
static int parse_string(parser *ps, char **out, size_t *len) {
  buf_t b = {0};
  buf_reserve(&b, 16);
  for (;;) {
    if (ps->p >= ps->end) return -1;
    uint8_t c = *ps->p++;
    if (c == '"') break;
    if (c < 0x20) return -1;
    if (c != '\\') { buf_putc(&b, (char)c); continue; }
    if (ps->p >= ps->end) return -1;
    c = *ps->p++;
    switch (c) {
      case '"': case '\\': case '/': buf_putc(&b, (char)c); break;
      case 'b': buf_putc(&b, '\b'); break;
      case 'f': buf_putc(&b, '\f'); break;
      case 'n': buf_putc(&b, '\n'); break;
      case 'r': buf_putc(&b, '\r'); break;
      case 't': buf_putc(&b, '\t'); break;
      case 'u': {
        uint32_t cp, lo;
        if (hex4(ps, &cp)) return -1;
        if (cp >= 0xdc00 && cp <= 0xdfff) return -1;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') return -1;
          ps->p += 2;
          if (hex4(ps, &lo) || lo < 0xdc00 || lo > 0xdfff) return -1;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        put_utf8(&b, cp);
        break;
      }
      default: return -1;
    }
  }
  buf_putc(&b, 0);
  *out = (char *)b.data;
  *len = b.len - 1;
  return 0;
}

static int is_digit(parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

static int parse_number(parser *ps, double *out) {
  const uint8_t *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (!is_digit(ps)) return -1;
  if (*ps->p == '0') ps->p++;
  else while (is_digit(ps)) ps->p++;
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (!is_digit(ps)) return -1;
    while (is_digit(ps)) ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (!is_digit(ps)) return -1;
    while (is_digit(ps)) ps->p++;
  }
  size_t n = (size_t)(ps->p - start);
  char tmp[64];
  char *copy = n < sizeof tmp ? tmp : malloc(n + 1);
  memcpy(copy, start, n);
  copy[n] = 0;
  *out = strtod(copy, NULL);
  if (copy != tmp) free(copy);
  return 0;
}

static int literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return -1;
  ps->p += n;
  return 0;
}

static jval *parse_value(parser *ps);

static jval *parse_container(parser *ps, jval *v, char close) {
  size_t cap = 0;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
  for (;;) {
    if (v->len == cap) {
      cap = cap ? cap * 2 : 4;
      v->items = realloc(v->items, cap * sizeof *v->items);
      if (close == '}') {
        v->keys = realloc(v->keys, cap * sizeof *v->keys);
        v->klens = realloc(v->klens, cap * sizeof *v->klens);
      }
    }
    if (close == '}') {
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != '"') return NULL;
      ps->p++;
      if (parse_string(ps, &v->keys[v->len], &v->klens[v->len])) return NULL;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') return NULL;
      ps->p++;
    }
    jval *item = parse_value(ps);
    if (!item) return NULL;
    v->items[v->len++] = item;
    skip_ws(ps);
    if (ps->p >= ps->end) return NULL;
    if (*ps->p == ',') { ps->p++; continue; }
    if (*ps->p == close) { ps->p++; return v; }
    return NULL;
  }
}

static jval *parse_value(parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return NULL;
  jval *v = calloc(1, sizeof *v);
  switch (*ps->p) {
    case '{': case '[':
      if (++ps->depth > MAX_DEPTH) return NULL;
      v->type = *ps->p == '{' ? J_OBJ : J_ARR;
      v = parse_container(ps, v, *ps->p == '{' ? '}' : ']');
      ps->depth--;
      return v;
    case '"': ps->p++; v->type = J_STR; return parse_string(ps, &v->str, &v->len) ? NULL : v;
    case 't': v->type = J_TRUE; return literal(ps, "true") ? NULL : v;
    case 'f': v->type = J_FALSE; return literal(ps, "false") ? NULL : v;
    case 'n': v->type = J_NULL; return literal(ps, "null") ? NULL : v;
    default: v->type = J_NUM; return parse_number(ps, &v->num) ? NULL : v;
  }
}

// The value of `key` in an object (the last one, as JSON.parse keeps), or NULL.
static jval *field(const jval *obj, const char *key) {
  size_t n = strlen(key);
  for (size_t i = obj->len; i-- > 0;) if (obj->klens[i] == n && memcmp(obj->keys[i], key, n) == 0) return obj->items[i];
  return NULL;
}

// A whole number in [0, max], or -1.
static int64_t whole(const jval *v, double max) {
  if (!v || v->type != J_NUM || !isfinite(v->num) || v->num != floor(v->num) || v->num < 0 || v->num > max) return -1;
  return (int64_t)v->num;
}

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF), as TextDecoder's fatal mode.
static int valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + k >= n) return 0;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += k + 1;
  }
  return 1;
}

// A JSON string as JSON.stringify writes it.
static void put_json_string(buf_t *b, const char *s, size_t n) {
  buf_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    switch (c) {
      case '"': buf_puts(b, "\\\""); break;
      case '\\': buf_puts(b, "\\\\"); break;
      case '\b': buf_puts(b, "\\b"); break;
      case '\f': buf_puts(b, "\\f"); break;
      case '\n': buf_puts(b, "\\n"); break;
      case '\r': buf_puts(b, "\\r"); break;
      case '\t': buf_puts(b, "\\t"); break;
      default:
        if (c < 0x20) buf_printf(b, "\\u%04x", c);
        else buf_putc(b, (char)c);
    }
  }
  buf_putc(b, '"');
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

typedef struct { const jval *name; int64_t count, revenue, min_price, max_price; } category;
typedef struct { int64_t id, value; size_t index; const jval *name; } ranked;

static int by_revenue(const void *a, const void *b) {
  const category *x = a, *y = b;
  if (x->revenue != y->revenue) return x->revenue > y->revenue ? -1 : 1;
  return bytes_cmp(x->name->str, x->name->len, y->name->str, y->name->len);
}

static int by_value(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->value != y->value) return x->value > y->value ? -1 : 1;
  if (x->id != y->id) return x->id < y->id ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

int main(void) {
  size_t len;
  uint8_t *body = read_body(&len);
  if (!valid_utf8(body, len)) return fail(400, "invalid JSON");
  parser ps = { body, body + len, 0 };
  jval *doc = parse_value(&ps);
  if (doc) skip_ws(&ps);
  if (!doc || ps.p != ps.end) return fail(400, "invalid JSON");
  jval *items = doc->type == J_OBJ ? field(doc, "items") : NULL;
  if (!items || items->type != J_ARR) return fail(400, "expected an object with an \"items\" array");

  size_t ncat = 0, nrank = 0, valid = 0;
  category *cats = malloc((items->len + 1) * sizeof *cats);
  ranked *rank = malloc((items->len + 1) * sizeof *rank);
  for (size_t i = 0; i < items->len; i++) {
    const jval *it = items->items[i];
    if (it->type != J_OBJ) continue;
    int64_t id = whole(field(it, "id"), 1e9), price = whole(field(it, "price"), 1e6), qty = whole(field(it, "qty"), 1e3);
    const jval *name = field(it, "name"), *cat = field(it, "category"), *active = field(it, "active");
    if (id < 0 || price < 0 || qty < 0 || !name || name->type != J_STR || !cat || cat->type != J_STR || !active ||
        (active->type != J_TRUE && active->type != J_FALSE)) continue;
    valid++;
    if (active->type != J_TRUE) continue;
    size_t c = 0;
    while (c < ncat && bytes_cmp(cats[c].name->str, cats[c].name->len, cat->str, cat->len) != 0) c++;
    if (c == ncat) cats[ncat++] = (category){ cat, 0, 0, price, price };
    cats[c].count++;
    cats[c].revenue += price * qty;
    if (price < cats[c].min_price) cats[c].min_price = price;
    if (price > cats[c].max_price) cats[c].max_price = price;
    rank[nrank++] = (ranked){ id, price * qty, i, name };
  }
  qsort(cats, ncat, sizeof *cats, by_revenue);
  qsort(rank, nrank, sizeof *rank, by_value);

  buf_t out = {0};
  buf_printf(&out, "{\"items\":%u,\"valid\":%u,\"active\":%u,\"categories\":[", (uint32_t)items->len, (uint32_t)valid, (uint32_t)nrank);
  for (size_t c = 0; c < ncat; c++) {
    buf_puts(&out, c ? ",{\"name\":" : "{\"name\":");
    put_json_string(&out, cats[c].name->str, cats[c].name->len);
    buf_printf(&out, ",\"count\":%lld,\"revenue\":%lld,\"min_price\":%lld,\"max_price\":%lld}", (long long)cats[c].count,
               (long long)cats[c].revenue, (long long)cats[c].min_price, (long long)cats[c].max_price);
  }
  buf_puts(&out, "],\"top\":[");
  for (size_t r = 0; r < nrank && r < 5; r++) {
    buf_printf(&out, "%s{\"id\":%lld,\"name\":", r ? "," : "", (long long)rank[r].id);
    put_json_string(&out, rank[r].name->str, rank[r].name->len);
    buf_printf(&out, ",\"value\":%lld}", (long long)rank[r].value);
  }
  buf_puts(&out, "]}\n");
  respond(200, "application/json", out.data, out.len);
  return 0;
}
