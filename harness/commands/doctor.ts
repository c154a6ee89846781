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
    try {
      const adapter = await entry.create(config);
      try {
        const a = await adapter.available();
        runtimes.push({
          id: entry.id,
          default: entry.default,
          ok: a.ok,
          text: a.ok ? (a.detail ?? 'available') : a.reason,
        });
      } finally {
        await adapter.dispose().catch(() => {});
      }
    } catch (e) {
      runtimes.push({ id: entry.id, default: entry.default, ok: false, text: `cannot load: ${(e as Error).message}` });
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
