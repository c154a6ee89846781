import { describe, expect, it } from 'vitest';
import { connectEngine, engineStatus } from '../../runtimes/container/engine.js';
import { RUNTIMES } from '../runtimes.js';
import { doctorReport } from './doctor.js';

describe('faasbench doctor', () => {
  it('lists every registered runtime with a verdict, and the engine', async () => {
    const r = await doctorReport();
    expect(r.runtimes.map((x) => x.id)).toEqual(RUNTIMES.map((x) => x.id));
    for (const x of r.runtimes) expect(x.text.length).toBeGreaterThan(0);
    expect(r.runtimes.find((x) => x.id === 'wasm')?.ok).toBe(true);
    const up = (await engineStatus(connectEngine())).availability.ok;
    expect(r.runtimes.find((x) => x.id === 'container')?.ok).toBe(up);
    expect(r.engine).toMatch(up ? /^Docker engine \S+ \(API \S+\)/ : /^unavailable: /);
  });
});
