// The check a response must pass before its sample counts: "identical workloads"
// is verified, not assumed. Pure.

import type { FunctionResponse } from '../runtimes/types.js';
import { sha256, type SampleRequest } from '../model/workload.js';

export type Verdict = { ok: true } | { ok: false; reason: string };

const PREVIEW = 120;

function preview(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.subarray(0, PREVIEW)).toString('utf8');
  return JSON.stringify(s) + (bytes.length > PREVIEW ? `… (${bytes.length} bytes)` : '');
}

export function checkResponse(expect: SampleRequest['expect'], res: FunctionResponse): Verdict {
  if (res.status !== expect.status) {
    return { ok: false, reason: `status ${res.status}, expected ${expect.status}; body ${preview(res.body)}` };
  }
  for (const [name, value] of Object.entries(expect.headers)) {
    const got = res.headers[name.toLowerCase()];
    if (got !== value)
      return { ok: false, reason: `header ${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}` };
  }
  if (expect.body !== undefined) {
    const want = Buffer.from(expect.body, 'utf8');
    if (!want.equals(res.body)) return { ok: false, reason: `body ${preview(res.body)}, expected ${preview(want)}` };
  } else if (expect.bodyBase64 !== undefined) {
    const want = Buffer.from(expect.bodyBase64, 'base64');
    if (!want.equals(res.body)) return { ok: false, reason: `body ${preview(res.body)}, expected ${preview(want)}` };
  } else if (expect.bodySha256 !== undefined) {
    const got = sha256(res.body);
    if (got !== expect.bodySha256) {
      return { ok: false, reason: `body SHA-256 ${got}, expected ${expect.bodySha256}; body ${preview(res.body)}` };
    }
  }
  return { ok: true };
}
