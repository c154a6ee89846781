// The glue patches of prepare.ts hold on the glue the pinned jco emits: if
// an upgrade changes its shape, the patch would silently stop applying (the glue
// still works, only slower), so this test says so instead.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { glueSource, JCO_DEBUG_LOG, prepareComponent } from './prepare.js';
import { ComponentRunner } from './runner.js';
import { helloComponent } from './wat.js';

describe('component glue patches', () => {
  it("find jco's per-call debug logger in the glue it emits", async () => {
    const c = await prepareComponent(await helloComponent(), 'wat-hello');
    const glue = readFileSync(join(c.dir, 'fn.js'), 'utf8');
    expect(glue).toMatch(JCO_DEBUG_LOG);
    // What is evaluated has the no-op in its place, unless asked for as emitted.
    const served = glueSource(join(c.dir, 'fn.js'), 'wat-hello', {});
    expect(served).not.toMatch(JCO_DEBUG_LOG);
    expect(served).toContain('const _debugLog = () => {};');
    expect(glueSource(join(c.dir, 'fn.js'), 'wat-hello', { debugLog: true })).toMatch(JCO_DEBUG_LOG);
    // The patched glue still serves (the logger sits on every import call's path).
    const o = new ComponentRunner().run(c, {
      method: 'GET',
      pathWithQuery: '/',
      authority: 'localhost',
      headers: [],
      body: new Uint8Array(),
    });
    expect(o.end.kind).toBe('ok');
    expect(Buffer.from(o.response!.body).toString()).toBe('Hello from faasbench\n');
  });
});
