// markdown: renders a Markdown subset to HTML. String processing.
//
// The subset, with rules simpler than CommonMark so that two implementations can
// agree byte for byte (works on bytes; lines split on \n, trailing blanks ignored):
//   blocks  ``` fenced code ```, # headings (1-6), --- / *** / ___ rules, > quotes
//           (one paragraph), - * + bullet lists, 1. ordered lists (one line per
//           item), paragraphs (consecutive lines); indentation is ignored outside code
//   inline  \ escapes of `*_[]()#+-.!>\, `code`, **strong** / __strong__, *em* /
//           _em_ (up to the next same delimiter), [text](url); & < > " escaped
#include "cgi.h"

typedef struct { const char *s; size_t n; } span;

static const char PUNCT[] = "\\`*_[]()#+-.!>";

// Is c one of the characters in set? (strchr alone would also match the NUL byte.)
static int one_of(char c, const char *set) { return c != 0 && strchr(set, c) != NULL; }

static void esc(buf_t *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
      case '&': buf_puts(o, "&amp;"); break;
      case '<': buf_puts(o, "&lt;"); break;
      case '>': buf_puts(o, "&gt;"); break;
      case '"': buf_puts(o, "&quot;"); break;
      default: buf_putc(o, s[i]);
    }
  }
}

// First index >= from where s[at..] starts with d (len dn), or -1.
static int64_t find(const char *s, size_t n, size_t from, const char *d, size_t dn) {
  for (size_t j = from; j + dn <= n; j++) if (memcmp(s + j, d, dn) == 0) return (int64_t)j;
  return -1;
}

static void render_inline(buf_t *o, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    if (c == '\\' && i + 1 < n && one_of(s[i + 1], PUNCT)) {
      esc(o, s + i + 1, 1);
      i += 2;
    } else if (c == '`') {
      int64_t j = find(s, n, i + 1, "`", 1);
      if (j < 0) { buf_putc(o, '`'); i++; continue; }
      buf_puts(o, "<code>");
      esc(o, s + i + 1, (size_t)j - i - 1);
      buf_puts(o, "</code>");
      i = (size_t)j + 1;
    } else if ((c == '*' || c == '_') && i + 1 < n && s[i + 1] == c) {
      char d[2] = {c, c};
      int64_t j = find(s, n, i + 2, d, 2);
      if (j < 0) { buf_put(o, d, 2); i += 2; continue; }
      buf_puts(o, "<strong>");
      render_inline(o, s + i + 2, (size_t)j - i - 2);
      buf_puts(o, "</strong>");
      i = (size_t)j + 2;
    } else if (c == '*' || c == '_') {
      int64_t j = find(s, n, i + 1, &c, 1);
      if (j < 0) { buf_putc(o, c); i++; continue; }
      buf_puts(o, "<em>");
      render_inline(o, s + i + 1, (size_t)j - i - 1);
      buf_puts(o, "</em>");
      i = (size_t)j + 1;
    } else if (c == '[') {
      int64_t j = find(s, n, i + 1, "]", 1), k = -1;
      if (j >= 0 && (size_t)j + 1 < n && s[j + 1] == '(') k = find(s, n, (size_t)j + 2, ")", 1);
      if (k < 0) { buf_putc(o, '['); i++; continue; }
      buf_puts(o, "<a href=\"");
      esc(o, s + j + 2, (size_t)(k - j - 2));
      buf_puts(o, "\">");
      render_inline(o, s + i + 1, (size_t)j - i - 1);
      buf_puts(o, "</a>");
      i = (size_t)k + 1;
    } else {
      esc(o, s + i, 1);
      i++;
    }
  }
}

static int is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static span rtrim(span l) { while (l.n && is_blank_char(l.s[l.n - 1])) l.n--; return l; }
static span ltrim(span l) { while (l.n && is_blank_char(l.s[0])) { l.s++; l.n--; } return l; }
static int starts(span l, const char *p) { size_t n = strlen(p); return l.n >= n && memcmp(l.s, p, n) == 0; }

static int heading_level(span l) {
  size_t k = 0;
  while (k < l.n && l.s[k] == '#') k++;
  return k >= 1 && k <= 6 && (k == l.n || l.s[k] == ' ') ? (int)k : 0;
}

static int is_rule(span l) {
  if (l.n < 3 || !one_of(l.s[0], "-*_")) return 0;
  for (size_t i = 1; i < l.n; i++) if (l.s[i] != l.s[0]) return 0;
  return 1;
}

// 1 for a bullet item, 2 for an ordered one (number in *num), 0 otherwise; *content is the item text.
static int list_item(span l, int64_t *num, span *content) {
  if (l.n >= 2 && one_of(l.s[0], "-*+") && l.s[1] == ' ') { *content = ltrim((span){l.s + 2, l.n - 2}); return 1; }
  size_t k = 0;
  int64_t v = 0;
  while (k < l.n && k < 9 && l.s[k] >= '0' && l.s[k] <= '9') v = v * 10 + (l.s[k++] - '0');
  if (k >= 1 && k + 1 < l.n && l.s[k] == '.' && l.s[k + 1] == ' ') { *num = v; *content = ltrim((span){l.s + k + 2, l.n - k - 2}); return 2; }
  return 0;
}

static int block_start(span l) {
  int64_t num;
  span content;
  return starts(l, "```") || heading_level(l) || is_rule(l) || starts(l, ">") || list_item(l, &num, &content);
}

int main(void) {
  size_t len;
  char *text = (char *)read_body(&len);
  size_t nlines = 0, cap = 64;
  span *lines = malloc(cap * sizeof *lines);
  for (size_t start = 0; start <= len;) {
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (nlines == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
    lines[nlines++] = (span){text + start, end - start};
    start = end + 1;
    if (!nl) break;
  }

  buf_t o = {0};
  size_t i = 0;
  while (i < nlines) {
    span raw = lines[i], l = ltrim(rtrim(raw));
    int64_t num;
    span content;
    int kind;
    if (l.n == 0) { i++; continue; }
    if (starts(l, "```")) {
      buf_puts(&o, "<pre><code>");
      for (i++; i < nlines && !starts(ltrim(lines[i]), "```"); i++) {
        span c = lines[i];
        if (c.n && c.s[c.n - 1] == '\r') c.n--;
        esc(&o, c.s, c.n);
        buf_putc(&o, '\n');
      }
      buf_puts(&o, "</code></pre>\n");
      i++;
    } else if (heading_level(l)) {
      int h = heading_level(l);
      span t = ltrim((span){l.s + h, l.n - (size_t)h});
      buf_printf(&o, "<h%d>", h);
      render_inline(&o, t.s, t.n);
      buf_printf(&o, "</h%d>\n", h);
      i++;
    } else if (is_rule(l)) {
      buf_puts(&o, "<hr>\n");
      i++;
    } else if (starts(l, ">")) {
      buf_t q = {0};
      for (size_t k = 0; i < nlines; i++, k++) {
        span m = ltrim(rtrim(lines[i]));
        if (!starts(m, ">")) break;
        m.s++; m.n--;
        if (m.n && m.s[0] == ' ') { m.s++; m.n--; }
        if (k) buf_putc(&q, '\n');
        buf_put(&q, m.s, m.n);
      }
      buf_puts(&o, "<blockquote>\n<p>");
      render_inline(&o, (const char *)q.data, q.len);
      buf_puts(&o, "</p>\n</blockquote>\n");
    } else if ((kind = list_item(l, &num, &content))) {
      if (kind == 1) buf_puts(&o, "<ul>\n");
      else if (num == 1) buf_puts(&o, "<ol>\n");
      else buf_printf(&o, "<ol start=\"%lld\">\n", (long long)num);
      while (i < nlines) {
        span m = ltrim(rtrim(lines[i]));
        if (list_item(m, &num, &content) != kind) break;
        buf_puts(&o, "<li>");
        render_inline(&o, content.s, content.n);
        buf_puts(&o, "</li>\n");
        i++;
      }
      buf_puts(&o, kind == 1 ? "</ul>\n" : "</ol>\n");
    } else {
      buf_t p = {0};
      for (; i < nlines; i++) {
        span m = ltrim(rtrim(lines[i]));
        if (m.n == 0 || (p.len && block_start(m))) break;
        if (p.len) buf_putc(&p, '\n');
        buf_put(&p, m.s, m.n);
      }
      buf_puts(&o, "<p>");
      render_inline(&o, (const char *)p.data, p.len);
      buf_puts(&o, "</p>\n");
    }
  }
  respond(200, "text/html; charset=utf-8", o.data, o.len);
  return 0;
}
