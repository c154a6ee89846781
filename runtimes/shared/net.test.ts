// freePort hands out a port that can be listened on; waitForPort resolves once a
// server accepts on it and rejects with the signal's reason when nobody ever does.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, waitForPort } from './net.js';

describe('free port, wait for port', () => {
  it('resolves once a server listens on the free port', async () => {
    const port = await freePort();
    const waiting = waitForPort(port, AbortSignal.timeout(10_000));
    const server = net.createServer((s) => s.destroy());
    setTimeout(() => server.listen(port, '127.0.0.1'), 50);
    await expect(waiting).resolves.toBeUndefined();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('rejects with the abort reason when nothing opens the port', async () => {
    const port = await freePort();
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('gave up')), 100);
    await expect(waitForPort(port, stop.signal)).rejects.toThrow('gave up');
  });
});
