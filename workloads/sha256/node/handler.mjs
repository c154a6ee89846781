// sha256, node variant: the body hashed, then its digest re-hashed, `rounds` times in
// all, with node:crypto (what a Node function would use).
import { createHash } from 'node:crypto';

function queryInt(query, name, dflt, min, max) {
  const pair = query.split('&').find((p) => p.startsWith(`${name}=`));
  if (pair === undefined) return dflt;
  const v = pair.slice(name.length + 1);
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) return null;
  return Number(v);
}

export default function handler(req) {
  const rounds = queryInt(req.query, 'rounds', 1, 1, 10000000);
  if (rounds === null) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'rounds must be a whole number from 1 to 10000000\n' };
  let digest = createHash('sha256').update(req.body).digest();
  for (let r = 1; r < rounds; r++) digest = createHash('sha256').update(digest).digest();
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: digest.toString('hex') + '\n' };
}
