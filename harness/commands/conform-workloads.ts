// `faasbench conform workloads` (being written; see issue 4).

import type { Command } from 'commander';

export function registerConformWorkloads(conform: Command): void {
  conform
    .command('workloads')
    .description('not implemented yet')
    .action(() => {
      throw new Error('conform workloads is not implemented yet');
    });
}
