// Entry point of the `wasm` variant's container image: faasbench's reference
// runtime (compiled dist/ JS, copied into the image) serving one .wasm over WAGI
// on 127.0.0.1:$PORT with the same executor as the in-process `wasm` runtime (worker
// pool with per-request deadlines). The Wasm-in-a-container deployment. Prints nothing.
//
//   PORT=n node wasm-entry.js /app/fn.wasm NAME

import { compileCommand, readWasmFile } from '../wasm/module.js';
import { startWagiServer } from '../wasm/server.js';
import { GuestThreadExecutor } from '../wasm/guest-threads.js';

const [file, name = 'function'] = process.argv.slice(2);
const port = Number(process.env.PORT);
if (!file || !Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: PORT=n node wasm-entry.js FILE.wasm [NAME]\n');
  process.exit(2);
}
const module = await compileCommand(readWasmFile(file), name);
await startWagiServer({
  module,
  executor: new GuestThreadExecutor(),
  name,
  host: process.env.HOST || '127.0.0.1',
  port,
  onGuestError: () => {},
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
