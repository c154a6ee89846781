// Outbound HTTP for components (wasi:http/outgoing-handler): the per-deployment
// allow-list and the synchronous client behind it.
//
// The allow-list: entries are HOST:PORT (a name, an IPv4 address or [IPv6], and a
// port), compared with the request's authority (its port defaulting to 80). No entry,
// no outbound HTTP: handle() answers HTTP-request-denied, as before. Only plain http
// is performed; an allowed https request fails with internal-error saying so (this
// host has no TLS client configuration to offer, and only 127.0.0.1 is reachable here).
//
// Performing it: a guest runs synchronously on its own thread (a deadline ends the
// thread), and wasi:http's pollables block that thread, so the request cannot run on
// the thread's own event loop. A helper thread (outbound-thread.ts, one per guest
// thread, started on first use) does it with node:http and posts the answer back;
// the guest thread blocks in Atomics.wait on a shared flag, then takes the answer off
// its port with receiveMessageOnPort. Bounded three ways: the helper's timeout (the
// policy's, 10 s by default, lowered by the request's connect / first-byte timeouts),
// the response body cap (the guest's response cap: a bigger answer is
// HTTP-response-body-size), and the guest's wall-clock deadline, which terminates the
// guest thread and the helper with it.

import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { parseOutboundHost } from '../../../model/outbound-host.js';
import { startModuleWorker } from '../../shared/module-worker.js';

export interface OutboundPolicy {
  /** HOST:PORT entries, as parseOutboundHost returns them. */
  allowedHosts: readonly string[];
  /** Per request, at most (default 10 s). */
  timeoutMs?: number;
}

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;

/** HOST:PORT entries are checked where the manifest is (model/workload.ts), and the same way for the CLI flags. */
export { parseOutboundHost };

/** An authority as sent (host, host:port, [v6]:port) → HOST:PORT with the scheme's default port; null if malformed. */
export function authorityKey(authority: string, defaultPort: number): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]@/?#\s]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return null;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!(port >= 1 && port <= 65_535)) return null;
  return `${m[1]!.toLowerCase()}:${port}`;
}

export type OutboundDecision = { allowed: true; key: string } | { allowed: false; why: string };

export function outboundDecision(
  policy: OutboundPolicy | undefined,
  scheme: 'http' | 'https',
  authority: string | undefined,
): OutboundDecision {
  if (!policy || policy.allowedHosts.length === 0) return { allowed: false, why: 'no outbound host is allowed' };
  if (!authority) return { allowed: false, why: 'the request names no authority' };
  const key = authorityKey(authority, scheme === 'https' ? 443 : 80);
  if (!key) return { allowed: false, why: `malformed authority ${JSON.stringify(authority)}` };
  return policy.allowedHosts.some((h) => h.toLowerCase() === key)
    ? { allowed: true, key }
    : { allowed: false, why: `${key} is not on the allow-list` };
}

/** What the helper thread is asked to do. */
export interface OutboundRequest {
  method: string;
  /** HOST:PORT. */
  key: string;
  pathWithQuery: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** A wasi:http error-code (the variant as jco's glue takes it). */
export interface OutboundErrorCode {
  tag: string;
  val?: unknown;
}

export type OutboundResult =
  | {
      seq: number;
      ok: true;
      status: number;
      headers: Array<[string, string]>;
      body: Uint8Array;
      trailers: Array<[string, string]>;
    }
  | { seq: number; ok: false; error: OutboundErrorCode };

/** The guest thread's side: one helper thread, requests one at a time, each a blocking wait. */
export class SyncOutboundClient {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;

  private start(): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    this.worker = startModuleWorker(import.meta.url, 'outbound-thread', {
      workerData: { port: port2, flag: this.flag.buffer },
      transferList: [port2],
    });
    this.worker.unref();
    this.port = port1;
    return port1;
  }

  perform(req: OutboundRequest): OutboundResult {
    const port = this.start();
    const seq = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    port.postMessage({ seq, ...req });
    // The helper has its own timeout; this one (a second more, for the helper's start) only catches a helper that died.
    const until = Date.now() + req.timeoutMs + 1000;
    for (;;) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const r = m.message as OutboundResult;
        if (r.seq === seq) return r; // answers to an earlier request that timed out here are dropped
      }
      const left = until - Date.now();
      if (left <= 0)
        return { seq, ok: false, error: { tag: 'internal-error', val: 'the outbound helper thread did not answer' } };
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }
}
