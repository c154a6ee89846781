// `faasbench doctor`: can each runtime run here, and if not, why not; plus the
// Docker engine's version. Exit code 0 even when some runtimes are unavailable:
// doctor reports, it does not judge.

import type { Command } from 'commander';
import { connectEngine, engineStatus } from '../../runtimes/container/engine.js';
import { resolveRuntimeConfig, type RuntimeConfig } from '../options.js';
import { RUNTIMES } from '../runtimes.js';

export interface DoctorLine {
  id: string;
  default: boolean;
  ok: boolean;
  text: string;
}

/** Doctor reports, it never hangs: a runtime whose probe (or its cleanup) takes longer is reported as not answering. */
const PROBE_MS = 30_000;

class ProbeTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(`did not answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** `config`: the runtimes' settings as `run` would resolve them with no flags (the FAASBENCH_* fallbacks, e.g. which runtime the pool holds). */
export async function doctorReport(
  config: RuntimeConfig = resolveRuntimeConfig({}, process.env),
): Promise<{ engine: string; runtimes: DoctorLine[] }> {
  const status = await engineStatus(connectEngine());
  const engine = status.availability.ok
    ? (status.availability.detail ?? 'up')
    : `unavailable: ${status.availability.reason}`;
  const runtimes: DoctorLine[] = [];
  for (const entry of RUNTIMES) {
    const probe = async (): Promise<DoctorLine> => {
      const adapter = await entry.create(config);
      try {
        const a = await adapter.available();
        return { id: entry.id, default: entry.default, ok: a.ok, text: a.ok ? (a.detail ?? 'available') : a.reason };
      } finally {
        await withTimeout(adapter.dispose(), PROBE_MS).catch(() => {});
      }
    };
    try {
      runtimes.push(await withTimeout(probe(), PROBE_MS));
    } catch (e) {
      const why = e instanceof ProbeTimeout ? e.message : `cannot load: ${(e as Error).message}`;
      runtimes.push({ id: entry.id, default: entry.default, ok: false, text: why });
    }
  }
  return { engine, runtimes };
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('list every runtime with whether it can run here (and why not), and the Docker engine version')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const r = await doctorReport();
      if (flags.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const width = Math.max(...r.runtimes.map((x) => x.id.length));
      process.stdout.write(`docker engine: ${r.engine}\n\n`);
      for (const x of r.runtimes) {
        process.stdout.write(
          `${x.ok ? 'ok ' : 'no '} ${x.id.padEnd(width)}  ${x.default ? 'default ' : 'opt-in  '} ${x.text}\n`,
        );
      }
    });
}
