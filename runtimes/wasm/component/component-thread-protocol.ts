// Messages between ComponentThreadExecutor and its guest threads (plain data, or
// WebAssembly.Module, which crosses threads compiled), and the feed of a streamed
// request body (its own port, read by the guest thread with receiveMessageOnPort while
// the guest blocks: the thread's event loop is not running then).

import type { MessagePort } from 'node:worker_threads';
import type { HttpExchangeRequest } from './host.js';
import type { ComponentOutcome, RunOptions } from './runner.js';
import type { MemoryImage } from './memory-image.js';

export interface ComponentLoad {
  name: string;
  sha256: string;
  dir: string;
  handlerExport: string;
  imports: string[];
  modules: Array<[string, WebAssembly.Module]>;
  images: Array<[string, MemoryImage]>;
  bytes: number;
  /** Compile the glue with V8's code cache, and write the cache after the first request (prepare.ts, loadGlueCached). */
  codeCache?: boolean;
}

export type ToComponentThread =
  | {
      seq: number;
      key: number;
      load?: ComponentLoad;
      req: HttpExchangeRequest;
      opts: RunOptions;
      /** Stream the response: head and chunk replies while the guest runs. */
      stream?: boolean;
      /** The request body comes on the feed port (BodyFeed), not in req.body. */
      bodyFollows?: boolean;
    }
  | { forget: number };

export type ComponentThreadReply =
  | { ready: true }
  | { seq: number; outcome: ComponentOutcome }
  | { seq: number; error: string }
  | { seq: number; head: { status: number; headers: Array<[string, string]> } }
  | { seq: number; chunk: Uint8Array }
  /** The guest waits for more of the request body: everything sent so far is read. */
  | { seq: number; pull: true };

/** On the feed port, for the request `seq`. */
export type BodyFeed =
  | { seq: number; data: Uint8Array }
  | { seq: number; end: true; trailers?: Array<[string, string]> }
  | { seq: number; error: string };

/** What a guest thread is started with (workerData). */
export interface ComponentThreadData {
  feed: MessagePort;
  /** Int32 [0]: bumped after every feed message, so a waiting guest thread wakes (Atomics.wait). */
  wake: SharedArrayBuffer;
}
