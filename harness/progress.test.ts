// The live progress line and log messages carry workload/runtime names and failure
// reasons (from workload folders and guests): only faasbench's own line-clearing
// sequence may reach the terminal, never one from a name.

import { describe, expect, it } from 'vitest';
import { createProgress, seriesCellLabel } from './progress.js';

function fakeTty() {
  let out = '';
  const stream = {
    isTTY: true,
    columns: 200,
    write: (s: string) => ((out += s), true),
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

describe('progress output', () => {
  it('shows control characters in labels and messages as visible escapes', () => {
    const t = fakeTty();
    const p = createProgress({ quiet: false, stream: t.stream });
    p.update(1, 2, 'wasm/he\x1b]0;pwned\x07llo/wasm');
    p.log('error: guest said \x1b[2J\u009b31m\nfake line');
    p.done();
    // Remove faasbench's own "\r ESC[2K" (clear line); nothing else may be a control character.
    const rest = t
      .text()
      .replace(/\r\x1b\[2K/g, '')
      .replace(/\n$/, '');
    expect(rest).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(rest).toContain('he\\x1b]0;pwned\\x07llo');
    expect(rest).toContain('guest said \\x1b[2J\\x9b31m\\x0afake line');
  });
});

describe('cell labels', () => {
  it("carry a deployment's series in words after the variant", () => {
    const prefix = 'wasm/hello/wasm';
    expect(seriesCellLabel('wasm/hello/wasm/cold', prefix, { preinit: 'wizer', reuse: 128 })).toBe(
      'wasm/hello/wasm [wizer, reuse 128]/cold',
    );
    expect(seriesCellLabel('wasm/hello/wasm/density', prefix, { reuse: 1 })).toBe('wasm/hello/wasm [reuse 1]/density');
    expect(seriesCellLabel('other label', prefix, { preinit: 'code-cache' })).toBe('other label [code-cache]');
    expect(seriesCellLabel('wasm/hello/wasm/cold', prefix, undefined)).toBe('wasm/hello/wasm/cold');
    expect(seriesCellLabel('wasm/hello/wasm/cold', prefix, {})).toBe('wasm/hello/wasm/cold');
  });
});
