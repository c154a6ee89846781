// Entry point of the serve process the `wasm` adapter starts (ServedWasmAdapter): a
// `faasbench serve` with no apps, deployed into over the IPC channel. Its one argument
// is the ServeConfig as JSON (apps and log functions excepted). It exits when the
// harness's channel closes (the harness ended or was killed), so no serve process
// outlives the run that started it; SIGTERM shuts it down gracefully.

import { runServe, serveControl, type ServeConfig, type ServeControl, type ServeReply } from './run.js';

if (!process.send) {
  process.stderr.write('faasbench serve child: must be started with an IPC channel (by the wasm adapter)\n');
  process.exit(2);
}
const send = (m: ServeReply): void => void process.send?.(m);
const cfg = JSON.parse(process.argv[2] ?? '{}') as Omit<ServeConfig, 'apps' | 'log' | 'say'>;
try {
  const running = await runServe({
    ...cfg,
    apps: [],
    signals: false,
    log: (l) => process.stderr.write(`${l}\n`),
    say: () => {},
  });
  serveControl(running, send, (f) => process.on('message', (m) => f(m as ServeControl)));
  process.once('disconnect', () => void running.stop('harness gone'));
  // Ctrl-C reaches the whole terminal process group: the harness handles it (finishes its
  // sample, then stops this process with SIGTERM through dispose), so SIGINT is ignored here.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void running.stop('SIGTERM'));
  send({ ready: { port: running.host.port, executor: running.executor.name } });
  process.exitCode = await running.stopped;
  process.exit();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
