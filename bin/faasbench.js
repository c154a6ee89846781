#!/usr/bin/env node
// Entry point. The reference Wasm runtime needs two V8/Node flags that can only be
// set at process start: without the trap handler each Wasm memory no longer reserves
// ~10 GiB of address space (so density is not capped at ~13k live instances), and
// node:wasi (the baseline we compare against) segfaults without the fast-API flag off.
// If they are missing we re-exec once with them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REQUIRED_FLAGS = ['--disable-wasm-trap-handler', '--no-turbo-fast-api-calls'];
const missing = REQUIRED_FLAGS.filter((f) => !process.execArgv.includes(f));

if (missing.length > 0 && !process.env.FAASBENCH_NO_REEXEC) {
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...missing, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, FAASBENCH_NO_REEXEC: '1' },
    },
  );
  // The child does the cleanup on Ctrl-C/SIGTERM; we only pass signals on and wait.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  const cli = new URL('../dist/harness/cli.js', import.meta.url);
  if (!existsSync(fileURLToPath(cli))) {
    console.error('faasbench: dist/ is missing; run `npm ci` (or `npm run build`) in the faasbench folder first.');
    process.exit(2);
  }
  const { main } = await import(cli.href);
  await main(process.argv);
}
