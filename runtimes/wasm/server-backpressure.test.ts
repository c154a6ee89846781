// The WAGI server's memory under clients that never read (issue 12): responses
// waiting for their clients are held within a server-wide budget, a connection whose
// client takes nothing for the send-progress timeout is closed (releasing its
// response), and a well-behaved client is answered throughout: 503 with Retry-After
// while the budget is spent, its full answer once the stalled clients are gone.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FD_WRITE, commandModule, op } from '../../test/wasm-fixtures.js';
import { InlineExecutor } from './executor.js';
import { compileCommand } from './module.js';
import { startWagiServer, type WagiServer } from './server.js';

const MiB = 2 ** 20;
const BODY_MIB = 32;
const BUDGET = 64 * MiB;
const PROGRESS_MS = 2_000;
const HEAD = 'Content-Type: application/octet-stream\n\n';

/** A guest answering HEAD then BODY_MIB MiB of zeros: one fd_write of 1 + BODY_MIB iovecs (the header, then the same zeroed MiB again and again). */
function bigGuest(): Uint8Array {
  const headAt = 0x1000;
  const zerosAt = 0x2000;
  const iovs: Array<[number, number]> = [
    [headAt, HEAD.length],
    ...Array.from({ length: BODY_MIB }, (): [number, number] => [zerosAt, MiB]),
  ];
  const code: number[] = [];
  iovs.forEach(([at, len], i) =>
    code.push(...op.i32(i * 8), ...op.i32(at), ...op.i32Store, ...op.i32(i * 8 + 4), ...op.i32(len), ...op.i32Store),
  );
  code.push(...op.i32(1), ...op.i32(0), ...op.i32(iovs.length), ...op.i32(0x800), ...op.call(0), ...op.drop);
  return commandModule({ imports: [FD_WRITE], code, pages: 18, data: { at: headAt, bytes: HEAD } });
}

/** Polls `cond` every 20 ms; rejects with `what` after `ms`. */
async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited >= ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('responses waiting for clients that never read', () => {
  let server: WagiServer;
  const logged: string[] = [];
  const stalled: net.Socket[] = [];

  beforeAll(async () => {
    server = await startWagiServer({
      module: await compileCommand(bigGuest(), 'big'),
      executor: new InlineExecutor(),
      name: 'big',
      maxPendingResponseBytes: BUDGET,
      sendProgressTimeoutMs: PROGRESS_MS,
      onGuestError: (r) => logged.push(r),
    });
  });
  afterAll(async () => {
    for (const s of stalled) s.destroy();
    await server.close();
  });

  it(`20 clients asking for ${BODY_MIB} MiB and reading nothing hold at most the budget, and a reading client is still answered`, async () => {
    for (let i = 0; i < 20; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.pause(); // never read: the kernel buffers fill, then the server's
      s.on('error', () => {});
      s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      stalled.push(s);
    }
    // Every stalled request has been answered or refused once the budget is spent.
    await until('the budget to fill', () => server.pendingResponseBytes().now >= BUDGET);

    // Meanwhile a reading client is told to come back, at once, not left waiting.
    const busy = await fetch(server.url + '/');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe(String(Math.ceil(PROGRESS_MS / 1000)));
    expect(await busy.text()).toMatch(/server busy/);

    // The stalled holders lose their connections after the progress timeout, which releases their responses...
    await until('the stalled responses to be released', () => server.pendingResponseBytes().now === 0);
    expect(
      logged.filter((l) => /client took no response bytes for 2000 ms: connection closed/.test(l)).length,
    ).toBeGreaterThanOrEqual(1);
    // ...and the reading client gets its whole answer, read at its own pace.
    const ok = await fetch(server.url + '/');
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(BODY_MIB * MiB);

    const { peak } = server.pendingResponseBytes();
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(BUDGET);
  }, 60_000);
});
