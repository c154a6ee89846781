// Deterministic test images, written by scripts/build-workloads.ts (and checked by --check):
// smooth gradients and rings with a little noise, so resizing and blurring have work to do.
function image(kind, w, h, seed, comment) {
  const ch = kind === 'P5' ? 1 : 3;
  const px = Buffer.alloc(w * h * ch);
  let x = seed;
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      const d = Math.floor(Math.hypot(i - w / 2, j - h / 2));
      for (let c = 0; c < ch; c++) {
        const v = (c === 0 ? (i * 255) / w : c === 1 ? (j * 255) / h : (d * 16) % 256) + ((x >>> (8 * c)) & 15) - 8;
        px[(j * w + i) * ch + c] = Math.max(0, Math.min(255, Math.floor(v)));
      }
    }
  return Buffer.concat([Buffer.from(`${kind}\n# ${comment}\n${w} ${h}\n255\n`), px]);
}

export default function inputs() {
  return {
    'inputs/small.pgm': image('P5', 64, 48, 3, 'faasbench small'),
    'inputs/large.ppm': image('P6', 320, 240, 5, 'faasbench large'),
  };
}
