// image, node variant: the same PGM/PPM decode, box-filter resize, 3×3 blur and encode as image.c.
const text = (status, msg) => ({ status, headers: { 'content-type': 'text/plain' }, body: msg + '\n' });
const BAD_HEADER = 'invalid PNM image: bad header (8-bit images only)';

function queryInt(query, name, dflt, min, max) {
  const pair = query.split('&').find((p) => p.startsWith(`${name}=`));
  if (pair === undefined) return dflt;
  const v = pair.slice(name.length + 1);
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) return null;
  return Number(v);
}

const isSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
const isDigit = (c) => c >= 0x30 && c <= 0x39;

export default function handler(req) {
  const b = req.body;
  if (b.length < 2 || b[0] !== 0x50 || (b[1] !== 0x35 && b[1] !== 0x36)) return text(400, 'invalid PNM image: expected a binary PGM (P5) or PPM (P6)');
  const ch = b[1] === 0x35 ? 1 : 3;
  let p = 2;
  const number = () => {
    while (p < b.length) {
      if (b[p] === 0x23) while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
      else if (isSpace(b[p])) p++;
      else break;
    }
    let v = 0, digits = 0;
    while (p < b.length && isDigit(b[p]) && digits < 9) { v = v * 10 + (b[p++] - 0x30); digits++; }
    if (digits === 0 || (p < b.length && isDigit(b[p]))) return -1;
    return v;
  };
  const sw = number(), sh = number(), maxval = number();
  if (sw < 1 || sh < 1 || maxval < 1 || maxval > 255) return text(400, BAD_HEADER);
  if (sw * sh > 16 * 1024 * 1024) return text(400, 'image too large (at most 16777216 pixels)');
  if (p >= b.length || !(b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0a || b[p] === 0x0d)) return text(400, BAD_HEADER);
  p++;
  const n = sw * sh * ch;
  if (b.length - p < n) return text(400, 'invalid PNM image: truncated pixel data');
  const src = b.subarray(p, p + n);
  for (let i = 0; i < n; i++) if (src[i] > maxval) return text(400, 'invalid PNM image: sample above maxval');

  const dw = queryInt(req.query, 'w', Math.max(1, Math.floor(sw / 2)), 1, 4096);
  const dh = queryInt(req.query, 'h', Math.max(1, Math.floor(sh / 2)), 1, 4096);
  if (dw === null || dh === null) return text(400, 'w and h must be whole numbers from 1 to 4096');

  const mid = new Uint8Array(dw * dh * ch);
  for (let y = 0; y < dh; y++) {
    const y0 = Math.floor((y * sh) / dh);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * sh) / dh));
    for (let x = 0; x < dw; x++) {
      const x0 = Math.floor((x * sw) / dw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * sw) / dw));
      const count = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[(yy * sw + xx) * ch + c];
        mid[(y * dw + x) * ch + c] = Math.floor((sum * 255 + Math.floor((count * maxval) / 2)) / (count * maxval));
      }
    }
  }

  const K = [1, 2, 1];
  const header = Buffer.from(`P${ch === 1 ? 5 : 6}\n${dw} ${dh}\n255\n`);
  const out = Buffer.alloc(header.length + dw * dh * ch);
  header.copy(out);
  const dst = out.subarray(header.length);
  const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
  for (let y = 0; y < dh; y++)
    for (let x = 0; x < dw; x++)
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let j = -1; j <= 1; j++)
          for (let i = -1; i <= 1; i++) s += K[j + 1] * K[i + 1] * mid[(clamp(y + j, 0, dh - 1) * dw + clamp(x + i, 0, dw - 1)) * ch + c];
        dst[(y * dw + x) * ch + c] = (s + 8) >> 4;
      }
  return { status: 200, headers: { 'content-type': ch === 1 ? 'image/x-portable-graymap' : 'image/x-portable-pixmap' }, body: out };
}
