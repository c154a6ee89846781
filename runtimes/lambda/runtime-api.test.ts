// The Runtime API contract, endpoint by endpoint, with this test playing the runtime.
import http from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readBodyLimited } from '../shared/http.js';
import {
  EnvironmentBusyError,
  MAX_EVENT_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_TIMEOUT_MS,
  RuntimeApiServer,
  type Outcome,
} from './runtime-api.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function call(
  api: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const json = (r: Reply) => JSON.parse(r.body.toString()) as Record<string, unknown>;
const R = '/2018-06-01/runtime';

let servers: RuntimeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(
  opts: Partial<ConstructorParameters<typeof RuntimeApiServer>[0]> = {},
): Promise<{ s: RuntimeApiServer; api: string }> {
  const s = new RuntimeApiServer({ functionName: 'fn', ...opts });
  servers.push(s);
  return { s, api: await s.listen() };
}
const event = (text: string, timeoutMs = 5000) => ({ payload: Buffer.from(text), timeoutMs });

describe('GET /runtime/invocation/next', () => {
  it('blocks until an event arrives, then hands it out with the invocation headers', async () => {
    let initDone = 0;
    const { s, api } = await server({ hooks: { onInitDone: () => initDone++ } });
    const next = call(api, 'GET', `${R}/invocation/next`);
    const raced = await Promise.race([
      next.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('blocked'), 200)),
    ]);
    expect(raced).toBe('blocked');
    expect(initDone).toBe(1);
    const before = Date.now();
    const outcome = s.submit({
      ...event('{"a":1}', 4000),
      requestId: 'req-1',
      traceId: 'Root=1-abc',
      clientContext: '{"c":1}',
      cognitoIdentity: '{"id":"x"}',
    });
    const r = await next;
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('{"a":1}');
    expect(r.headers['lambda-runtime-aws-request-id']).toBe('req-1');
    expect(r.headers['lambda-runtime-invoked-function-arn']).toBe('arn:aws:lambda:us-east-1:000000000000:function:fn');
    expect(r.headers['lambda-runtime-trace-id']).toBe('Root=1-abc');
    expect(r.headers['lambda-runtime-client-context']).toBe('{"c":1}');
    expect(r.headers['lambda-runtime-cognito-identity']).toBe('{"id":"x"}');
    const deadline = Number(r.headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThanOrEqual(before + 4000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 4000);
    expect((await call(api, 'POST', `${R}/invocation/req-1/response`, '"ok"')).status).toBe(202);
    expect(await outcome).toMatchObject({ kind: 'response', requestId: 'req-1' });
  });

  it('omits the client-context and cognito headers when not given, and generates ids', async () => {
    const { s, api } = await server();
    const outcome = s.submit(event('{}'));
    const r = await call(api, 'GET', `${R}/invocation/next`);
    expect(r.headers['lambda-runtime-client-context']).toBeUndefined();
    expect(r.headers['lambda-runtime-cognito-identity']).toBeUndefined();
    const id = String(r.headers['lambda-runtime-aws-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(r.headers['lambda-runtime-trace-id'])).toMatch(/^Root=1-/);
    await call(api, 'POST', `${R}/invocation/${id}/response`, 'null');
    await outcome;
  });

  it('refuses a second /next while an invocation is in flight (403)', async () => {
    const { s, api } = await server();
    void s.submit(event('{}'));
    const r = await call(api, 'GET', `${R}/invocation/next`);
    const again = await call(api, 'GET', `${R}/invocation/next`);
    expect(again.status).toBe(403);
    expect(json(again).errorType).toBe('InvalidStateTransition');
    expect(r.status).toBe(200);
  });
});

describe('POST /runtime/invocation/{id}/response', () => {
  it('accepts the response once (202), then 403 for the finished id, 400 for an unknown id', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'r1' });
    await call(api, 'GET', `${R}/invocation/next`);
    expect((await call(api, 'POST', `${R}/invocation/nope/response`, '1')).status).toBe(400);
    const ok = await call(api, 'POST', `${R}/invocation/r1/response`, '{"x":2}');
    expect(ok.status).toBe(202);
    expect(json(ok)).toEqual({ status: 'OK' });
    const o = (await outcome) as Extract<Outcome, { kind: 'response' }>;
    expect(Buffer.from(o.payload).toString()).toBe('{"x":2}');
    expect(o.durationNs).toBeGreaterThan(0);
    const late = await call(api, 'POST', `${R}/invocation/r1/response`, '1');
    expect(late.status).toBe(403);
    expect(json(late).errorType).toBe('InvalidStateTransition');
    const unknown = await call(api, 'POST', `${R}/invocation/never-issued/response`, '1');
    expect(unknown.status).toBe(400);
    expect(json(unknown).errorType).toBe('InvalidRequestID');
  });

  it('rejects a response over 6 MiB with 413 and fails the invocation', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'big' });
    await call(api, 'GET', `${R}/invocation/next`);
    const r = await call(api, 'POST', `${R}/invocation/big/response`, Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x61));
    expect(r.status).toBe(413);
    expect(json(r).errorType).toBe('RequestEntityTooLarge');
    expect(await outcome).toMatchObject({ kind: 'error', errorType: 'Function.ResponseSizeTooLarge', source: 'size' });
  });

  it('accepts a response of exactly 6 MiB', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'edge' });
    await call(api, 'GET', `${R}/invocation/next`);
    expect(
      (await call(api, 'POST', `${R}/invocation/edge/response`, Buffer.alloc(MAX_RESPONSE_BYTES, 0x61))).status,
    ).toBe(202);
    expect((await outcome).payload.length).toBe(MAX_RESPONSE_BYTES);
  });
});

describe('POST /runtime/invocation/{id}/error', () => {
  it('records the error document and type (202)', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'e1' });
    await call(api, 'GET', `${R}/invocation/next`);
    const doc = { errorMessage: 'boom', errorType: 'TypeError', stackTrace: ['at x'] };
    const r = await call(api, 'POST', `${R}/invocation/e1/error`, JSON.stringify(doc), {
      'lambda-runtime-function-error-type': 'Unhandled',
    });
    expect(r.status).toBe(202);
    const o = await outcome;
    expect(o).toMatchObject({ kind: 'error', errorType: 'TypeError', source: 'function' });
    expect(JSON.parse(Buffer.from(o.payload).toString())).toEqual(doc);
    expect((await call(api, 'POST', `${R}/invocation/e1/error`, '{}')).status).toBe(403);
    expect((await call(api, 'POST', `${R}/invocation/zzz/error`, '{}')).status).toBe(400);
  });

  it('builds the error from the header when the body is unreadable', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'e2' });
    await call(api, 'GET', `${R}/invocation/next`);
    await call(api, 'POST', `${R}/invocation/e2/error`, 'not json', {
      'lambda-runtime-function-error-type': 'Runtime.Custom',
    });
    const o = await outcome;
    expect(o).toMatchObject({ kind: 'error', errorType: 'Runtime.Custom' });
    expect(JSON.parse(Buffer.from(o.payload).toString())).toMatchObject({ errorType: 'Runtime.Custom' });
  });
});

describe('POST /runtime/init/error', () => {
  it('accepts an init error before the first /next (202), then the API answers 500 (the runtime must exit)', async () => {
    const seen: string[] = [];
    const { api } = await server({ hooks: { onInitError: (e) => seen.push(`${e.errorType}:${e.errorMessage}`) } });
    const r = await call(
      api,
      'POST',
      `${R}/init/error`,
      JSON.stringify({ errorMessage: 'no module', errorType: 'Runtime.ImportModuleError', stackTrace: [] }),
      {
        'lambda-runtime-function-error-type': 'Runtime.ImportModuleError',
      },
    );
    expect(r.status).toBe(202);
    expect(seen).toEqual(['Runtime.ImportModuleError:no module']);
    const next = await call(api, 'GET', `${R}/invocation/next`);
    expect(next.status).toBe(500);
  });

  it('refuses an init error after init (403)', async () => {
    const { s, api } = await server();
    void s.submit(event('{}'));
    await call(api, 'GET', `${R}/invocation/next`);
    const r = await call(api, 'POST', `${R}/init/error`, '{}');
    expect(r.status).toBe(403);
    expect(json(r).errorType).toBe('InvalidStateTransition');
  });
});

describe('environment state', () => {
  it('serves one invocation at a time: a second submit is refused while one is queued or in flight', async () => {
    const { s, api } = await server();
    const first = s.submit({ ...event('{}'), requestId: 'one' });
    await expect(s.submit(event('{}'))).rejects.toBeInstanceOf(EnvironmentBusyError);
    await call(api, 'GET', `${R}/invocation/next`);
    await expect(s.submit(event('{}'))).rejects.toBeInstanceOf(EnvironmentBusyError);
    await call(api, 'POST', `${R}/invocation/one/response`, '1');
    await first;
    const second = s.submit({ ...event('{}'), requestId: 'two' });
    const r = await call(api, 'GET', `${R}/invocation/next`);
    expect(r.headers['lambda-runtime-aws-request-id']).toBe('two');
    await call(api, 'POST', `${R}/invocation/two/response`, '2');
    await second;
  });

  it('times an invocation out at its deadline and asks for a reset', async () => {
    const timeouts: string[] = [];
    const { s, api } = await server({ hooks: { onTimeout: (id) => timeouts.push(id) } });
    const outcome = s.submit({ ...event('{}', 300), requestId: 'slow' });
    await call(api, 'GET', `${R}/invocation/next`);
    const o = await outcome;
    expect(o).toMatchObject({ kind: 'error', errorType: 'Sandbox.Timedout', source: 'timeout' });
    expect(JSON.parse(Buffer.from(o.payload).toString()).errorMessage).toMatch(/Task timed out after 0.30 seconds/);
    expect(timeouts).toEqual(['slow']);
    expect((await call(api, 'POST', `${R}/invocation/slow/response`, '1')).status).toBe(403);
  });

  it('answers a parked /next with 500 when shutting down', async () => {
    const { s, api } = await server();
    const next = call(api, 'GET', `${R}/invocation/next`);
    await new Promise((r) => setTimeout(r, 100));
    await s.close();
    expect((await next).status).toBe(500);
  });

  it('404s unknown paths', async () => {
    const { api } = await server();
    expect((await call(api, 'GET', '/2018-06-01/runtime/nothing')).status).toBe(404);
    expect((await call(api, 'GET', '/2019-01-01/runtime/invocation/next')).status).toBe(404);
  });
});

describe('Runtime Interface Emulator invoke endpoint', () => {
  it('POST /2015-03-31/functions/function/invocations runs the event through the runtime', async () => {
    const { api } = await server();
    const fake = (async () => {
      const n = await call(api, 'GET', `${R}/invocation/next`);
      const id = String(n.headers['lambda-runtime-aws-request-id']);
      await call(api, 'POST', `${R}/invocation/${id}/response`, JSON.stringify({ got: JSON.parse(n.body.toString()) }));
      const n2 = await call(api, 'GET', `${R}/invocation/next`);
      const id2 = String(n2.headers['lambda-runtime-aws-request-id']);
      await call(
        api,
        'POST',
        `${R}/invocation/${id2}/error`,
        JSON.stringify({ errorMessage: 'bad', errorType: 'Error', stackTrace: [] }),
      );
    })();
    const ok = await call(api, 'POST', '/2015-03-31/functions/function/invocations', '{"n":1}');
    expect(ok.status).toBe(200);
    expect(json(ok)).toEqual({ got: { n: 1 } });
    const bad = await call(api, 'POST', '/2015-03-31/functions/function/invocations', '{}');
    expect(bad.status).toBe(200);
    expect(bad.headers['x-amz-function-error']).toBe('Unhandled');
    expect(json(bad)).toMatchObject({ errorMessage: 'bad' });
    await fake;
  });
});

describe('hostile runtime clients and callers', () => {
  it('answers a malformed percent-escape in the request id with 400 InvalidRequestID and keeps serving', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'after' });
    await call(api, 'GET', `${R}/invocation/next`);
    for (const kind of ['response', 'error']) {
      const r = await call(api, 'POST', `${R}/invocation/%E0%A4%A/${kind}`, '{}');
      expect(r.status).toBe(400);
      expect(json(r)).toMatchObject({ errorType: 'InvalidRequestID' });
      expect(String(json(r).errorMessage)).toContain('%E0%A4%A');
    }
    // still serving: the real invocation completes
    expect((await call(api, 'POST', `${R}/invocation/after/response`, '"fine"')).status).toBe(202);
    expect(await outcome).toMatchObject({ kind: 'response', requestId: 'after' });
  });

  it('decodes a well-formed escaped request id', async () => {
    const { s, api } = await server();
    const outcome = s.submit({ ...event('{}'), requestId: 'a b/c' });
    await call(api, 'GET', `${R}/invocation/next`);
    expect((await call(api, 'POST', `${R}/invocation/a%20b%2Fc/response`, '1')).status).toBe(202);
    expect(await outcome).toMatchObject({ kind: 'response', requestId: 'a b/c' });
  });
});

describe('RIE invoke endpoint limits', () => {
  const INVOKE = '/2015-03-31/functions/function/invocations';

  it('refuses an event over 6 MiB with 413 RequestEntityTooLargeException; the function never sees it', async () => {
    const { s, api } = await server();
    let delivered = 0;
    const runtime = (async () => {
      const n = await call(api, 'GET', `${R}/invocation/next`);
      delivered++;
      const id = String(n.headers['lambda-runtime-aws-request-id']);
      await call(api, 'POST', `${R}/invocation/${id}/response`, String(n.body.length));
    })();
    const big = await call(api, 'POST', INVOKE, Buffer.alloc(8 * 1024 * 1024, 0x61));
    expect(big.status).toBe(413);
    expect(json(big)).toMatchObject({ errorType: 'RequestEntityTooLargeException' });
    expect(String(json(big).errorMessage)).toMatch(/6291456 bytes/);
    expect(big.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(delivered).toBe(0);
    expect(s.busy).toBe(false);
    // exactly the limit still goes through, whole
    const edge = await call(api, 'POST', INVOKE, Buffer.alloc(MAX_EVENT_BYTES, 0x61));
    expect(edge.status).toBe(200);
    expect(edge.body.toString()).toBe(String(MAX_EVENT_BYTES));
    await runtime;
  });

  it('refuses a body sent without Content-Length (chunked) once it passes the limit', async () => {
    const { api } = await server();
    const [host, port] = api.split(':');
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host,
          port: Number(port),
          method: 'POST',
          path: INVOKE,
          agent: false,
          headers: { 'transfer-encoding': 'chunked' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(1024 * 1024, 0x62));
      req.end();
    });
    expect(r.status).toBe(413);
    expect(json(r)).toMatchObject({ errorType: 'RequestEntityTooLargeException' });
  });

  it('reads no more than the limit + 1 bytes of a body (then stops pulling)', async () => {
    let pulled = 0;
    const chunk = 64 * 1024;
    const src = new Readable({
      highWaterMark: chunk,
      read() {
        pulled += chunk;
        this.push(Buffer.alloc(chunk, 0x63));
      }, // endless
    });
    const limit = 1024 * 1024;
    const r = await readBodyLimited(src, limit);
    expect(r.tooLarge).toBe(true);
    expect(r.body.length).toBeLessThanOrEqual(limit + 1);
    await new Promise((res) => setTimeout(res, 50));
    // what was pulled: up to the chunk that crossed the limit, plus the stream's own read-ahead
    expect(pulled).toBeLessThanOrEqual(limit + 3 * chunk);
    src.destroy();
  });

  it('refuses a timeout header that is not a whole number of milliseconds within the maximum (400)', async () => {
    const { s, api } = await server();
    for (const bad of [
      'abc',
      '',
      '0',
      '-5',
      '1.5',
      '1e3',
      '0x10',
      String(MAX_TIMEOUT_MS + 1),
      '99999999999999999999',
      '100, 200',
    ]) {
      const r = await call(api, 'POST', INVOKE, '{}', { 'x-faasbench-timeout-ms': bad });
      expect(r.status, bad).toBe(400);
      expect(json(r).errorType, bad).toBe('InvalidParameterValueException');
      expect(String(json(r).errorMessage), bad).toMatch(/x-faasbench-timeout-ms/);
      expect(s.busy, bad).toBe(false);
    }
    // a valid one is used as the function timeout
    const runtime = (async () => {
      const n = await call(api, 'GET', `${R}/invocation/next`);
      await call(
        api,
        'POST',
        `${R}/invocation/${String(n.headers['lambda-runtime-aws-request-id'])}/response`,
        n.headers['lambda-runtime-deadline-ms'] as string,
      );
    })();
    const before = Date.now();
    const ok = await call(api, 'POST', INVOKE, '{}', { 'x-faasbench-timeout-ms': '4321' });
    expect(ok.status).toBe(200);
    const deadline = Number(ok.body.toString());
    expect(deadline).toBeGreaterThanOrEqual(before + 4321);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 4321);
    await runtime;
  });
});
