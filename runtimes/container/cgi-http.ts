// The shared HTTP client (runtimes/shared/http.ts), but with Node's lenient parser:
// busybox httpd passes a CGI program's header lines through as written, and CGI
// programs end them with a bare LF, which Node's strict parser refuses. Used only
// for servers that relay CGI output (the native variant); timing is identical.

import http from 'node:http';
import { HttpInvokeError, parseServerTiming } from '../shared/http.js';
import type { FunctionRequest, InvokeResult } from '../types.js';

export function cgiHttpInvoke(baseUrl: string, req: FunctionRequest, agent: http.Agent, timeoutMs = 30_000): Promise<InvokeResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const path = req.path + (req.query ? `?${req.query}` : '');
    const start = process.hrtime.bigint();
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path, agent, insecureHTTPParser: true, headers: { ...req.headers, 'content-length': String(req.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const totalNs = Number(process.hrtime.bigint() - start);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ response: { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) }, totalNs, phases: parseServerTiming(headers['server-timing']) });
        });
      },
    );
    r.setTimeout(timeoutMs, () => r.destroy(new HttpInvokeError(`no response from ${baseUrl} within ${timeoutMs} ms`)));
    r.on('error', (e) => reject(e instanceof HttpInvokeError ? e : new HttpInvokeError(`${req.method} ${baseUrl}${path}: ${e.message}`)));
    r.end(req.body);
  });
}
