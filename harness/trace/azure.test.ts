// The Azure Functions trace reader: layout checks, counts per minute kept exactly,
// arrivals inside their minute, seeded sampling, one-sentence refusals.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAzureTrace, readAzureTrace } from './azure.js';

const header = (minutes: number) =>
  ['HashOwner', 'HashApp', 'HashFunction', 'Trigger', ...Array.from({ length: minutes }, (_, i) => String(i + 1))].join(
    ',',
  );
const row = (id: string, trigger: string, counts: number[]) =>
  [`o${id}`, `a${id}`, `f${id}`, trigger, ...counts].join(',');

describe('Azure trace reader', () => {
  const text =
    [header(4), row('1', 'http', [0, 3, 0, 1]), row('2', 'timer', [1, 1, 1, 1]), row('3', 'queue', [0, 0, 0, 0])].join(
      '\n',
    ) + '\n';

  it("keeps every minute's count, each arrival inside its minute, in order", () => {
    const t = parseAzureTrace(text, 'd01.csv', { seed: 1 });
    expect(t.durationMs).toBe(4 * 60_000);
    expect(t.functions.map((f) => [f.id, f.trigger, f.arrivalsMs.length])).toEqual([
      ['o1/a1/f1', 'http', 4],
      ['o2/a2/f2', 'timer', 4],
      ['o3/a3/f3', 'queue', 0],
    ]);
    const f1 = t.functions[0]!.arrivalsMs;
    expect(f1.slice(0, 3).every((x) => x >= 60_000 && x < 120_000)).toBe(true);
    expect(f1[3]).toBeGreaterThanOrEqual(180_000);
    expect([...f1].sort((a, b) => a - b)).toEqual(f1);
    expect(t.source).toContain('4 min');
    expect(parseAzureTrace(text, 'd01.csv', { seed: 1 })).toEqual(t);
    expect(parseAzureTrace(text, 'd01.csv', { seed: 2 }).functions[0]!.arrivalsMs).not.toEqual(f1);
  });

  it('takes a window of minutes and a seeded sample of functions', () => {
    const w = parseAzureTrace(text, 'd01.csv', { seed: 1, fromMinute: 2, minutes: 2 });
    expect(w.durationMs).toBe(120_000);
    expect(w.functions.map((f) => f.arrivalsMs.length)).toEqual([3, 2, 0]);
    expect(w.functions[0]!.arrivalsMs.every((x) => x < 60_000)).toBe(true);
    const s = parseAzureTrace(text, 'd01.csv', { seed: 4, functions: 2 });
    expect(s.functions.length).toBe(2);
    expect(s.source).toContain('2 of 3 functions');
    expect(parseAzureTrace(text, 'd01.csv', { seed: 4, functions: 2 }).functions.map((f) => f.id)).toEqual(
      s.functions.map((f) => f.id),
    );
  });

  it('refuses what is not the layout, naming the line', () => {
    expect(() => parseAzureTrace('', 'x.csv', { seed: 1 })).toThrow(/x\.csv is empty/);
    expect(() => parseAzureTrace('a,b,c,d,1\n', 'x.csv', { seed: 1 })).toThrow(
      /line 1: expected the columns HashOwner/,
    );
    expect(() => parseAzureTrace('HashOwner,HashApp,HashFunction,Trigger,1,3\n', 'x.csv', { seed: 1 })).toThrow(
      /minute column 2 is named '3'/,
    );
    expect(() => parseAzureTrace(`${header(2)}\n${row('1', 'http', [1])}\n`, 'x.csv', { seed: 1 })).toThrow(
      /line 2: 5 columns, the header has 6/,
    );
    expect(() => parseAzureTrace(`${header(2)}\n${row('1', 'http', [1, -2])}\n`, 'x.csv', { seed: 1 })).toThrow(
      /line 2, minute 2: '-2' is not a count/,
    );
    expect(() =>
      parseAzureTrace(`${header(2)}\n${row('1', 'http', [1, 1])}\n${row('1', 'http', [1, 1])}\n`, 'x.csv', { seed: 1 }),
    ).toThrow(/line 3: function o1\/a1\/f1 appears twice/);
    expect(() => parseAzureTrace(text, 'x.csv', { seed: 1, fromMinute: 3, minutes: 5 })).toThrow(
      /has minutes 1 to 4; minutes 3 to 7/,
    );
  });

  const dir = mkdtempSync(join(tmpdir(), 'faasbench-azure-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file (CRLF, byte-order mark) and says when it cannot', () => {
    const file = join(dir, 'd02.csv');
    writeFileSync(file, '\uFEFF' + text.replace(/\n/g, '\r\n'));
    expect(readAzureTrace(file, { seed: 1 })).toEqual({ ...parseAzureTrace(text, file, { seed: 1 }) });
    expect(() => readAzureTrace(join(dir, 'missing.csv'), { seed: 1 })).toThrow(
      /cannot read the trace .*missing\.csv: ENOENT/,
    );
  });
});
