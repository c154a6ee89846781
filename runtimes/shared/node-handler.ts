// The contract of a workload's `node` variant: an ES module whose default export
// is a request → response function. Every Node-hosted runtime (process, container,
// Lambda-style bootstrap, in-process conformance) hosts the same module through
// this contract, so the only difference between them is the runtime around it.
//
//   // workloads/<name>/node/handler.mjs
//   export default async function handler(request) {
//     return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi\n' };
//   }

import { pathToFileURL } from 'node:url';
import type { FunctionRequest, FunctionResponse } from '../types.js';

export interface NodeHandlerRequest {
  method: string;
  /** Starts with '/', no query string. */
  path: string;
  /** Raw query string without '?', possibly empty. */
  query: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface NodeHandlerResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export type NodeHandler = (request: NodeHandlerRequest) => NodeHandlerResponse | Promise<NodeHandlerResponse>;

/** Imports a handler module and checks that its default export is a function. */
export async function loadNodeHandler(modulePath: string): Promise<NodeHandler> {
  const mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  if (typeof mod.default !== 'function')
    throw new Error(`${modulePath}: the node variant must export a default function (request) => response`);
  return mod.default as NodeHandler;
}

/** Normalizes what a handler returned: status 200 by default, lower-case header names, bytes. */
export function toFunctionResponse(res: NodeHandlerResponse): FunctionResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const body =
    res.body === undefined
      ? new Uint8Array()
      : typeof res.body === 'string'
        ? new TextEncoder().encode(res.body)
        : res.body;
  return { status: res.status ?? 200, headers, body };
}

/** Calls a handler in this process with a harness request. */
export async function callNodeHandler(handler: NodeHandler, req: FunctionRequest): Promise<FunctionResponse> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const res = await handler({
    method: req.method,
    path: req.path,
    query: req.query,
    headers,
    body: Buffer.from(req.body),
  });
  return toFunctionResponse(res);
}
