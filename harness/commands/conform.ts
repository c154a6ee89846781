// `faasbench conform …`: conformance checks. Each kind is a subcommand in its own file.

import type { Command } from 'commander';
import { registerConformHttp } from './conform-http.js';
import { registerConformWasi } from './conform-wasi.js';
import { registerConformWorkloads } from './conform-workloads.js';

export function registerConform(program: Command): void {
  const conform = program
    .command('conform')
    .description(
      'conformance checks: the WASI host against a test suite, workload variants against each other, component servers against the wasi:http suite',
    );
  registerConformWasi(conform);
  registerConformWorkloads(conform);
  registerConformHttp(conform);
}
