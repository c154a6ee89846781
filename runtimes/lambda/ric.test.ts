// AWS's own Node.js runtime interface client (npm aws-lambda-ric), unmodified, against
// our Runtime API server. It is installed on demand into .cache by install-ric.sh
// (scripts/test.sh runs it and sets FAASBENCH_REQUIRE_RIC=1, so there a missing
// client fails instead of skipping). Its HTTP client is native (rapid-client.node over
// aws-lambda-cpp/libcurl); 4.x needs it even in its "alternative client" mode, which
// only swaps the /next request.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir } from '../../model/workload.js';
import { checkResponse } from '../../harness/verify.js';
import { loadWorkload } from '../../model/workload.js';
import { LambdaAdapter } from './adapter.js';
import { lambdaAssetDir } from './assets.js';
import { LambdaEnvironment, type EnvironmentSpec } from './environment.js';
import { httpEventV2, httpResponseFromPayload } from './events.js';
import type { Outcome } from './runtime-api.js';

const dir = lambdaAssetDir();
const ricDir = join(dir, '.cache/aws-lambda-ric/node_modules/aws-lambda-ric');
const ricMain = join(ricDir, 'index.mjs');
const hasRic = existsSync(ricMain);
const hasNative = existsSync(join(ricDir, 'rapid-client.node'));
const required = process.env['FAASBENCH_REQUIRE_RIC'] === '1';

it('aws-lambda-ric is installed when required', () => {
  if (required) {
    expect(hasRic, `${ricMain} missing: run runtimes/lambda/install-ric.sh`).toBe(true);
    expect(hasNative, 'rapid-client.node missing: the native build failed').toBe(true);
  }
});

let started: LambdaEnvironment[] = [];
afterEach(async () => {
  await Promise.all(started.map((e) => e.stop()));
  started = [];
});

const clients = [
  { name: 'native client', env: {} as Record<string, string> },
  { name: 'alternative /next client', env: { AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1: 'true' } },
];

for (const client of clients) {
  describe.skipIf(!hasNative)(`aws-lambda-ric (${client.name}) against our Runtime API`, () => {
    const spec = (handler: string, taskRoot: string, env: Record<string, string> = {}): EnvironmentSpec => ({
      functionName: 'ric-fn',
      command: process.execPath,
      args: [ricMain],
      handler,
      taskRoot,
      timeoutMs: 10_000,
      initTimeoutMs: 30_000,
      executionEnv: 'AWS_Lambda_nodejs20.x',
      env: { ...client.env, ...env },
    });
    const start = async (s: EnvironmentSpec) => {
      const e = await LambdaEnvironment.start(s);
      started.push(e);
      return e;
    };
    const doc = (o: Outcome) => JSON.parse(Buffer.from(o.payload).toString()) as Record<string, unknown>;

    it('runs a workload through http-adapter.handler: v2 event in, v2 response out', async () => {
      const e = await start(
        spec('http-adapter.handler', dir, {
          FAASBENCH_NODE_HANDLER: join(builtinWorkloadsDir(), 'hello/node/handler.mjs'),
        }),
      );
      for (let i = 0; i < 3; i++) {
        const event = httpEventV2({ method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() });
        const o = await e.invoke({ payload: Buffer.from(JSON.stringify(event)), timeoutMs: 10_000 });
        expect(o.kind, Buffer.from(o.payload).toString()).toBe('response');
        const r = httpResponseFromPayload(o.payload);
        expect(r.ok && r.response.status).toBe(200);
        expect(r.ok && Buffer.from(r.response.body).toString()).toBe('Hello from faasbench\n');
      }
    });

    it('passes the request id, deadline and function name through to the context', async () => {
      const e = await start(spec('handlers.echo', join(dir, 'fixtures')));
      const o = await e.invoke({ payload: Buffer.from('{"k":"v"}'), timeoutMs: 8000, requestId: 'ric-req-1' });
      expect(o.kind).toBe('response');
      const b = doc(o);
      expect(b).toMatchObject({ event: { k: 'v' }, awsRequestId: 'ric-req-1', functionName: 'ric-fn' });
      expect(b.remaining as number).toBeGreaterThan(0);
      expect(b.remaining as number).toBeLessThanOrEqual(8000);
    });

    it('posts a thrown error to /invocation/{id}/error', async () => {
      const e = await start(spec('handlers.throws', join(dir, 'fixtures')));
      const o = await e.invoke({ payload: Buffer.from('{}'), timeoutMs: 8000 });
      expect(o).toMatchObject({ kind: 'error', source: 'function' });
      expect(doc(o)).toMatchObject({ errorType: 'TypeError', errorMessage: 'handler failed on purpose' });
    });

    it('posts an init failure to /runtime/init/error', async () => {
      await expect(LambdaEnvironment.start(spec('init-throws.handler', join(dir, 'fixtures')))).rejects.toThrow(
        /init failed on purpose/,
      );
    });

    it('is killed and reported as timed out when the handler never returns', async () => {
      const e = await start(spec('handlers.spin', join(dir, 'fixtures')));
      const o = await e.invoke({ payload: Buffer.from('{}'), timeoutMs: 700 });
      expect(o).toMatchObject({ kind: 'error', errorType: 'Sandbox.Timedout' });
      expect(e.alive).toBe(false);
    });
  });
}

describe.skipIf(!hasNative)('lambda adapter with FAASBENCH_LAMBDA_NODE_CLIENT=aws-lambda-ric', () => {
  it("serves every request of the echo workload byte-identically through AWS's client", async () => {
    const adapter = new LambdaAdapter({ nodeClient: 'aws-lambda-ric' });
    try {
      const w = loadWorkload(join(builtinWorkloadsDir(), 'echo'));
      const { instance } = await adapter.start(await adapter.prepare(w, 'node'));
      for (const req of w.requests) {
        const r = await adapter.invoke(instance, req);
        expect(checkResponse(req.expect, r.response), req.name).toEqual({ ok: true });
      }
      expect((await adapter.describeVersions()).lambdaNodeClient).toBe('aws-lambda-ric');
    } finally {
      await adapter.dispose();
    }
  });
});
