// A minimal HTTP/1.1 keep-alive client connection for the load generator: one
// request in flight, pre-encoded request bytes, exact response bytes (status,
// lower-cased headers, body by Content-Length, chunked, or until close). Much
// cheaper per request than node:http, and timed by the caller to the nanosecond.

import net from 'node:net';
import type { FunctionResponse } from '../../runtimes/types.js';

export type ResponseCallback = (err: Error | null, res: FunctionResponse | null) => void;

/** The bytes of one request, built once and written for every send. */
export function encodeRequest(
  url: string,
  method: string,
  path: string,
  query: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Buffer {
  const u = new URL(url);
  const lines = [`${method} ${path}${query ? `?${query}` : ''} HTTP/1.1`, `host: ${u.host}`];
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  for (const [k, v] of Object.entries(headers))
    if (k.toLowerCase() !== 'content-length' && k.toLowerCase() !== 'host') lines.push(`${k}: ${v}`);
  if (!names.has('connection')) lines.push('connection: keep-alive');
  if (body.length > 0 || method !== 'GET') lines.push(`content-length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.from(body)]);
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** End of the response head and the length of its terminator: CRLF CRLF, or bare LF LF as relayed CGI output has. */
function headEnd(buf: Buffer): [number, number] | null {
  const crlf = buf.indexOf(CRLFCRLF);
  const lf = buf.indexOf(LFLF);
  if (crlf < 0 && lf < 0) return null;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return [crlf, 4];
  // "\r\n\n" counts too: a CRLF status line followed by bare-LF header lines.
  return [lf, 2];
}

type State =
  | { s: 'head' }
  | { s: 'length'; status: number; headers: Record<string, string>; remaining: number; parts: Buffer[] }
  | { s: 'chunk-size'; status: number; headers: Record<string, string>; parts: Buffer[] }
  | { s: 'chunk-data'; status: number; headers: Record<string, string>; parts: Buffer[]; remaining: number }
  | { s: 'trailer'; status: number; headers: Record<string, string>; parts: Buffer[] }
  | { s: 'close'; status: number; headers: Record<string, string>; parts: Buffer[] };

export class RawConnection {
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { s: 'head' };
  private cb: ResponseCallback | null = null;
  private headOnly = false;
  private closeAfter = false;
  /** Set while a request is in flight (hrtime ns at send), for timeouts. */
  sentAt = 0;
  busy = false;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  private connect(): net.Socket {
    const sock = net.connect({ port: this.port, host: this.host, noDelay: true });
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => {
      if (this.socket !== sock) return;
      this.socket = null;
      if (this.state.s === 'close') this.complete(Buffer.concat(this.state.parts));
      else this.fail(new Error('connection closed by the server'));
    });
    this.socket = sock;
    return sock;
  }

  /** Sends one request; `cb` is called exactly once. */
  send(bytes: Buffer, headOnly: boolean, cb: ResponseCallback): void {
    if (this.busy) throw new Error('connection busy');
    this.busy = true;
    this.cb = cb;
    this.headOnly = headOnly;
    this.state = { s: 'head' };
    this.buf = Buffer.alloc(0);
    (this.socket ?? this.connect()).write(bytes);
  }

  /** Drops the connection; an in-flight request fails with `reason`. */
  destroy(reason?: Error): void {
    const sock = this.socket;
    this.socket = null;
    sock?.destroy();
    if (this.busy) this.fail(reason ?? new Error('connection destroyed'));
  }

  private fail(e: Error): void {
    const cb = this.cb;
    this.cb = null;
    this.busy = false;
    const sock = this.socket;
    this.socket = null;
    sock?.destroy();
    cb?.(e, null);
  }

  private complete(body: Buffer): void {
    const st = this.state as Exclude<State, { s: 'head' }>;
    const cb = this.cb;
    this.cb = null;
    this.busy = false;
    this.state = { s: 'head' };
    if (this.closeAfter) {
      const sock = this.socket;
      this.socket = null;
      sock?.destroy();
    }
    cb?.(null, { status: st.status, headers: st.headers, body });
  }

  private onData(chunk: Buffer): void {
    if (!this.busy) return; // bytes after a response we did not ask for: ignore
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.parse();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private parse(): void {
    for (;;) {
      const st = this.state;
      if (st.s === 'head') {
        const found = headEnd(this.buf);
        if (!found) {
          if (this.buf.length > MAX_HEAD) throw new Error('response head too large');
          return;
        }
        const [end, terminator] = found;
        const lines = this.buf.toString('latin1', 0, end).split(/\r?\n/);
        this.buf = this.buf.subarray(end + terminator);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
        const status = Number(m[1]);
        // A protocol switch ends HTTP on this connection: what follows is not a
        // response (a "200" after it must not count), so the request fails.
        if (status === 101) throw new Error('server answered 101 Switching Protocols: not an HTTP response');
        if (status >= 100 && status < 200) continue; // interim response (100, 102, 103)
        const headers: Record<string, string> = {};
        for (let i = 1; i < lines.length; i++) {
          const line = lines[i]!;
          const c = line.indexOf(':');
          if (c <= 0) continue;
          const k = line.slice(0, c).trim().toLowerCase();
          const v = line.slice(c + 1).trim();
          headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
        }
        this.closeAfter = /close/i.test(headers['connection'] ?? '') || lines[0]!.startsWith('HTTP/1.0');
        if (this.headOnly || status === 204 || status === 304) {
          this.state = { s: 'length', status, headers, remaining: 0, parts: [] };
        } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
          this.state = { s: 'chunk-size', status, headers, parts: [] };
        } else if (headers['content-length'] !== undefined) {
          const n = Number(headers['content-length']);
          if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad content-length ${headers['content-length']}`);
          this.state = { s: 'length', status, headers, remaining: n, parts: [] };
        } else {
          this.closeAfter = true;
          this.state = { s: 'close', status, headers, parts: [] };
        }
      } else if (st.s === 'length') {
        if (this.buf.length < st.remaining) return;
        const body = Buffer.from(this.buf.subarray(0, st.remaining));
        this.buf = this.buf.subarray(st.remaining);
        this.complete(body);
        return;
      } else if (st.s === 'chunk-size') {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return;
        const size = parseInt(this.buf.toString('latin1', 0, eol).split(';')[0]!, 16);
        if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
        this.buf = this.buf.subarray(eol + 2);
        this.state =
          size === 0
            ? { s: 'trailer', status: st.status, headers: st.headers, parts: st.parts }
            : { ...st, s: 'chunk-data', remaining: size };
      } else if (st.s === 'chunk-data') {
        if (this.buf.length < st.remaining + 2) return;
        st.parts.push(Buffer.from(this.buf.subarray(0, st.remaining)));
        this.buf = this.buf.subarray(st.remaining + 2);
        this.state = { s: 'chunk-size', status: st.status, headers: st.headers, parts: st.parts };
      } else if (st.s === 'trailer') {
        // Trailers end with an empty line; with none, that is the very next CRLF.
        if (this.buf.subarray(0, 2).toString('latin1') === '\r\n') {
          this.buf = this.buf.subarray(2);
        } else {
          const end = this.buf.indexOf(CRLFCRLF);
          if (end < 0) return;
          this.buf = this.buf.subarray(end + 4);
        }
        this.complete(Buffer.concat(st.parts));
        return;
      } else {
        st.parts.push(Buffer.from(this.buf));
        this.buf = Buffer.alloc(0);
        return;
      }
    }
  }
}
