// Deterministic request bodies, written by scripts/build-workloads.ts (and checked by --check).
// hello ignores its body: the large request measures what carrying 64 KiB in costs.
export default function inputs() {
  return { 'inputs/large.bin': Buffer.alloc(64 * 1024, 'faasbench ') };
}
