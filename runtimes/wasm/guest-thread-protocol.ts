// Messages between GuestThreadExecutor and its guest threads (guest-thread.ts), and the
// shared claim cells through which the pool can take back a job it sent ahead to a
// thread that has not started it (so no request waits behind a guest that spins).

import type { ExecLimits, ExecOutcome, ExecRequest } from './executor.js';

export interface RunMessage {
  seq: number;
  /** The pool's number for the module; the module itself travels once per worker. */
  key: number;
  module?: WebAssembly.Module;
  req: ExecRequest;
  /**
   * The job's claim: cell `cell` of the thread's shared claim array holds `tag` until
   * the thread starts the job (it swaps in CLAIMED) or the pool takes the job back to
   * run it elsewhere (it swaps in REVOKED). Whoever swaps first wins; a thread skips a
   * job it lost.
   */
  cell: number;
  tag: number;
}

/** Drop a module (the pool's number for it): its app is gone. */
export interface ForgetMessage {
  forget: number;
}

/** Ask how many modules the thread holds (answered with { held }). */
export interface CountMessage {
  count: true;
}

export type ToGuestThread = RunMessage | ForgetMessage | CountMessage;

/** Values of a claim cell besides a job's tag (tags are ≥ 1). */
export const REVOKED = 0;
export const CLAIMED = -1;

/** The thread's claim array, shared with the pool (see RunMessage.cell). */
export interface GuestThreadData {
  limits: ExecLimits;
  claims: Int32Array;
}

export type WorkerReply =
  | { ready: true; seq?: undefined; held?: undefined }
  | { held: number; seq?: undefined }
  | { seq: number; outcome: ExecOutcome; error?: undefined; held?: undefined }
  | { seq: number; error: string; outcome?: undefined; held?: undefined };
