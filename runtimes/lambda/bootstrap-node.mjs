#!/usr/bin/env node
// A runtime client that behaves like AWS's Node.js managed runtime: loads _HANDLER
// ("file.export", file resolved in LAMBDA_TASK_ROOT as .js/.mjs/.cjs) during init,
// then calls handler(event, context) per invocation: async handlers and callback
// handlers (event, context, callback) alike; `context` carries awsRequestId,
// functionName, getRemainingTimeInMillis() & co. Init failures go to
// /runtime/init/error with AWS's error types (Runtime.ImportModuleError,
// Runtime.HandlerNotFound, Runtime.MalformedHandlerName, Runtime.UserCodeSyntaxError).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorDocument, postInitError, serve } from './runtime-client.mjs';

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? '';
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1)
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  const modName = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(root, modName + ext)).find((f) => existsSync(f));
  if (!file) throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modName}'`);
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    throw e;
  }
  const pick = (root) => fnPath.split('.').reduce((o, part) => (o == null ? undefined : o[part]), root);
  const fn = pick(mod) ?? pick(mod.default); // CommonJS modules arrive as `default`
  if (typeof fn !== 'function')
    throw new RuntimeError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  return fn;
}

function makeContext(headers, onDone) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const parse = (h) => {
    if (h === undefined) return undefined;
    try {
      return JSON.parse(h);
    } catch {
      return undefined;
    }
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers['lambda-runtime-cognito-identity']),
    clientContext: parse(headers['lambda-runtime-client-context']),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // legacy completion methods
    done: (err, result) => onDone(err, result),
    succeed: (result) => onDone(null, result),
    fail: (err) => onDone(err ?? 'handled'),
  };
}

let handler;
try {
  handler = await loadHandler();
} catch (e) {
  const doc = errorDocument(e, 'Runtime.Unknown');
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', message: doc })}\n`);
  await postInitError(doc);
  process.exit(129);
}

if (process.env.AWS_LAMBDA_RUNTIME_API) {
  await serve(async (body, headers) => {
    const event = body.length ? JSON.parse(body.toString('utf8')) : null;
    const result = await new Promise((resolve, reject) => {
      let settled = false;
      const done = (err, value) => {
        if (settled) return;
        settled = true;
        if (err !== null && err !== undefined) reject(err);
        else resolve(value);
      };
      const context = makeContext(headers, done);
      try {
        const r = handler.length >= 3 ? handler(event, context, done) : handler(event, context);
        if (r && typeof r.then === 'function')
          r.then(
            (v) => done(null, v),
            (e) => done(e ?? new Error('handler rejected')),
          );
        else if (handler.length < 3) done(null, r);
      } catch (e) {
        done(e);
      }
    });
    return JSON.stringify(result === undefined ? null : result);
  });
}
