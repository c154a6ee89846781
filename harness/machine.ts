// What the run header records about where and with what a run happened.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { HeaderRow, Machine } from '../model/results/schema.js';

export const FAASBENCH_VERSION = '0.1.0';

/**
 * A results file's header: what every run records (id, time, command, git, machine,
 * Node's flags, seed, and the versions of faasbench, Node and V8 beside the tools'
 * own), with the run's `config`. The run loop and the duet gate both write one.
 */
export function headerRow(p: {
  runId: string;
  command: string[];
  seed: number;
  /** Versions and flags the adapters reported, keyed `<runtime>.<key>`. */
  versions: Record<string, string>;
  config: HeaderRow['config'];
}): HeaderRow {
  return {
    type: 'header',
    schema: 1,
    runId: p.runId,
    startedAt: new Date().toISOString(),
    command: p.command,
    git: gitInfo(process.cwd()),
    machine: machineInfo(),
    versions: { faasbench: FAASBENCH_VERSION, node: process.versions.node, v8: process.versions.v8, ...p.versions },
    flags: [...process.execArgv],
    seed: p.seed,
    config: p.config,
  };
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  const cpuModel = cpus[0]?.model.trim() ?? 'unknown';
  let osName: string = os.platform();
  try {
    const rel = readFileSync('/etc/os-release', 'utf8');
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(rel)?.[1] ?? osName;
  } catch {
    /* not Linux, keep platform */
  }
  const base = {
    cpuModel,
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: osName,
    kernel: os.release(),
    arch: os.arch(),
  };
  // Memory is rounded to GiB so the same machine does not change fingerprint with firmware reservations.
  const fingerprintInput = JSON.stringify({ ...base, memoryBytes: Math.round(base.memoryBytes / 2 ** 30) });
  const fingerprint = createHash('sha256').update(fingerprintInput).digest('hex').slice(0, 16);
  return { fingerprint, hostname: os.hostname(), ...base };
}

export function gitInfo(cwd: string): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
