// A CGI guest that does a set amount of work before it answers: a counted loop of
// `iterations` load/subtract/store rounds on linear memory, then `Content-Type:
// text/plain` and `body`. Two of them differing only in `iterations` are the same
// function doing more or less work: the duet gate's tests and scripts/bench-gate.ts
// use them as a baseline and a candidate with a known, injected slowdown.

import { commandModule, FD_WRITE, op, PROC_EXIT } from './wasm-fixtures.js';

const COUNTER_AT = 0x80;
const DATA_AT = 0x100;

export function spinGuest(iterations: number, body = 'ok\n'): Uint8Array {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 31 - 1)
    throw new RangeError(`iterations must be from 1 to 2^31 − 1 (got ${iterations})`);
  const stdout = Buffer.from(`Content-Type: text/plain\n\n${body}`);
  const i32Load = [0x28, 0x02, 0x00];
  const i32Sub = [0x6b];
  const brIf0 = [0x0d, 0x00];
  const end = [0x0b];
  const code = [
    // mem[COUNTER] = iterations; loop { mem[COUNTER] -= 1; br_if mem[COUNTER] != 0 }
    ...op.i32(COUNTER_AT),
    ...op.i32(iterations),
    ...op.i32Store,
    0x03,
    0x40,
    ...op.i32(COUNTER_AT),
    ...op.i32(COUNTER_AT),
    ...i32Load,
    ...op.i32(1),
    ...i32Sub,
    ...op.i32Store,
    ...op.i32(COUNTER_AT),
    ...i32Load,
    ...brIf0,
    ...end,
    // iovec {DATA_AT, len} at 0, fd_write(1, 0, 1, 8)
    ...op.i32(0),
    ...op.i32(DATA_AT),
    ...op.i32Store,
    ...op.i32(4),
    ...op.i32(stdout.length),
    ...op.i32Store,
    ...op.i32(1),
    ...op.i32(0),
    ...op.i32(1),
    ...op.i32(8),
    ...op.call(0),
    ...op.drop,
  ];
  return commandModule({ imports: [FD_WRITE, PROC_EXIT], code, data: { at: DATA_AT, bytes: stdout } });
}
