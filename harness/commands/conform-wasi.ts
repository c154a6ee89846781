// `faasbench conform wasi` (being written; see issue 3).

import type { Command } from 'commander';

export function registerConformWasi(conform: Command): void {
  conform
    .command('wasi')
    .description('not implemented yet')
    .action(() => {
      throw new Error('conform wasi is not implemented yet');
    });
}
