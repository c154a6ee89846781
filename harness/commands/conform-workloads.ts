// `faasbench conform workloads`: every manifest request against every variant of
// every workload; exits 1 with a diff when a variant disagrees.

import type { Command } from 'commander';
import { artifactSizes, conformTable, conformWorkloads, timeWorkloads, timingTable } from '../conform/workloads.js';
import {
  REQUEST_SIZES,
  VARIANT_KINDS,
  resolveWorkloads,
  type RequestSize,
  type VariantKind,
} from '../../model/workload.js';
import { intOption, listOption } from './options.js';

interface Flags {
  workload?: string[];
  size?: string[];
  variant?: string[];
  sizes?: boolean;
  timing?: number;
}

export function registerConformWorkloads(conform: Command): void {
  conform
    .command('workloads')
    .description(
      'run every manifest request on every workload variant (wasm in the reference runtime, native as a CGI process, node in-process) and check they answer identically',
    )
    .option(
      '-w, --workload <name...>',
      'built-in workload name or a folder with a workload.json (default: all)',
      listOption(null, 'workload'),
    )
    .option(
      '--size <size...>',
      `request sizes: ${REQUEST_SIZES.join(', ')} (default: all)`,
      listOption(REQUEST_SIZES, 'size'),
    )
    .option(
      '--variant <kind...>',
      `variants: ${VARIANT_KINDS.join(', ')} (default: all)`,
      listOption(VARIANT_KINDS, 'variant'),
    )
    .option('--sizes', "print each workload's artifact sizes per variant and exit")
    .option(
      '--timing <n>',
      "instead of checking, print each variant's median per-request latency over n runs (requests of --size, default test)",
      intOption('--timing', 1, 10_000),
    )
    .action(async (flags: Flags) => {
      const workloads = resolveWorkloads(flags.workload);
      if (flags.sizes) {
        process.stdout.write(artifactSizes(workloads) + '\n');
        return;
      }
      if (flags.timing !== undefined) {
        const rows = await timeWorkloads(workloads, {
          repeat: flags.timing,
          ...(flags.size ? { sizes: flags.size as RequestSize[] } : {}),
        });
        process.stdout.write(timingTable(rows) + '\n');
        process.stdout.write(
          'wasm: fresh instance per request on the reference runtime (one guest thread with a deadline, module compiled once); native: a new CGI process per request; node: handler called in-process.\n',
        );
        return;
      }
      const report = await conformWorkloads(workloads, {
        ...(flags.size ? { sizes: flags.size as RequestSize[] } : {}),
        ...(flags.variant ? { variants: flags.variant as VariantKind[] } : {}),
      });
      process.stdout.write(conformTable(report) + '\n');
      if (report.diffs.length) process.stdout.write('\nvariants disagree:\n' + report.diffs.join('\n') + '\n');
      if (!report.ok) process.exitCode = 1;
      else process.stdout.write(`\nall ${report.rows.length} responses match the manifests and each other\n`);
    });
}
