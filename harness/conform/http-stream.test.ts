// Streamed bodies through `faasbench serve` with the conform http probe (the suite's
// "full-duplex body" case shows both directions stream): what a streamed response ends
// with (its Server-Timing as a trailer), and a streamed request body past the cap (a
// 413 when nothing went out yet, a cut response when the head did; the host serves on).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServe, type RunningServe } from '../../runtimes/wasm/serve/run.js';
import { buildHttpProbe } from './http-probe.js';
import { probePattern, sendProbe } from './http.js';

const CAP = 64 * 1024;

describe('streamed component bodies', { timeout: 900_000 }, () => {
  let serve: RunningServe;
  const log: string[] = [];
  beforeAll(async () => {
    const probe = await buildHttpProbe();
    serve = await runServe({
      apps: [{ name: 'probe', path: probe.path, from: 'test' }],
      port: 0,
      threads: 2,
      deadlineMs: 30_000,
      http: { maxBodyBytes: CAP },
      signals: false,
      say: () => {},
      log: (l) => void log.push(l),
    });
  }, 900_000);
  afterAll(() => serve?.stop('done'));

  const send = (req: Parameters<typeof sendProbe>[1]) => sendProbe(serve.host.port, req, 30_000);
  const pieces = (n: number, size: number) =>
    Array.from({ length: n }, (_v, k) => probePattern(n * size).subarray(k * size, (k + 1) * size));

  it('a response streamed while the guest runs ends with its Server-Timing as a trailer', async () => {
    const sent = pieces(3, 1000);
    const r = await send({ method: 'POST', path: '/duplex', duplex: sent });
    expect(r.complete).toBe(true);
    expect(r.status).toBe(200);
    expect(Buffer.compare(r.body, Buffer.concat(sent))).toBe(0);
    // Chunked, no length: the head went out before the body was known.
    expect(r.headers.find(([n]) => n === 'content-length')).toBeUndefined();
    expect(r.headers.find(([n]) => n === 'server-timing')).toBeUndefined();
    expect(r.trailers.find(([n]) => n === 'server-timing')?.[1]).toMatch(
      /\binstantiate;dur=[\d.]+.*\bhandler;dur=[\d.]+/,
    );
  });

  it('a streamed request body past the cap: 413 before the head, a cut response after it; the host serves on', async () => {
    // /echo reads the whole body before it answers: nothing went out when the cap passed.
    const whole = await send({ method: 'POST', path: '/echo', chunks: pieces(3, 40 * 1024) });
    expect(whole.status).toBe(413);
    expect(whole.body.toString()).toBe(`request body larger than ${CAP} bytes\n`);
    // /duplex answers as it reads: its head and first echoes were out when the cap passed.
    const duplex = await send({ method: 'POST', path: '/duplex', duplex: pieces(3, 40 * 1024) });
    expect(duplex.status).toBe(200);
    expect(duplex.complete).toBe(false);
    expect(duplex.body.length).toBeGreaterThan(0);
    expect(duplex.body.length).toBeLessThanOrEqual(CAP);
    const after = await send({ method: 'GET', path: '/inspect' });
    expect(after.status).toBe(200);
    expect(log.some((l) => /request body larger than 65536 bytes/.test(l))).toBe(true);
  });
});
