// `faasbench compare A.jsonl B.jsonl`: every series measured in both files, as the
// ratio B/A of medians with a seeded-bootstrap interval and a verdict (model/compare.ts),
// from files loaded strictly (model/results/load.ts). A series that
// cannot be judged (no correct samples on a side, a zero baseline, an unbounded
// interval) says "cannot decide" and why, never "no significant difference". Text
// from the files is escaped before it reaches the terminal.

import type { Command } from 'commander';
import { terminalJson, terminalText } from '../../model/escape.js';
import { compareRuns, compareTable, seriesLabel, undecidedLines } from '../../model/compare.js';
import { checkSameMachine, loadResultsFile, UnusableInputError } from '../../model/results/load.js';
import type { Series, SeriesKey } from '../../model/summary.js';
import { intOption } from './options.js';

interface CompareFlags {
  allowDifferentMachines?: boolean;
  seed: number;
  resamples: number;
  phases: boolean;
  json?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two results files: per runtime × workload × metric × phase, the ratio B/A of medians with its 95% interval and a verdict',
    )
    .argument('<A.jsonl>', 'baseline results file')
    .argument('<B.jsonl>', 'results file compared with A')
    .option(
      '--allow-different-machines',
      'compare results measured on different machines (the difference is still reported)',
    )
    .option('--seed <n>', 'bootstrap seed (same seed, same intervals)', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--resamples <n>', 'bootstrap resamples', intOption('--resamples', 100, 100_000), 1000)
    .option('--no-phases', 'compare only the whole measured values, not their phases')
    .option('--json', 'print JSON instead of a table')
    .action((fileA: string, fileB: string, flags: CompareFlags) => {
      const a = loadResultsFile(fileA, { requireComplete: true });
      const b = loadResultsFile(fileB, { requireComplete: true });
      const notes = checkSameMachine([a, b], flags.allowDifferentMachines === true);
      const { compared, onlyA, onlyB } = compareRuns(a.runs, b.runs, {
        seed: flags.seed,
        resamples: flags.resamples,
        ...(flags.phases ? {} : { filter: (k: SeriesKey) => k.phase === 'total' }),
      });
      if (compared.length === 0)
        throw new UnusableInputError(
          `${fileA} and ${fileB} have no series in common (no runtime × workload × metric measured in both)`,
        );
      if (flags.json) {
        process.stdout.write(
          terminalJson({ a: fileA, b: fileB, notes, compared: compared.map(({ a: _a, b: _b, ...r }) => r) }, 2) + '\n',
        );
        return;
      }
      for (const n of notes) process.stdout.write(`warning: ${n}\n`);
      process.stdout.write(`A = ${terminalText(fileA)}\nB = ${terminalText(fileB)}\n\n${compareTable(compared)}\n`);
      const undecided = undecidedLines(compared);
      if (undecided.length) process.stdout.write(`\n${undecided.join('\n')}\n`);
      const only = (list: Series[], where: string) => {
        if (list.length)
          process.stdout.write(
            `\nonly in ${where}: ${terminalText(list.map((s) => `${s.runtime}/${s.workload}/${s.variant} ${seriesLabel(s)}`).join(', '))}\n`,
          );
      };
      only(onlyA, 'A');
      only(onlyB, 'B');
    });
}
