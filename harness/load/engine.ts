// The load loops, run inside the generator process (harness/load/generator.ts).
//
// Closed loop: autocannon (or the raw client) at N connections, for the maximum rate.
// Open loop: requests are *due* at start + i/rate whatever the server does; a due
// request waits for a free connection; its latency is measured from the time it was
// due (coordinated-omission correction, as wrk2 does), in ns into an HDR histogram.
// autocannon's own latencies are whole milliseconds and its fixed-rate mode sends a
// per-second burst, so it is used only for the closed loop. Every response is checked
// against the manifest; nothing failed is averaged in.

import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import { checkResponse } from '../verify.js';
import { encodeRequest, RawConnection } from './raw-http.js';
import type { ClosedLoopSpec, LoadResult, LoadSpec, OpenLoopSpec, Percentiles } from './types.js';

const now = (): number => Number(process.hrtime.bigint());

function histogram(): hdr.Histogram {
  return hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

export function percentiles(h: hdr.Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  // HDR reports a percentile as the top of its bucket (within 0.1 %); never above the true max.
  // Latencies from an intended send time are fractional ns (start + i/rate), and so is the
  // recorded max: rounded, as results rows hold integers in base units.
  const max = Math.round(h.maxValue);
  const at = (p: number) => Math.min(Math.round(h.getValueAtPercentile(p)), max);
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max,
    mean: Math.round(h.mean),
  };
}

interface Tally {
  sent: number;
  completed: number;
  ok: number;
  badStatus: number;
  mismatches: number;
  errors: number;
  timeouts: number;
  firstError?: string;
}

function newTally(): Tally {
  return { sent: 0, completed: 0, ok: 0, badStatus: 0, mismatches: 0, errors: 0, timeouts: 0 };
}

function cpuNs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) * 1000;
}

/**
 * Can autocannon check this expectation exactly? It appends each body chunk to a string
 * as UTF-8, so only an ASCII body (no character split across chunks) compares exactly;
 * anything else goes to the raw client, which keeps the bytes.
 */
function autocannonCanCheck(expect: ClosedLoopSpec['request']['expect']): boolean {
  if (expect.bodySha256 !== undefined) return false;
  const bytes =
    expect.bodyBase64 !== undefined ? Buffer.from(expect.bodyBase64, 'base64') : Buffer.from(expect.body ?? '', 'utf8');
  return bytes.every((b) => b < 0x80);
}

export async function runLoad(spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
  if (spec.kind === 'open') return runRawLoop(spec, signal);
  // autocannon unless asked for raw, or the body could not be checked exactly through it.
  const client = spec.client !== 'raw' && autocannonCanCheck(spec.request.expect) ? 'autocannon' : 'raw';
  return client === 'autocannon' ? runClosedAutocannon(spec, signal) : runRawLoop(spec, signal);
}

async function runClosedAutocannon(spec: ClosedLoopSpec, signal?: AbortSignal): Promise<LoadResult> {
  const r = spec.request;
  const body = Buffer.from(r.bodyBase64, 'base64');
  const t: Tally = newTally();
  const note = (m: string) => {
    t.firstError ??= m;
  };
  const expectBody =
    r.expect.body !== undefined
      ? r.expect.body
      : r.expect.bodyBase64 !== undefined
        ? Buffer.from(r.expect.bodyBase64, 'base64').toString('utf8')
        : undefined;
  const onResponse = (status: number, resBody: string, _ctx: unknown, headers: Record<string, string | string[]>) => {
    t.completed++;
    if (status !== r.expect.status) {
      t.badStatus++;
      note(`status ${status}, expected ${r.expect.status}`);
      return;
    }
    for (const [name, want] of Object.entries(r.expect.headers)) {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
      const got = key === undefined ? undefined : headers[key];
      if ((Array.isArray(got) ? got.join(', ') : got) !== want) {
        t.mismatches++;
        note(`header ${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        return;
      }
    }
    if (expectBody !== undefined && resBody !== expectBody) {
      t.mismatches++;
      note(`body ${JSON.stringify(resBody.slice(0, 120))}, expected ${JSON.stringify(expectBody.slice(0, 120))}`);
      return;
    }
    t.ok++;
  };
  const cpu0 = process.cpuUsage();
  const t0 = now();
  let stop = () => {};
  const onAbort = () => stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  const res = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: spec.pipelining ?? 1,
        duration: spec.durationMs / 1000,
        timeout: Math.max(1, Math.ceil((spec.timeoutMs ?? 10_000) / 1000)),
        requests: [
          {
            method: r.method as autocannon.Request['method'],
            path: r.path + (r.query ? `?${r.query}` : ''),
            headers: r.headers,
            ...(body.length > 0 ? { body } : {}),
            onResponse: onResponse as never,
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    stop = () => instance.stop();
  }).finally(() => signal?.removeEventListener('abort', onAbort));
  const elapsedNs = now() - t0;
  const cpu = cpuNs(cpu0);
  t.timeouts = res.timeouts;
  t.errors = res.errors - res.timeouts;
  if (res.errors > 0) note(`${res.errors} connection errors/timeouts`);
  t.sent = t.completed + res.errors;
  return {
    kind: 'closed',
    client: 'autocannon',
    connections: spec.connections,
    ...(spec.pipelining && spec.pipelining > 1 ? { pipelining: spec.pipelining } : {}),
    elapsedNs,
    ...pickTally(t),
    unfinished: 0,
    achievedRps: Math.round(t.ok / (elapsedNs / 1e9)),
    cpuNs: cpu,
  };
}

function pickTally(t: Tally): Omit<Tally, 'firstError'> & { firstError?: string } {
  return {
    sent: t.sent,
    completed: t.completed,
    ok: t.ok,
    badStatus: t.badStatus,
    mismatches: t.mismatches,
    errors: t.errors,
    timeouts: t.timeouts,
    ...(t.firstError ? { firstError: t.firstError } : {}),
  };
}

/**
 * Raw-client loop. Closed: each connection sends again as soon as it is answered.
 * Open: request i is due at t0 + i·(1e9/rate) ns; due requests queue for a free connection.
 */
export function runRawLoop(spec: ClosedLoopSpec | OpenLoopSpec, signal?: AbortSignal): Promise<LoadResult> {
  const r = spec.request;
  const u = new URL(spec.url);
  const bytes = encodeRequest(spec.url, r.method, r.path, r.query, r.headers, Buffer.from(r.bodyBase64, 'base64'));
  const headOnly = r.method === 'HEAD';
  const open = spec.kind === 'open';
  const rate = open ? spec.rate : 0;
  const interval = open ? 1e9 / rate : 0;
  const durationNs = spec.durationMs * 1e6;
  const drainNs = (open ? (spec.drainMs ?? Math.min(2000, spec.durationMs)) : 0) * 1e6;
  const timeoutNs = (spec.timeoutMs ?? 10_000) * 1e6;
  const t: Tally = newTally();
  const latency = histogram();
  const service = histogram();
  const lag = histogram();
  const conns = Array.from({ length: spec.connections }, () => new RawConnection(Number(u.port), u.hostname));
  /** Intended send time of the request each connection carries. */
  const intendedOf = new Map<RawConnection, number>();
  const free: RawConnection[] = [...conns];
  let due = 0; // open loop: requests made due so far
  let qHead = 0; // open loop: next due request to send
  let stopped = false;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const end = t0 + durationNs;

  const record = (
    intended: number,
    sentAt: number,
    err: Error | null,
    res: Parameters<Parameters<RawConnection['send']>[2]>[1],
  ) => {
    const done = now();
    if (err || !res) {
      if (/timed out/.test(err?.message ?? '')) t.timeouts++;
      else t.errors++;
      t.firstError ??= err?.message ?? 'no response';
      return;
    }
    t.completed++;
    const v = checkResponse(r.expect, res);
    if (!v.ok) {
      if (res.status !== r.expect.status) t.badStatus++;
      else t.mismatches++;
      t.firstError ??= v.reason;
      return;
    }
    t.ok++;
    if (open) {
      latency.recordValue(Math.max(1, done - intended));
      service.recordValue(Math.max(1, done - sentAt));
    }
  };

  return new Promise<LoadResult>((resolve) => {
    const sendOn = (c: RawConnection, intended: number) => {
      const sentAt = now();
      c.sentAt = sentAt;
      intendedOf.set(c, intended);
      t.sent++;
      if (open) lag.recordValue(Math.max(1, sentAt - intended));
      c.send(bytes, headOnly, (err, res) => {
        if (stopped) return; // dropped at the end of the run: not the server's fault
        if (!open && now() > end) {
          free.push(c);
          return;
        } // answered after the window
        record(intended, sentAt, err, res);
        if (!open) sendOn(c, now());
        else {
          free.push(c);
          pump();
        }
      });
    };
    const pump = () => {
      while (free.length > 0 && qHead < due) {
        const c = free.pop()!;
        sendOn(c, t0 + qHead * interval);
        qHead++;
      }
    };
    let lastTimeoutCheck = t0;
    const checkTimeouts = (at: number) => {
      if (at - lastTimeoutCheck < 50e6) return;
      lastTimeoutCheck = at;
      for (const c of conns) if (c.busy && at - c.sentAt > timeoutNs) c.destroy(new Error('request timed out'));
    };
    const finish = () => {
      const at = now();
      let unfinished = 0;
      if (open) {
        // Due but never answered: count them and record how long they had waited so far
        // (a lower bound), so overload is not hidden from the percentiles.
        for (let i = qHead; i < due; i++) {
          unfinished++;
          latency.recordValue(Math.max(1, at - (t0 + i * interval)));
        }
        for (const c of conns)
          if (c.busy) {
            unfinished++;
            latency.recordValue(Math.max(1, at - (intendedOf.get(c) ?? c.sentAt)));
          }
      }
      stopped = true;
      for (const c of conns) c.destroy(new Error('stopped'));
      const elapsedNs = (open ? at : Math.min(at, end)) - t0;
      resolve({
        kind: spec.kind,
        client: 'raw',
        connections: spec.connections,
        ...(open ? { rate } : {}),
        elapsedNs,
        ...pickTally(t),
        unfinished,
        achievedRps: Math.round(t.ok / ((open ? durationNs : elapsedNs) / 1e9)),
        ...(open ? { latency: percentiles(latency), service: percentiles(service), sendLag: percentiles(lag) } : {}),
        cpuNs: cpuNs(cpu0),
      });
    };

    if (!open) {
      for (const c of free.splice(0)) sendOn(c, now());
      const timer = setInterval(() => checkTimeouts(now()), 100);
      const done = () => {
        clearInterval(timer);
        clearTimeout(endTimer);
        signal?.removeEventListener('abort', done);
        finish();
      };
      const endTimer = setTimeout(done, spec.durationMs);
      signal?.addEventListener('abort', done, { once: true });
      return;
    }

    // Open-loop scheduler: sleep on timers while the next due time is far off, spin on
    // setImmediate (which still lets I/O run) in the last millisecond before it.
    const total = Math.max(1, Math.floor((durationNs / 1e9) * rate));
    const tick = () => {
      const at = now();
      const aborted = signal?.aborted === true;
      if (!aborted && due < total) {
        const shouldBeDue = Math.min(total, Math.floor((at - t0) / interval) + 1);
        if (shouldBeDue > due) {
          due = shouldBeDue;
          pump();
        }
      }
      checkTimeouts(at);
      const allDue = due >= total || aborted;
      if (allDue && qHead >= due && free.length === conns.length) return finish();
      if (allDue && (at > end + drainNs || aborted)) return finish();
      if (allDue) return void setTimeout(tick, 2);
      const wait = t0 + due * interval - now();
      if (wait > 1.5e6) setTimeout(tick, Math.floor((wait - 1e6) / 1e6));
      else setImmediate(tick);
    };
    tick();
  });
}
