// `faasbench history add FILE…` / `faasbench history show`: the results history in
// SQLite (harness/history/store.ts), keyed by git commit, machine fingerprint and
// series. `add` stores complete results files (a run already stored is skipped, said
// so); `show` prints each series' trend over runs with its change points (PELT), as
// a table or, with --markdown, the Markdown table for PR comments. The page with the
// charts is `faasbench report --history`.

import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HistoryStore } from '../history/store.js';
import { loadResultsFile } from '../../model/results/load.js';
import { seriesLabel, trends } from '../../model/history.js';
import { formatValue, textTable } from '../../model/summary.js';
import { historyHtml, historyMarkdown } from '../../reports/history.js';

export const DEFAULT_HISTORY_DB = 'results/history.sqlite';

const pct = (r: number) => (Number.isFinite(r) ? `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%` : '—');

/** `report --history`: the history page and the Markdown trend table, written next to each other. */
export function writeHistoryReport(db: string, base: string, title: string): { html: string; markdown: string } {
  if (!existsSync(db)) throw new Error(`no history at ${db}: add runs with faasbench history add FILE… (or give --db)`);
  const store = new HistoryStore(resolve(db));
  try {
    const series = store.series();
    const html = resolve(`${base}.html`);
    const markdown = resolve(`${base}.md`);
    writeFileSync(html, historyHtml(series, { title }));
    writeFileSync(markdown, historyMarkdown(series));
    return { html, markdown };
  } finally {
    store.close();
  }
}

interface ShowFlags {
  db: string;
  machine?: string;
  match?: string;
  metric?: string;
  markdown?: boolean;
}

export function registerHistory(program: Command): void {
  const history = program
    .command('history')
    .description('results history across commits (SQLite): add runs, show trends and change points');
  history
    .command('add')
    .description('store results files in the history (a run already stored is skipped)')
    .argument('<results...>', 'complete results files (.jsonl)')
    .option('--db <file>', 'history database', DEFAULT_HISTORY_DB)
    .option('--commit <sha>', 'git commit to file the runs under (default: the one in each run header)')
    .action((files: string[], flags: { db: string; commit?: string }) => {
      // Every file checked before anything is stored: nothing half-added.
      const loaded = files.map((f) => loadResultsFile(f, { requireComplete: true }));
      const store = new HistoryStore(resolve(flags.db));
      try {
        for (const l of loaded) {
          for (const run of l.runs) {
            const r = store.add(run, l.file, flags.commit);
            process.stdout.write(
              r.added
                ? `added run ${r.runId} (commit ${r.commit.slice(0, 12)}, ${r.series} series) from ${l.file}\n`
                : `skipped run ${r.runId}: already in the history\n`,
            );
          }
        }
        process.stdout.write(`history: ${store.path} (${store.runCount()} runs)\n`);
      } finally {
        store.close();
      }
    });
  history
    .command('show')
    .description(
      'each series over the stored runs: latest median, last step, change since the first run, change points',
    )
    .option('--db <file>', 'history database', DEFAULT_HISTORY_DB)
    .option('--machine <fingerprint>', 'only runs of this machine')
    .option('--match <text>', 'only series whose name contains this text, e.g. wasm/hello')
    .option('--metric <name>', 'only this metric, e.g. cold_start_ns')
    .option('--markdown', 'print the Markdown trend table (for PR comments)')
    .action((flags: ShowFlags) => {
      if (!existsSync(flags.db))
        throw new Error(`no history at ${flags.db}: add runs with faasbench history add FILE… (or give --db)`);
      const store = new HistoryStore(resolve(flags.db));
      try {
        const series = store.series({
          ...(flags.machine ? { machine: flags.machine } : {}),
          ...(flags.match ? { match: flags.match } : {}),
          ...(flags.metric ? { metric: flags.metric } : {}),
        });
        if (series.length === 0) {
          process.stdout.write(
            `no series in ${store.path}${store.runCount() ? ' match' : ' (empty: faasbench history add FILE…)'}\n`,
          );
          return;
        }
        if (flags.markdown) {
          process.stdout.write(historyMarkdown(series));
          return;
        }
        const rows = trends(series).map((t) => {
          const p = t.series.points;
          return [
            seriesLabel(t.series),
            t.series.machine,
            String(p.length),
            formatValue(p[p.length - 1]!.median, t.series.metric),
            pct(t.lastStep),
            pct(t.sinceFirst),
            t.changes.map((c) => `${pct(c.ratio)}@${p[c.index]!.commit.slice(0, 8)}`).join(' ') || '—',
          ];
        });
        process.stdout.write(
          textTable(['series', 'machine', 'runs', 'latest median', 'last step', 'since first', 'change points'], rows) +
            '\n',
        );
      } finally {
        store.close();
      }
    });
}
