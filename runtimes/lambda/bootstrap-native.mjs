#!/usr/bin/env node
// A custom runtime (the provided.al2 model) for the `native` variant: the function is
// a CGI program, LAMBDA_TASK_ROOT/_HANDLER. Per invocation the payload-v2 event
// becomes the CGI environment and stdin, the program's CGI output becomes the
// payload-v2 response. (Plain ESM so node runs it from source and dist alike; it
// mirrors runtimes/shared/cgi.ts, which is TypeScript and so not importable here.)
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { eventResponse, requestFromEvent } from './http-event.mjs';
import { postInitError, serve } from './runtime-client.mjs';

const binary = join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER ?? '');
try {
  accessSync(binary, constants.X_OK);
} catch (e) {
  await postInitError({
    errorType: 'Runtime.InvalidEntrypoint',
    errorMessage: `${binary} is not an executable file: ${e.message}`,
    stackTrace: [],
  });
  process.exit(129);
}

function cgiEnv(req) {
  const env = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'faasbench',
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: '0',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_HOST: '127.0.0.1',
    REQUEST_METHOD: req.method,
    SCRIPT_NAME: '',
    PATH_INFO: req.path,
    QUERY_STRING: req.query,
    CONTENT_LENGTH: String(req.body.length),
  };
  if (req.headers['content-type'] !== undefined) env.CONTENT_TYPE = req.headers['content-type'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'content-type' || name === 'content-length' || name === 'authorization') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  return env;
}

function parseCgi(out) {
  let end = -1;
  let bodyStart = -1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0x0a) continue;
    if (out[i + 1] === 0x0a) {
      end = i;
      bodyStart = i + 2;
      break;
    }
    if (out[i + 1] === 0x0d && out[i + 2] === 0x0a) {
      end = i;
      bodyStart = i + 3;
      break;
    }
  }
  if (end < 0)
    throw Object.assign(new Error('CGI output has no blank line after its headers'), { name: 'Runtime.CgiError' });
  const headers = {};
  let status = null;
  for (const raw of out.subarray(0, end).toString('latin1').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw Object.assign(new Error(`malformed CGI header line ${JSON.stringify(line)}`), { name: 'Runtime.CgiError' });
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number(value.split(' ')[0]);
    else headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  if (status === null) status = headers.location !== undefined && headers['content-type'] === undefined ? 302 : 200;
  return { status, headers, body: out.subarray(bodyStart) };
}

function runCgi(req) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { env: cgiEnv(req), stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(req.body);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const tail = Buffer.concat(err).toString('utf8').trim().slice(0, 200);
        return reject(
          Object.assign(new Error(`${binary} exited with ${signal ?? `code ${code}`}${tail ? `: ${tail}` : ''}`), {
            name: 'Runtime.CgiError',
          }),
        );
      }
      try {
        resolve(parseCgi(Buffer.concat(out)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

await serve(async (body) => {
  const event = JSON.parse(body.toString('utf8'));
  return JSON.stringify(eventResponse(await runCgi(requestFromEvent(event))));
});
