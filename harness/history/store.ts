// The results history store: SQLite through better-sqlite3 (synchronous, one file,
// transactions; 12.x, which builds on Node 20 — 13 does not). One row per run (keyed
// by its run id; with the git commit and the machine fingerprint of its header) and
// one per run × series (median, p99, counts: model/history.ts). Reading gives each
// series per machine, oldest run first. Adding a run twice keeps the first.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResults } from '../../model/results/reader.js';
import { runPoints, type HistoryPoint, type HistorySeries } from '../../model/history.js';
import { seriesId } from '../../model/summary.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  git_commit TEXT NOT NULL,
  dirty INTEGER NOT NULL,
  machine TEXT NOT NULL,
  started_at TEXT NOT NULL,
  file TEXT NOT NULL,
  added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS points (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  runtime TEXT NOT NULL, workload TEXT NOT NULL, variant TEXT NOT NULL, mode TEXT NOT NULL,
  metric TEXT NOT NULL, phase TEXT NOT NULL, tags TEXT NOT NULL,
  n INTEGER NOT NULL, failed INTEGER NOT NULL, median REAL NOT NULL, p99 REAL NOT NULL,
  PRIMARY KEY (run_id, runtime, workload, variant, mode, metric, phase, tags)
);
CREATE INDEX IF NOT EXISTS runs_by_machine ON runs(machine, started_at);
`;

export interface AddOutcome {
  runId: string;
  added: boolean;
  series: number;
  commit: string;
}

export interface HistoryFilter {
  machine?: string;
  /** Only series whose label (runtime/workload/variant mode metric tags) contains this text. */
  match?: string;
  metric?: string;
}

export class HistoryStore {
  private db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  /** Adds a run (its header's commit unless `commit` is given); a run already there is left as it is. */
  add(run: RunResults, file: string, commit?: string): AddOutcome {
    const c = commit ?? run.header.git.commit;
    if (!c)
      throw new Error(
        `${file}: run ${run.header.runId} has no git commit (measured outside a git checkout): give one with --commit`,
      );
    const points = runPoints(run);
    const insertRun = this.db.prepare(
      'INSERT OR IGNORE INTO runs (run_id, git_commit, dirty, machine, started_at, file, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const insertPoint = this.db.prepare(
      'INSERT INTO points (run_id, runtime, workload, variant, mode, metric, phase, tags, n, failed, median, p99) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const tx = this.db.transaction((): boolean => {
      const r = insertRun.run(
        run.header.runId,
        c,
        run.header.git.dirty ? 1 : 0,
        run.header.machine.fingerprint,
        run.header.startedAt,
        file,
        new Date().toISOString(),
      );
      if (r.changes === 0) return false;
      for (const { key, point } of points)
        insertPoint.run(
          run.header.runId,
          key.runtime,
          key.workload,
          key.variant,
          key.mode,
          key.metric,
          key.phase,
          key.tags,
          point.n,
          point.failed,
          point.median,
          point.p99,
        );
      return true;
    });
    const added = tx();
    return { runId: run.header.runId, added, series: points.length, commit: c };
  }

  /** Every series (per machine), oldest run first. */
  series(filter: HistoryFilter = {}): HistorySeries[] {
    const rows = this.db
      .prepare(
        `SELECT r.run_id, r.git_commit, r.dirty, r.machine, r.started_at, p.runtime, p.workload, p.variant, p.mode, p.metric, p.phase, p.tags, p.n, p.failed, p.median, p.p99
         FROM points p JOIN runs r USING (run_id)
         WHERE (? IS NULL OR r.machine = ?) AND (? IS NULL OR p.metric = ?)
         ORDER BY r.machine, r.started_at, r.run_id`,
      )
      .all(filter.machine ?? null, filter.machine ?? null, filter.metric ?? null, filter.metric ?? null) as Array<
      Record<string, string | number>
    >;
    const out = new Map<string, HistorySeries>();
    for (const r of rows) {
      const key = {
        runtime: String(r.runtime),
        workload: String(r.workload),
        variant: String(r.variant),
        mode: String(r.mode),
        metric: String(r.metric),
        phase: String(r.phase),
        tags: String(r.tags),
      };
      const id = `${String(r.machine)}\u0000${seriesId(key)}`;
      let s = out.get(id);
      if (!s) out.set(id, (s = { ...key, machine: String(r.machine), points: [] }));
      const point: HistoryPoint = {
        runId: String(r.run_id),
        commit: String(r.git_commit),
        dirty: r.dirty === 1,
        startedAt: String(r.started_at),
        n: Number(r.n),
        failed: Number(r.failed),
        median: Number(r.median),
        p99: Number(r.p99),
      };
      s.points.push(point);
    }
    const all = [...out.values()];
    const m = filter.match;
    return m
      ? all.filter((s) => `${s.runtime}/${s.workload}/${s.variant} ${s.mode} ${s.metric} ${s.tags}`.includes(m))
      : all;
  }

  runCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
