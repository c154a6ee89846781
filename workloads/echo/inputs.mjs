// Deterministic request bodies, written by scripts/build-workloads.ts (and checked by --check).
export default function inputs() {
  const lines = [];
  let x = 2463534242;
  for (let i = 0, len = 0; len < 256 * 1024; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    lines.push(`line ${i}: ${x.toString(36)} the quick brown fox jumps over the lazy dog\n`);
    len += lines[lines.length - 1].length;
  }
  return { 'inputs/large.txt': Buffer.from(lines.join('').slice(0, 256 * 1024)) };
}
