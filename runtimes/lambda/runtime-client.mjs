// A minimal Lambda Runtime API client (plain ESM, no dependencies) shared by the
// bootstraps in this folder: GET /runtime/invocation/next in a loop, POST the result
// or the error, POST /runtime/init/error when init fails. Runs from the source tree
// and from dist alike (it is never compiled).
import http from 'node:http';

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const BASE = '/2018-06-01/runtime';
const [HOST, PORT] = (API ?? '127.0.0.1:9001').split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const req = http.request(
      {
        host: HOST,
        port: Number(PORT),
        method,
        path: BASE + path,
        agent,
        headers: data ? { ...headers, 'content-length': data.length } : headers,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** {errorType, errorMessage, stackTrace} from anything thrown. */
export function errorDocument(err, fallbackType = 'Error') {
  if (err instanceof Error) {
    return {
      errorType: err.name || fallbackType,
      errorMessage: err.message,
      stackTrace: String(err.stack ?? '')
        .split('\n')
        .slice(1)
        .map((l) => l.trim()),
    };
  }
  return {
    errorType: fallbackType,
    errorMessage: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)),
    stackTrace: [],
  };
}

export async function postInitError(doc) {
  await request('POST', '/init/error', JSON.stringify(doc), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': doc.errorType,
  });
}

async function postError(id, doc) {
  return request('POST', `/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(doc), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': doc.errorType,
  });
}

let currentId = null;

// An error nobody awaited while an invocation runs fails that invocation, and, as in
// AWS's Node.js runtime, the environment (the process exits; Lambda starts a new one).
async function fatal(type, err) {
  const doc = errorDocument(err, type);
  doc.errorType = type === 'Runtime.UnhandledPromiseRejection' ? type : doc.errorType;
  try {
    if (currentId) await postError(currentId, doc);
    else await postInitError(doc);
  } finally {
    process.exit(128);
  }
}
process.on('uncaughtException', (e) => void fatal('Runtime.UncaughtException', e));
process.on('unhandledRejection', (e) => void fatal('Runtime.UnhandledPromiseRejection', e));

/**
 * Serves invocations forever. `invoke(event bytes, invocation headers)` resolves to the
 * response payload (Buffer or string) or rejects with the function's error.
 */
export async function serve(invoke) {
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) {
      // 500 (or anything unexpected): the environment is going away; exit promptly.
      process.stderr.write(`runtime: /next answered ${next.status}: ${next.body.toString()}\n`);
      process.exit(1);
    }
    const id = String(next.headers['lambda-runtime-aws-request-id']);
    currentId = id;
    // as AWS's runtimes do: the X-Ray trace header for SDKs inside the handler
    if (next.headers['lambda-runtime-trace-id'])
      process.env._X_AMZN_TRACE_ID = String(next.headers['lambda-runtime-trace-id']);
    else delete process.env._X_AMZN_TRACE_ID;
    let res;
    try {
      const payload = await invoke(next.body, next.headers);
      res = await request('POST', `/invocation/${encodeURIComponent(id)}/response`, payload, {
        'content-type': 'application/json',
      });
    } catch (e) {
      res = await postError(id, errorDocument(e));
    }
    currentId = null;
    if (res.status === 500) process.exit(1);
    if (res.status !== 202)
      process.stderr.write(`runtime: posting the result of ${id} answered ${res.status}: ${res.body.toString()}\n`);
  }
}
