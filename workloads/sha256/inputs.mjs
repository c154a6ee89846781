// Deterministic request bodies, written by scripts/build-workloads.ts (and checked by --check).
export default function inputs() {
  const large = Buffer.alloc(128 * 1024);
  let x = 88172645;
  for (let i = 0; i < large.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    large[i] = x & 0xff;
  }
  return { 'inputs/large.bin': large };
}
