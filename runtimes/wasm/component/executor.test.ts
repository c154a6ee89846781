// ComponentThreadExecutor: requests served on guest threads; a guest that never ends
// is stopped at its deadline (504 with the reason) while the host keeps serving.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentThreadExecutor } from './executor.js';
import type { HttpExchangeRequest } from './host.js';
import { prepareComponent } from './prepare.js';
import { httpResponseOf } from './runner.js';
import { handlerModule, watComponent } from './wat.js';

let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'faasbench-components-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const GET: HttpExchangeRequest = { method: 'GET', pathWithQuery: '/', headers: [], body: new Uint8Array() };

describe('ComponentThreadExecutor', { timeout: 60_000 }, () => {
  it('stops a looping guest at its deadline with a 504; the other thread and the replacement keep serving', async () => {
    const hello = await prepareComponent(await watComponent(handlerModule({})), 'hello', { cacheDir });
    const loop = await prepareComponent(await watComponent(handlerModule({ prelude: '(loop $l (br $l))' })), 'loop', {
      cacheDir,
    });
    const ex = new ComponentThreadExecutor({ size: 2, deadlineMs: 500 });
    try {
      const stuck = ex.handle(loop, GET);
      // While one thread loops, the other answers.
      const meanwhile = await ex.handle(hello, GET);
      expect(Buffer.from(meanwhile.response!.body).toString()).toBe('Hello from faasbench\n');
      const o = await stuck;
      expect(o.end).toEqual({ kind: 'timeout', message: 'deadline of 500 ms exceeded' });
      expect(httpResponseOf(o).status).toBe(504);
      expect(ex.timeouts).toBe(1);
      // Both threads (one of them new) serve again.
      const after = await Promise.all([ex.handle(hello, GET), ex.handle(hello, GET), ex.handle(hello, GET)]);
      expect(after.map((a) => a.response?.status)).toEqual([200, 200, 200]);
    } finally {
      await ex.close();
    }
  });
});
