// The history verbs on a real SQLite file: twelve runs over twelve commits with a
// 15 % cold-start regression landing at the eighth, added by `history add`; `history
// show` and `report --history` find the change point at that commit; a run added
// twice is skipped; a run without a commit, a missing database and mixed arguments
// are refused (exit 2).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test/in-process-cli.js';
import { writeSyntheticResults } from '../../reports/synthetic.js';
import { HistoryStore } from '../history/store.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'h.sqlite');
const commit = (i: number) => `${String(i).padStart(2, '0')}`.repeat(20);
const files = Array.from({ length: 12 }, (_, i) => {
  const p = join(dir, `run-${i}.jsonl`);
  const median = i >= 7 ? 345_000 : 300_000;
  writeSyntheticResults(
    p,
    [
      { runtime: 'wasm', median, n: 60, spread: 0.02 },
      { runtime: 'lambda', median: 40_000_000, n: 30, spread: 0.02 },
    ],
    {
      seed: i + 1,
      header: {
        runId: `run-${i}`,
        startedAt: `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`,
        git: { commit: commit(i), dirty: false },
      },
    },
  );
  return p;
});

describe('faasbench history', () => {
  it('adds runs keyed by commit, machine and series, and skips a run already stored', async () => {
    const r = await runCliInProcess(['history', 'add', '--db', db, ...files]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^added run run-0 \(commit 000000000000, 2 series\) from /m);
    expect(r.stdout).toMatch(/\(12 runs\)\n$/);
    const again = await runCliInProcess(['history', 'add', '--db', db, files[3]!]);
    expect(again.stdout).toMatch(/^skipped run run-3: already in the history$/m);
    const store = new HistoryStore(db);
    try {
      const series = store.series({ metric: 'cold_start_ns' }).sort((a, b) => a.runtime.localeCompare(b.runtime));
      expect(series.map((s) => [s.runtime, s.points.length])).toEqual([
        ['lambda', 12],
        ['wasm', 12],
      ]);
      expect(series[1]!.points.map((p) => p.commit)).toEqual(files.map((_, i) => commit(i)));
    } finally {
      store.close();
    }
  });

  it('show: the change point at the commit that regressed, in a table and in Markdown', async () => {
    const r = await runCliInProcess(['history', 'show', '--db', db, '--match', 'wasm/hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wasm\/hello\/wasm cold cold_start_ns .* 12 .* \+1\d\.\d%@07070707/);
    expect(r.stdout).not.toContain('lambda');
    const md = await runCliInProcess(['history', 'show', '--db', db, '--markdown']);
    expect(md.stdout).toContain('| series | runs | latest median | last step | since first | change points |');
    expect(md.stdout).toMatch(
      /\| wasm\/hello\/wasm cold cold\\_start\\_ns \| 12 \| 3\d\d\.\d µs \| [+-]\d+\.\d% \| \+1\d\.\d% \| \+1\d\.\d% at `07070707` \|/,
    );
    expect(md.stdout).toMatch(/\| lambda\/hello\/wasm cold cold\\_start\\_ns \| 12 \| .* \| — \|/);
  });

  it('report --history writes the page with the change point marked and the trend table', async () => {
    const base = join(dir, 'hist');
    const r = await runCliInProcess(['report', '--history', '--db', db, '-o', base]);
    expect(r.code).toBe(0);
    const html = readFileSync(`${base}.html`, 'utf8');
    expect(html).toContain('<h2>wasm/hello/wasm cold cold_start_ns</h2>');
    expect(html).toMatch(/change points: \+1\d\.\d% at 07070707/);
    expect((html.match(/<line class="cp"/g) ?? []).length).toBe(1);
    expect(readFileSync(`${base}.md`, 'utf8')).toContain('### faasbench history: trends');
  });

  it.each([
    [
      'a run without a git commit',
      () => {
        const p = join(dir, 'nogit.jsonl');
        writeSyntheticResults(p, [{ runtime: 'wasm', median: 1, n: 5, spread: 0 }], {
          header: { runId: 'nogit', git: { commit: null, dirty: null } },
        });
        return ['history', 'add', '--db', db, p];
      },
      /nogit\.jsonl: run nogit has no git commit .*: give one with --commit/,
    ],
    [
      'show on a missing database',
      () => ['history', 'show', '--db', join(dir, 'none.sqlite')],
      /no history at .*none\.sqlite: add runs with faasbench history add/,
    ],
    [
      'report --history with results files',
      () => ['report', '--history', '--db', db, files[0]!],
      /--history reports the history store \(--db\), not results files/,
    ],
  ])('exit 2 for %s', async (_what, args, message) => {
    const r = await runCliInProcess((args as () => string[])());
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'none.sqlite'))).toBe(false);
  });

  it('--commit files a run without one', async () => {
    const r = await runCliInProcess(['history', 'add', '--db', db, '--commit', 'abc123', join(dir, 'nogit.jsonl')]);
    expect(r.stdout).toMatch(/added run nogit \(commit abc123, 1 series\)/);
  });
});
