// Messages between ComponentThreadExecutor and its guest threads (plain data, or
// WebAssembly.Module, which crosses threads compiled).

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
  { seq: number; key: number; load?: ComponentLoad; req: HttpExchangeRequest; opts: RunOptions } | { forget: number };

export type ComponentThreadReply =
  { ready: true } | { seq: number; outcome: ComponentOutcome } | { seq: number; error: string };
