// `faasbench serve`: the reference runtime as a standalone Wasm serverless host, like
// `wasmtime serve` or `spin up`. One listener, any number of preview1 WAGI apps routed
// by path prefix (/NAME/…) or Host header (NAME.<anything>), a fresh instance per
// request with the runtime's deadline and memory cap, /.faasbench/health, one log line
// per failure on stderr, Server-Timing phases. Runs until SIGINT/SIGTERM, then shuts
// down gracefully (running requests finish, new ones get 503) and exits within 2 s.
// The host itself lives in runtimes/wasm/serve/; this file only turns flags into it.
// Every refusal at start (bad flag, duplicate or invalid app name, unreadable or
// invalid module, address in use) is one sentence and exit 2 (cli.ts's main).

import { InvalidArgumentError, type Command } from 'commander';
import { AppListError, collectApps } from '../../runtimes/wasm/serve/apps.js';
import { runServe } from '../../runtimes/wasm/serve/run.js';
import { intOption } from './options.js';
import { parseOutboundHost } from '../../model/outbound-host.js';
import { SERIES_SETTINGS } from '../options.js';
import type { Preinit } from '../../runtimes/wasm/series.js';

interface ServeFlags {
  app?: string[];
  apps?: string[];
  listen: string;
  threads?: number;
  deadline?: number;
  memory?: number;
  maxBody?: number;
  headersTimeout?: number;
  maxConnections?: number;
  preinit?: Preinit;
  reuse?: number;
  allowOutbound?: string[];
}

/**
 * One value of a series axis (--preinit, --reuse): `run` sweeps a list, a serve process
 * serves every app one way. Parsed by the same setting as run's, so the errors read alike.
 */
function oneSeriesValue(flag: '--preinit' | '--reuse') {
  const setting = SERIES_SETTINGS.find((s) => s.flag === flag)!;
  return (value: string): string | number => {
    let values: readonly (string | number)[];
    try {
      values = setting.parse(value) as readonly (string | number)[];
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
    if (values.length !== 1)
      throw new InvalidArgumentError(
        `${flag} takes one value here (serve serves every app one way; faasbench run sweeps a list)`,
      );
    return values[0]!;
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** --allow-outbound HOST:PORT, repeatable, each checked as a manifest's allowedOutboundHosts entry. */
export const collectOutbound = (value: string, previous: string[] = []): string[] => {
  try {
    return [...previous, parseOutboundHost(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

/** HOST:PORT, [v6]:PORT or PORT alone (on 127.0.0.1). */
export function parseListen(value: string): { host: string; port: number } {
  const m =
    /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) ??
    (/^\d{1,5}$/.test(value) ? [value, undefined, '127.0.0.1', value] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535)
    throw new Error(`--listen ${value}: expected HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080) or a port`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve WAGI Wasm apps over HTTP: one listener, routing /NAME/… (or Host NAME.…) to each app, a fresh instance per request',
    )
    .option('--app <name=path>', 'deploy PATH as app NAME (repeatable)', collect)
    .option('--apps <dir>', 'deploy every NAME.wasm in DIR as app NAME (repeatable)', collect)
    .option('--listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:8080')
    .option(
      '--threads <n>',
      "guest threads (default: the machine's parallelism, at least 2)",
      intOption('--threads', 1, 256),
    )
    .option(
      '--deadline <ms>',
      'per-request wall-clock deadline: past it the guest is stopped and the client gets 504 (default 10000)',
      intOption('--deadline', 1, 3_600_000),
    )
    .option(
      '--memory <mib>',
      'per-app memory cap in MiB: memory.grow past it fails in the guest (default 256)',
      intOption('--memory', 1, 4096),
    )
    .option(
      '--max-body <bytes>',
      'request bodies above this get 413 (default 16 MiB)',
      intOption('--max-body', 0, 2 ** 31),
    )
    .option(
      '--headers-timeout <ms>',
      'a client must send its request headers within this (default 10000)',
      intOption('--headers-timeout', 100, 600_000),
    )
    .option(
      '--max-connections <n>',
      'open connections at most; requests on more get 503 (default 10000)',
      intOption('--max-connections', 1, 1_000_000),
    )
    .option(
      '--preinit <kind>',
      "plain (default), code-cache (component glue through V8's code cache; a preview1 app is compiled once at start anyway), or wizer (each preview1 app pre-initialised by Wizer at start, cached)",
      oneSeriesValue('--preinit'),
    )
    .option(
      '--reuse <n>',
      'requests one component instance may serve (default 1: a fresh instance each, like wasmtime serve --max-instance-reuse-count); preview1 apps: 1 only',
      oneSeriesValue('--reuse'),
    )
    .option(
      '--allow-outbound <host:port>',
      'component apps may make outbound HTTP requests (wasi:http/outgoing-handler) to this host, plain http (repeatable; default: none, every request denied)',
      collectOutbound,
    )
    .addHelpText(
      'after',
      '\nExample:\n  faasbench serve --app hello=workloads/hello/build/hello.wasm --listen 127.0.0.1:8080\n  curl http://127.0.0.1:8080/hello/        # or: curl -H "Host: hello.localhost" http://127.0.0.1:8080/\n  curl http://127.0.0.1:8080/.faasbench/health\n',
    )
    .action(async (flags: ServeFlags) => {
      let apps;
      try {
        apps = collectApps(flags.app ?? [], flags.apps ?? []);
      } catch (e) {
        if (e instanceof AppListError) throw new Error(e.message, { cause: e });
        throw e;
      }
      if (apps.length === 0) throw new Error('no apps to serve: give --app NAME=PATH or --apps DIR');
      const { host, port } = parseListen(flags.listen);
      const running = await runServe({
        apps,
        host,
        port,
        ...(flags.threads ? { threads: flags.threads } : {}),
        ...(flags.deadline ? { deadlineMs: flags.deadline } : {}),
        ...(flags.memory ? { memoryCapBytes: flags.memory * 2 ** 20 } : {}),
        ...(flags.preinit ? { preinit: flags.preinit } : {}),
        ...(flags.reuse ? { reuse: flags.reuse } : {}),
        ...(flags.allowOutbound ? { allowedOutboundHosts: flags.allowOutbound } : {}),
        http: {
          ...(flags.maxBody !== undefined ? { maxBodyBytes: flags.maxBody } : {}),
          ...(flags.headersTimeout ? { headersTimeoutMs: flags.headersTimeout } : {}),
          ...(flags.maxConnections ? { maxConnections: flags.maxConnections } : {}),
        },
      });
      const names =
        apps
          .slice(0, 5)
          .map((a) => a.name)
          .join(', ') + (apps.length > 5 ? `, … (${apps.length} apps)` : '');
      process.stdout.write(
        `faasbench serve: listening on ${running.host.url} (${apps.length} app${apps.length === 1 ? '' : 's'}: ${names}; ${running.executor.name}); /NAME/ or Host: NAME.…; health at /.faasbench/health\n`,
      );
      const code = await running.stopped;
      // Worker threads are terminated and the listener closed; leave now rather than wait for stray handles.
      process.exit(code);
    });
}
