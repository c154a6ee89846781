// sort, node variant: the same keys (xorshift32), a typed-array sort, the same summary.
function queryInt(query, name, dflt, min, max) {
  const pair = query.split('&').find((p) => p.startsWith(`${name}=`));
  if (pair === undefined) return dflt;
  const v = pair.slice(name.length + 1);
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) return null;
  return Number(v);
}

const bad = (msg) => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: msg + '\n' });

export default function handler(req) {
  const n = queryInt(req.query, 'n', 1000, 1, 10000000);
  if (n === null) return bad('n must be a whole number from 1 to 10000000');
  const seed = queryInt(req.query, 'seed', 1, 1, 4294967295);
  if (seed === null) return bad('seed must be a whole number from 1 to 4294967295');
  const a = new Uint32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    a[i] = x;
  }
  a.sort();
  let checksum = 0, distinct = 0;
  for (let i = 0; i < n; i++) {
    checksum = (checksum + ((a[i] ^ i) >>> 0)) >>> 0;
    if (i === 0 || a[i] !== a[i - 1]) distinct++;
  }
  const body = `{"n":${n},"seed":${seed},"min":${a[0]},"median":${a[n >>> 1]},"max":${a[n - 1]},"distinct":${distinct},"checksum":${checksum}}\n`;
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}
