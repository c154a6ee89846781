// Deterministic Markdown documents, written by scripts/build-workloads.ts (and checked by --check).
const WORDS = ['serverless', 'cold', 'start', 'wasm', 'container', 'latency', 'p99', 'pool', 'density', 'runtime', 'Größe', 'naïve', '<tag>', 'a&b', '"quoted"', 'snake_case'];

function doc(blocks, seed) {
  let x = seed;
  const next = (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const words = (n) => Array.from({ length: n }, () => WORDS[next(WORDS.length)]).join(' ');
  const inline = () => {
    const k = next(8);
    if (k === 0) return `**${words(2)}**`;
    if (k === 1) return `*${words(1)}*`;
    if (k === 2) return `\`${words(2)}\``;
    if (k === 3) return `[${words(2)}](https://example.com/${next(1000)}?q=${next(10)}&r=1)`;
    if (k === 4) return `\\*${words(1)}\\*`;
    return words(1 + next(3));
  };
  const sentence = () => Array.from({ length: 3 + next(6) }, inline).join(' ') + '.';
  const out = [`# Report ${seed}`, ''];
  for (let b = 0; b < blocks; b++) {
    const k = next(9);
    if (k === 0) out.push(`${'#'.repeat(2 + next(4))} ${sentence()}`);
    else if (k === 1) for (let i = 0, n = 2 + next(4); i < n; i++) out.push(`${'-*+'[next(3)]} ${sentence()}`);
    else if (k === 2) for (let i = 0, n = 2 + next(4); i < n; i++) out.push(`${i + 1 + (b % 3)}. ${sentence()}`);
    else if (k === 3) out.push('```', `const x = ${next(100)} < ${next(100)} && "s";`, `  indented <b>${words(2)}</b>`, '```');
    else if (k === 4) out.push(`> ${sentence()}`, `> ${sentence()}`);
    else if (k === 5) out.push('---');
    else for (let i = 0, n = 1 + next(4); i < n; i++) out.push(`${' '.repeat(next(3))}${sentence()}${next(5) === 0 ? '  \r' : ''}`);
    out.push('');
  }
  return Buffer.from(out.join('\n'));
}

export default function inputs() {
  return { 'inputs/small.md': doc(40, 9), 'inputs/large.md': doc(1000, 13) };
}
