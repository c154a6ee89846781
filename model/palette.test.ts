// One colour per runtime: fixed for the runtimes faasbench ships, distinct and
// stable for any others.
import { describe, expect, it } from 'vitest';
import { RUNTIME_COLOURS, ansiColour, runtimePalette } from './palette.js';

describe('runtime palette', () => {
  it('known runtimes keep their colour whatever else is in the report', () => {
    const a = runtimePalette(['wasm', 'container']);
    const b = runtimePalette(['lambda', 'container', 'wasm', 'pool', 'process', 'node-wasi']);
    expect(a.get('wasm')).toBe(RUNTIME_COLOURS['wasm']);
    expect(b.get('wasm')).toBe(a.get('wasm'));
    expect(b.get('container')).toBe(a.get('container'));
    expect(new Set(b.values()).size).toBe(6);
  });

  it('unknown runtimes get distinct colours, never one of a known runtime, the same for the same set', () => {
    const ids = ['wasm', 'container', ...Array.from({ length: 25 }, (_, i) => `ext-${i}`), 'toString', '__proto__'];
    const p = runtimePalette(ids);
    expect(new Set(p.values()).size).toBe(ids.length);
    expect(runtimePalette([...ids].reverse())).toEqual(p);
    for (const c of p.values()) expect(c).toMatch(/^#[0-9A-Fa-f]{6}$/);
  });

  it('ANSI colour escape', () => {
    expect(ansiColour('#0072B2', 'wasm')).toBe('\x1b[38;2;0;114;178mwasm\x1b[39m');
  });
});
