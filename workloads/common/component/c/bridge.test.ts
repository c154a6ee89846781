// The WAGI bridge (bridge.c + wagi-stdio.h): a test workload (testdata/cgicases.c) that
// writes CGI output edge cases is built as the wasm variant (scripts/build-workloads.ts)
// and as the component-c variant (scripts/build-c-components.ts), and each case is run
// on both: valid output must give the same response through the bridge as through the
// reference runtime's CGI parser (runtimes/shared/cgi.ts), invalid output a 500 where the
// reference refuses it. Needs clang for wasm32-wasi and wit-bindgen (scripts/test.sh
// installs both).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload, type LoadedWorkload } from '../../../../model/workload.js';
import { defaultRunners, diffResponses, type VariantRunners } from '../../../../harness/conform/workloads.js';
import type { FunctionRequest, FunctionResponse } from '../../../../runtimes/types.js';
import { prepareComponent, type PreparedComponent } from '../../../../runtimes/wasm/component/prepare.js';
import { ComponentThreadExecutor } from '../../../../runtimes/wasm/component/executor.js';
import { functionResponseOf } from '../../../../runtimes/wasm/component/http.js';

const scripts = join(builtinWorkloadsDir(), '..', 'scripts');
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-bridge-'));
let workload: LoadedWorkload;
let runners: VariantRunners;
let executor: ComponentThreadExecutor;
let component: PreparedComponent;

function script(name: string): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(scripts, name), '--workloads', tmp], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stdout}${r.stderr}`);
}

beforeAll(async () => {
  cpSync(join(builtinWorkloadsDir(), 'common'), join(tmp, 'common'), { recursive: true });
  const dir = join(tmp, 'cgicases');
  mkdirSync(dir);
  copyFileSync(join(import.meta.dirname, 'testdata', 'cgicases.c'), join(dir, 'cgicases.c'));
  writeFileSync(
    join(dir, 'workload.json'),
    JSON.stringify({
      name: 'cgicases',
      description: 'CGI output edge cases (bridge.test.ts)',
      variants: { wasm: { source: 'cgicases.c', artifact: 'build/cgicases.wasm', sha256: '0'.repeat(64) } },
      requests: [{ name: 'default', expect: { status: 200 } }],
    }),
  );
  script('build-workloads.ts');
  script('build-c-components.ts');
  workload = loadWorkload(dir);
  runners = defaultRunners({ timeoutMs: 30_000 });
  executor = new ComponentThreadExecutor({ size: 1, deadlineMs: 30_000 });
  component = await prepareComponent(readFileSync(workload.variantPaths['component-c']!), 'cgicases');
}, 300_000);

afterAll(async () => {
  await runners?.close();
  await executor?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const get = (query: string): FunctionRequest => ({ method: 'GET', path: '/', query, headers: {}, body: new Uint8Array() });
const text = (r: FunctionResponse) => Buffer.from(r.body).toString('latin1');

/** The same request on the wasm variant (reference CGI parser) and the component-c variant. */
async function both(req: FunctionRequest): Promise<{ wasm: FunctionResponse | Error; c: FunctionResponse }> {
  const wasm = await (await runners.get(workload, 'wasm'))(req).catch((e: Error) => e);
  const c = await (await runners.get(workload, 'component-c'))(req);
  return { wasm, c };
}

describe('the WAGI bridge turns CGI output into the same response as the reference runtime', () => {
  it('records the component-c variant in the manifest, pinned by SHA-256', () => {
    const entry = workload.manifest.variants['component-c'];
    expect(entry?.source).toBe('cgicases.c');
    expect(entry?.artifact).toBe('build/cgicases.component-c.wasm');
    expect(entry?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['case=status', 404, {}, 'nope\n'],
    ['case=location', 302, { location: '/elsewhere' }, ''],
    ['case=crlf', 200, { 'content-type': 'text/plain', 'x-a': 'spaced' }, 'body\r\n'],
    ['case=repeat', 200, { 'content-type': 'text/plain', 'set-cookie': 'a=1, b=2' }, ''],
    ['case=stdio', 200, { 'content-type': 'text/plain' }, 'puts line\n!\n'],
    ['', 200, { 'content-type': 'text/plain' }, 'default\n'],
  ] as const)('%s: status, headers and body as the reference parses them', async (query, status, headers, body) => {
    const { wasm, c } = await both(get(query));
    expect(wasm).not.toBeInstanceOf(Error);
    expect(diffResponses(wasm as FunctionResponse, c)).toBeNull();
    expect(c.status).toBe(status);
    expect(c.headers).toMatchObject(headers);
    expect(text(c)).toBe(body);
  });

  it('drops framing and hop-by-hop fields, and those a Connection field names', async () => {
    const { wasm, c } = await both(get('case=dropped'));
    expect(diffResponses(wasm as FunctionResponse, c)).toBeNull();
    expect(c.headers).toEqual({ 'content-type': 'text/plain', 'x-keep': '2' });
    expect(text(c)).toBe('longer body\n');
  });

  it('sends a body larger than one stream write (100 000 bytes) whole', async () => {
    const { wasm, c } = await both(get('case=big'));
    expect(c.body.length).toBe(100_000);
    expect(diffResponses(wasm as FunctionResponse, c)).toBeNull();
  });

  it('gives the workload the CGI environment and the body on stdin', async () => {
    const req: FunctionRequest = {
      method: 'POST',
      path: '/some/path',
      query: 'case=env',
      headers: { 'content-type': 'text/x-test', 'x-multi': 'm1', authorization: 'secret' },
      body: Buffer.from('hello body'),
    };
    const { wasm, c } = await both(req);
    expect(diffResponses(wasm as FunctionResponse, c)).toBeNull();
    expect(text(c)).toBe('POST /some/path [case=env] 10 text/x-test m1 (withheld)|hello body');
  });

  it('joins a repeated request header with ", " as the WAGI host does', async () => {
    const out = await executor.handle(component, {
      method: 'PUT',
      pathWithQuery: '/?case=env',
      authority: 'localhost',
      headers: [
        ['X-Multi', 'm1'],
        ['x-multi', 'm2'],
      ],
      body: new Uint8Array(),
    });
    expect(out.end.kind).toBe('ok');
    expect(text(functionResponseOf(out.response!))).toBe('PUT / [case=env] 0 - m1, m2 (withheld)|');
  });

  it.each(['case=no-blank-line', 'case=no-type', 'case=bad-status', 'case=bad-byte', 'case=exit'])(
    '%s: refused by the reference, a 500 with the reason through the bridge',
    async (query) => {
      const { wasm, c } = await both(get(query));
      expect(wasm).toBeInstanceOf(Error);
      expect(c.status).toBe(500);
      expect(c.headers['content-type']).toBe('text/plain');
      expect(text(c)).toMatch(
        query === 'case=exit' ? /^the function exited with code 3\n$/ : /^(CGI|invalid|malformed|more).*\n$/,
      );
    },
  );
});
