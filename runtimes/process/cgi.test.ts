import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir } from '../../model/workload.js';
import { runCgiProcess } from './cgi.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-cgi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${text}\n`);
  chmodSync(p, 0o755);
  return p;
}

const get = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() };
const PATH = { PATH: '/usr/bin:/bin' };

describe('runCgiProcess', () => {
  it('runs the native hello variant as a CGI program', async () => {
    const r = await runCgiProcess(join(builtinWorkloadsDir(), 'hello', 'build', 'hello.native'), get);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain');
    expect(Buffer.from(r.body).toString()).toBe('Hello from faasbench\n');
    expect(r.totalNs).toBeGreaterThan(0);
  });

  it('passes the CGI environment and the body on stdin', async () => {
    const p = script(
      'env.sh',
      'printf "Status: 201\\nContent-Type: text/plain\\n\\n%s %s %s %s|" "$REQUEST_METHOD" "$PATH_INFO" "$QUERY_STRING" "$HTTP_X_A"; cat',
    );
    const r = await runCgiProcess(
      p,
      { method: 'POST', path: '/p', query: 'a=1', headers: { 'x-a': 'v' }, body: Buffer.from('body!') },
      { extraEnv: PATH },
    );
    expect(r.status).toBe(201);
    expect(Buffer.from(r.body).toString()).toBe('POST /p a=1 v|body!');
  });

  it('kills a process that runs past the timeout', async () => {
    const p = script('slow.sh', 'sleep 10');
    await expect(runCgiProcess(p, get, { timeoutMs: 200, extraEnv: PATH })).rejects.toThrow(/timed out after 200 ms/);
  });

  it('kills a process whose output exceeds the cap', async () => {
    const p = script('big.sh', 'printf "Content-Type: text/plain\\n\\n"; yes');
    await expect(runCgiProcess(p, get, { maxOutputBytes: 100_000, extraEnv: PATH })).rejects.toThrow(
      /exceeded 100000 bytes/,
    );
  });

  it('reports a non-zero exit with stderr, and malformed output', async () => {
    await expect(runCgiProcess(script('fail.sh', 'echo oops >&2; exit 3'), get)).rejects.toThrow(
      /code 3; stderr: oops/,
    );
    await expect(runCgiProcess(script('bad.sh', 'echo no headers'), get)).rejects.toThrow(/no blank line/);
    await expect(runCgiProcess(join(dir, 'missing'), get)).rejects.toThrow(/ENOENT/);
  });
});
