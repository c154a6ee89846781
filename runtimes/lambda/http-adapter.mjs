// The Lambda handler that hosts a workload's node variant (runtimes/shared/node-handler.ts
// contract) behind API Gateway / function URL v2 events: _HANDLER=http-adapter.handler,
// FAASBENCH_NODE_HANDLER=<workload module>. The workload module is imported during the
// init phase (top-level await), as Lambda initialises code outside the handler.
// Works unmodified under AWS's own runtime client (aws-lambda-ric) too.
import { pathToFileURL } from 'node:url';
import { eventResponse, requestFromEvent } from './http-event.mjs';

const modulePath = process.env.FAASBENCH_NODE_HANDLER;
if (!modulePath) throw new Error('FAASBENCH_NODE_HANDLER is not set (path of the workload node module)');
const mod = await import(pathToFileURL(modulePath).href);
if (typeof mod.default !== 'function')
  throw new Error(`${modulePath}: the node variant must export a default function (request) => response`);
const workload = mod.default;

export async function handler(event) {
  return eventResponse(await workload(requestFromEvent(event)));
}
