// What the harness asks the load generator process to do, and what it answers.
// Plain data only: these cross the process boundary (fork IPC, JSON).

import type { SampleRequest } from '../../model/workload.js';

/** A manifest request in wire form (the body travels as base64). */
export interface WireRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyBase64: string;
  expect: SampleRequest['expect'];
}

export interface LoadSpecBase {
  /** Base URL of the instance under load, http://127.0.0.1:PORT */
  url: string;
  request: WireRequest;
  connections: number;
  durationMs: number;
  /** A single request slower than this counts as a timeout (the connection is dropped). */
  timeoutMs?: number;
}

/** Closed loop: every connection sends its next request as soon as the last one answered. */
export interface ClosedLoopSpec extends LoadSpecBase {
  kind: 'closed';
  /** 'autocannon' (default) or faasbench's own client (exact bytes, any body). */
  client?: 'autocannon' | 'raw';
  /** autocannon only: requests in flight per connection (HTTP pipelining); default 1. */
  pipelining?: number;
}

/** Open loop: requests are due at fixed intervals whatever the server does (wrk2 style). */
export interface OpenLoopSpec extends LoadSpecBase {
  kind: 'open';
  /** Offered rate, requests per second. */
  rate: number;
  /** After the schedule ends, how long to wait for what is still queued or in flight. */
  drainMs?: number;
}

export type LoadSpec = ClosedLoopSpec | OpenLoopSpec;

/** Percentiles of a latency distribution, integer nanoseconds. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  kind: LoadSpec['kind'];
  client: 'autocannon' | 'raw';
  connections: number;
  pipelining?: number;
  /** Offered rate (open loop). */
  rate?: number;
  /** Measured window, ns. */
  elapsedNs: number;
  /** Requests written to a socket. */
  sent: number;
  /** Responses received, correct or not. */
  completed: number;
  /** Responses that matched the manifest. */
  ok: number;
  /** Responses with another status than expected. */
  badStatus: number;
  /** Responses with the expected status but wrong headers or body. */
  mismatches: number;
  /** Connection errors and unparseable responses. */
  errors: number;
  timeouts: number;
  /** Open loop: requests due in the window that were never answered before the drain ended. */
  unfinished: number;
  /** The first failure seen, for the message. */
  firstError?: string;
  /** Correct responses per second over the window. */
  achievedRps: number;
  /** Open loop: from the intended send time (coordinated-omission corrected). */
  latency?: Percentiles;
  /** Open loop: from the actual send time (what a closed-loop tool would report). */
  service?: Percentiles;
  /** Open loop: actual send time − intended send time (queueing behind busy connections, generator lateness). */
  sendLag?: Percentiles;
  /** CPU the generator process used during the run (user + system), ns. */
  cpuNs: number;
}

export function toWireRequest(r: SampleRequest): WireRequest {
  return {
    method: r.method,
    path: r.path,
    query: r.query,
    headers: r.headers,
    bodyBase64: Buffer.from(r.body).toString('base64'),
    expect: r.expect,
  };
}

export type ToGenerator = { id: number; spec: LoadSpec } | { id: number; stop: true };
export type FromGenerator = { id: number; result: LoadResult } | { id: number; error: string } | { ready: true };
