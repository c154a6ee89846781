// Finding the native runtimes' binaries: the pinned cached build first, else one on
// PATH (said not to be pinned), else a reason naming what was looked for and how to
// install. Fake binaries (shell scripts printing a version) stand in for the tools.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupTool, TOOLS } from './tools.js';

const tmp = mkdtempSync(join(tmpdir(), 'faasbench-tools-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fake(file: string, output: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\necho '${output}'\n`);
  chmodSync(file, 0o755);
}

describe('lookupTool', () => {
  it('prefers the pinned build in the cache, reading its version', () => {
    const cache = join(tmp, 'cache1');
    fake(join(cache, `wazero-${TOOLS.wazero.pinned}`, 'wazero'), `v${TOOLS.wazero.pinned}`);
    fake(join(tmp, 'bin1', 'wazero'), 'v9.9.9');
    expect(lookupTool('wazero', cache, join(tmp, 'bin1'))).toEqual({
      ok: true,
      path: join(cache, `wazero-${TOOLS.wazero.pinned}`, 'wazero'),
      version: TOOLS.wazero.pinned,
      pinned: true,
    });
  });

  it('falls back to PATH, marked as not pinned', () => {
    fake(join(tmp, 'bin2', 'wasmtime'), 'wasmtime 47.0.1 (abc 2026-01-01)');
    expect(lookupTool('wasmtime', join(tmp, 'empty'), `/nonexistent:${join(tmp, 'bin2')}`)).toEqual({
      ok: true,
      path: join(tmp, 'bin2', 'wasmtime'),
      version: '47.0.1',
      pinned: false,
    });
  });

  it('without either, says what it looked for and how to install', () => {
    const r = lookupTool('wasmtime', join(tmp, 'empty'), '/nonexistent');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(
        /wasmtime 48\.0\.8 is not installed \(looked for .*wasmtime-48\.0\.8\/bin\/wasmtime and wasmtime on PATH\); install: bash runtimes\/external\/install\/install-wasmtime\.sh/,
      );
  });

  it('a binary that does not print a version is not taken', () => {
    fake(join(tmp, 'bin3', 'wazero'), 'garbage');
    expect(lookupTool('wazero', join(tmp, 'empty'), join(tmp, 'bin3')).ok).toBe(false);
  });
});
