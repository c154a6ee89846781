// sleep, node variant: waits ?ms=N milliseconds on a timer, then answers.
import { setTimeout as delay } from 'node:timers/promises';

function queryInt(query, name, dflt, min, max) {
  const pair = query.split('&').find((p) => p.startsWith(`${name}=`));
  if (pair === undefined) return dflt;
  const v = pair.slice(name.length + 1);
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) return null;
  return Number(v);
}

export default async function handler(req) {
  const ms = queryInt(req.query, 'ms', 10, 0, 10000);
  if (ms === null) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'ms must be a whole number from 0 to 10000\n' };
  await delay(ms);
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: `slept ${ms} ms\n` };
}
