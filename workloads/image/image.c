// image: decodes a binary PGM (P5) or PPM (P6) image from the body, resizes it to
// ?w=W&h=H (default: half size) with a box filter, blurs it with a 3×3 binomial
// kernel and encodes it in the same format. Integer arithmetic only, so every
// variant gets the same bytes. Memory and compute heavy.
#include "cgi.h"

typedef struct { const uint8_t *p, *end; } reader;

static void skip_space_and_comments(reader *r) {
  while (r->p < r->end) {
    if (*r->p == '#') { while (r->p < r->end && *r->p != '\n' && *r->p != '\r') r->p++; }
    else if (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r' || *r->p == '\v' || *r->p == '\f') r->p++;
    else break;
  }
}

// A header number: whitespace/comments, then 1-9 decimal digits.
static int64_t header_number(reader *r) {
  skip_space_and_comments(r);
  int64_t v = 0;
  int digits = 0;
  while (r->p < r->end && *r->p >= '0' && *r->p <= '9' && digits < 9) { v = v * 10 + (*r->p++ - '0'); digits++; }
  if (digits == 0 || (r->p < r->end && *r->p >= '0' && *r->p <= '9')) return -1;
  return v;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

int main(void) {
  size_t len;
  uint8_t *body = read_body(&len);
  reader r = { body, body + len };
  if (len < 2 || body[0] != 'P' || (body[1] != '5' && body[1] != '6')) return fail(400, "invalid PNM image: expected a binary PGM (P5) or PPM (P6)");
  int ch = body[1] == '5' ? 1 : 3;
  r.p += 2;
  int64_t sw = header_number(&r), sh = header_number(&r), maxval = header_number(&r);
  if (sw < 1 || sh < 1 || maxval < 1 || maxval > 255) return fail(400, "invalid PNM image: bad header (8-bit images only)");
  if (sw * sh > 16 * 1024 * 1024) return fail(400, "image too large (at most 16777216 pixels)");
  if (r.p >= r.end || !(*r.p == ' ' || *r.p == '\t' || *r.p == '\n' || *r.p == '\r')) return fail(400, "invalid PNM image: bad header (8-bit images only)");
  r.p++;
  size_t n = (size_t)(sw * sh * ch);
  if ((size_t)(r.end - r.p) < n) return fail(400, "invalid PNM image: truncated pixel data");
  const uint8_t *src = r.p;
  for (size_t i = 0; i < n; i++) if (src[i] > maxval) return fail(400, "invalid PNM image: sample above maxval");

  int64_t dw, dh;
  if (query_int("w", sw / 2 > 0 ? sw / 2 : 1, 1, 4096, &dw) != 0 || query_int("h", sh / 2 > 0 ? sh / 2 : 1, 1, 4096, &dh) != 0)
    return fail(400, "w and h must be whole numbers from 1 to 4096");

  // Box-filter resize: each target pixel averages the source pixels it covers (at least one).
  uint8_t *mid = malloc((size_t)(dw * dh * ch));
  for (int64_t y = 0; y < dh; y++) {
    int64_t y0 = y * sh / dh, y1 = (y + 1) * sh / dh;
    if (y1 <= y0) y1 = y0 + 1;
    for (int64_t x = 0; x < dw; x++) {
      int64_t x0 = x * sw / dw, x1 = (x + 1) * sw / dw;
      if (x1 <= x0) x1 = x0 + 1;
      uint64_t count = (uint64_t)((y1 - y0) * (x1 - x0));
      for (int c = 0; c < ch; c++) {
        uint64_t sum = 0;
        for (int64_t yy = y0; yy < y1; yy++)
          for (int64_t xx = x0; xx < x1; xx++) sum += src[(yy * sw + xx) * ch + c];
        // Scale to 0..255 from the file's maxval, rounding to nearest.
        mid[(y * dw + x) * ch + c] = (uint8_t)((sum * 255 + count * (uint64_t)maxval / 2) / (count * (uint64_t)maxval));
      }
    }
  }

  // 3×3 binomial blur ([1 2 1] ⊗ [1 2 1] / 16), edges clamped.
  static const int K[3] = {1, 2, 1};
  char header[64];
  int hlen = snprintf(header, sizeof header, "P%c\n%u %u\n255\n", ch == 1 ? '5' : '6', (uint32_t)dw, (uint32_t)dh);
  size_t out_len = (size_t)hlen + (size_t)(dw * dh * ch);
  uint8_t *out = malloc(out_len);
  memcpy(out, header, (size_t)hlen);
  uint8_t *dst = out + hlen;
  for (int64_t y = 0; y < dh; y++)
    for (int64_t x = 0; x < dw; x++)
      for (int c = 0; c < ch; c++) {
        uint32_t s = 0;
        for (int j = -1; j <= 1; j++)
          for (int i = -1; i <= 1; i++)
            s += (uint32_t)(K[j + 1] * K[i + 1]) * mid[(clamp(y + j, 0, dh - 1) * dw + clamp(x + i, 0, dw - 1)) * ch + c];
        dst[(y * dw + x) * ch + c] = (uint8_t)((s + 8) >> 4);
      }
  respond(200, ch == 1 ? "image/x-portable-graymap" : "image/x-portable-pixmap", out, out_len);
  return 0;
}
