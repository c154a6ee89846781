// Messages between WorkerPoolExecutor and its guest threads (worker.ts).

import type { ExecOutcome, ExecRequest } from './executor.js';

export interface RunMessage {
  seq: number;
  /** The pool's number for the module; the module itself travels once per worker. */
  key: number;
  module?: WebAssembly.Module;
  req: ExecRequest;
}

export type WorkerReply =
  | { ready: true; seq?: undefined }
  | { seq: number; outcome: ExecOutcome; error?: undefined }
  | { seq: number; error: string; outcome?: undefined };
