// Seeded fuzz of the WAGI response boundary (issue 12): random CGI output (header
// names and values with any byte incl. CR/LF/NUL/DEL/0x80-0xff, statuses incl. 1xx,
// 0, 999 and words, repeated and framing headers, LF or CRLF, a missing blank line,
// bodies small and large) goes through the real server over ONE kept-alive
// connection. Every answer must be a final status the guest's output defines (its
// own when parseCgiOutput accepts it, else a 500 with the reason), carry exactly the
// guest's accepted header lines and body, and the connection must stay in sync: each
// body is unique, so a response that leaked into the next would show. Most cases use
// a scripted executor (the server's real parsing and writing, ~1 ms a case); every
// WASM_EVERY-th runs a real wasm guest printing that output. A failure names its
// seed and case: FAASBENCH_FUZZ_SEED=<seed> replays it.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../model/random.js';
import { guestModule } from '../../test/wasm-fixtures.js';
import { parseCgiOutput } from '../shared/cgi.js';
import { InlineExecutor, type ExecOutcome, type ExecRequest, type Executor } from './executor.js';
import { compileCommand } from './module.js';
import { startWagiServer, type WagiServer } from './server.js';

const SEED = Number(process.env.FAASBENCH_FUZZ_SEED ?? 20261201);
const CASES = 400;
const WASM_EVERY = 10;

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)]!;

const NAMES = [
  'Content-Type',
  'content-type',
  'Status',
  'Location',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
  'Keep-Alive',
  'Upgrade',
  'Proxy-Connection',
  'TE',
  'Trailer',
  'Set-Cookie',
  'Set-Cookie',
  'X-A',
  'X-Dup',
  'X-Dup',
  'Server-Timing',
  '__proto__',
  'constructor',
  'Date',
  'Host',
];
const STATUSES = [
  '200',
  '201 Created',
  '204',
  '302 Found',
  '304',
  '404 Not Found',
  '500',
  '599',
  '100',
  '101 Switching Protocols',
  '103',
  '199',
  '0',
  '999',
  '600',
  'abc',
  '',
  '2000',
  '20',
  '200abc',
  '\t404',
];
const LENGTHS = ['2', '0', 'abc', '99999999', '-1', '1e3'];
/** Value bytes: mostly plain, with every kind of byte HTTP refuses or treats specially. */
const VALUE_BYTES = [
  'a',
  'b',
  'z',
  '0',
  '9',
  ' ',
  ' ',
  '\t',
  ';',
  ',',
  '=',
  ':',
  '/',
  '"',
  '\r',
  '\n',
  '\0',
  '\x7f',
  '\x1b',
  '\x0b',
  '\x0c',
  '\x80',
  '\xa0',
  '\xe9',
  '\xff',
];
const NAME_BYTES = ['x', '-', 'A', '_', '.', '!', '~', ' ', '\t', '(', '@', '\0', '\r', '\xe9', '\x7f'];

function randomBytes(r: Random, alphabet: readonly string[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, alphabet);
  return s;
}

const VALID_STATUSES = STATUSES.slice(0, 8);
const VALID_VALUE_BYTES = VALUE_BYTES.filter((c) => c === '\t' || (c >= ' ' && c !== '\x7f'));

/**
 * One random CGI output; bodies are unique per case (they start with the case number).
 * Half the cases are hostile (any byte, any status, lines without a colon, a missing
 * blank line); the other half stay within what a guest may send, so the writer's
 * side is exercised as much as the refusals.
 */
function cgiOutput(r: Random, id: number): Buffer {
  const hostile = r() < 0.5;
  const valueBytes = hostile ? VALUE_BYTES : VALID_VALUE_BYTES;
  const lines: string[] = [];
  const body =
    `#${id}#` +
    (r() < 0.1
      ? randomBytes(r, ['q', 'r', '\n', '\0', '\xff'], 64 * 1024 + int(r, 200 * 1024))
      : randomBytes(r, VALUE_BYTES, int(r, 300)));
  if (r() < 0.7) lines.push('Content-Type: text/plain');
  for (let n = int(r, 8); n > 0; n--) {
    const roll = r();
    if (hostile && roll < 0.04) {
      lines.push(randomBytes(r, VALUE_BYTES, int(r, 12)));
      continue;
    } // maybe no colon
    const name = hostile && roll < 0.12 ? randomBytes(r, NAME_BYTES, 1 + int(r, 6)) : pick(r, NAMES);
    let value: string;
    if (name === 'Status') value = pick(r, hostile ? STATUSES : VALID_STATUSES);
    else if (name === 'Content-Length')
      value = r() < 0.3 ? String(Buffer.byteLength(body, 'latin1')) : pick(r, LENGTHS);
    else if (name === 'Connection') value = pick(r, ['close', 'keep-alive', 'upgrade', 'close, X-A', 'X-Dup']);
    else if (name === 'Transfer-Encoding') value = pick(r, ['chunked', 'gzip, chunked', 'identity']);
    else
      value = r() < 0.6 ? randomBytes(r, VALUE_BYTES.slice(0, 14), int(r, 20)) : randomBytes(r, valueBytes, int(r, 20));
    lines.push(`${name}:${r() < 0.8 ? ' ' : ''}${value}`);
  }
  const eol = () => (r() < 0.5 ? '\n' : '\r\n');
  const head = lines.map((l) => l + eol()).join('');
  const blank = hostile && r() < 0.15 ? '' : eol();
  return Buffer.from(head + blank + body, 'latin1');
}

/** Hands the server the output of the next case: scripted, or from a real wasm guest printing it. */
class ScriptedExecutor implements Executor {
  readonly name = 'scripted';
  private readonly inline = new InlineExecutor();
  next: { stdout: Buffer; module: WebAssembly.Module | null } | null = null;
  async execute(_module: WebAssembly.Module, req: ExecRequest): Promise<ExecOutcome> {
    const next = this.next;
    if (!next) throw new Error('no case queued');
    this.next = null;
    if (next.module) return this.inline.execute(next.module, req);
    return {
      end: { kind: 'exit', code: 0 },
      stdout: next.stdout,
      stderr: new Uint8Array(),
      instantiateNs: 1000,
      runNs: 1000,
    };
  }
  async close(): Promise<void> {}
}

interface Got {
  status: number;
  rawHeaders: string[];
  body: Buffer;
  reused: boolean;
}

function request(agent: http.Agent, url: string, method: string, id: number): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/case/${id}`, { method, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
          reused: req.reusedSocket,
        }),
      );
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no complete response within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

describe(`WAGI response boundary fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  const executor = new ScriptedExecutor();
  const logged: string[] = [];
  let server: WagiServer;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    server = await startWagiServer({
      module: await compileCommand(guestModule({}), 'fuzz'),
      executor,
      name: 'fuzz',
      onGuestError: (l) => logged.push(l),
    });
  });
  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  it('every case gets its own defined answer on the one kept-alive connection', async () => {
    const r = rng(SEED);
    const tally = { ok: 0, refused: 0, wasm: 0, head: 0 };
    for (let id = 0; id < CASES; id++) {
      const stdout = cgiOutput(r, id);
      const method = r() < 0.1 ? 'HEAD' : 'GET';
      // The fixture guest keeps its output in one 64 KiB page: large bodies stay scripted.
      const wasm = id % WASM_EVERY === 0 && stdout.length < 32 * 1024;
      executor.next = { stdout, module: wasm ? await compileCommand(guestModule({ stdout }), 'case') : null };
      const where = `seed ${SEED} case ${id} (${method}${wasm ? ', wasm' : ''}): output ${JSON.stringify(stdout.subarray(0, 300).toString('latin1'))}`;
      const got = await request(agent, server.url, method, id);
      const parsed = parseCgiOutput(stdout);

      expect(got.reused, where).toBe(id > 0); // never a new connection: the old one stayed usable
      expect(got.status, where).toBeGreaterThanOrEqual(200);
      expect(got.status, where).toBeLessThanOrEqual(599);
      const names = got.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names.filter((n) => n === 'content-length').length, where).toBeLessThanOrEqual(1);
      expect(names, where).not.toContain('transfer-encoding');
      expect(names, where).not.toContain('upgrade');
      expect(
        names.filter((n) => n === 'connection'),
        where,
      ).toEqual(['connection']);
      expect(names.filter((n) => n === 'server-timing').length, where).toBe(1);

      if (parsed.ok) {
        tally.ok++;
        expect(got.status, where).toBe(parsed.response.status);
        const noBody = method === 'HEAD' || got.status === 204 || got.status === 304;
        expect(got.body.equals(noBody ? Buffer.alloc(0) : Buffer.from(parsed.response.body)), where).toBe(true);
        // The guest's accepted header lines, each as its own line, in its order.
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < got.rawHeaders.length; i += 2) pairs.push([got.rawHeaders[i]!, got.rawHeaders[i + 1]!]);
        const expected = parsed.fields.filter(([n]) => n !== 'server-timing');
        expect(
          pairs.filter(([n]) => expected.some(([f]) => f === n)),
          where,
        ).toEqual(expected);
      } else {
        tally.refused++;
        expect(got.status, where).toBe(500);
        if (method !== 'HEAD') expect(got.body.toString('utf8'), where).toBe(`${parsed.reason}\n`);
        expect(logged.at(-1), where).toBe(parsed.reason);
      }
      if (wasm) tally.wasm++;
      if (method === 'HEAD') tally.head++;
    }
    console.log(`wagi fuzz seed ${SEED}: ${JSON.stringify(tally)}`);
    // The generator reaches both sides of the boundary, through both paths.
    expect(tally.ok).toBeGreaterThan(CASES / 10);
    expect(tally.refused).toBeGreaterThan(CASES / 10);
    expect(tally.wasm).toBeGreaterThan(0);
    expect(tally.head).toBeGreaterThan(0);
    expect(server.pendingResponseBytes().now).toBe(0);
  }, 120_000);
});
