// The `command` runtime's spec file: how a platform faasbench does not know serves a
// deployment. A small JSON file (validated with zod, every error naming its field):
//
//   {
//     "id": "spin",                                   // runtime id in results (default "command")
//     "description": "Fermyon Spin, WAGI executor",
//     "command": ["spin", "up", "--listen", "{host}:{port}", "-f", "{dir}/spin.toml"],
//     "ready": { "http": "/" },                       // or { "port": true } or { "log": "regex" }
//     "variants": ["wasm"],                           // which workload variants it takes
//     "files": { "spin.toml": "…{module}…" },         // written into {dir} before the start
//     "env": { "RUST_LOG": "warn" },
//     "version": ["spin", "--version"],              // printed into doctor and the results header
//     "startTimeoutMs": 20000,
//     "freshInstancePerRequest": true                 // each request a new instance (WAGI, wasmtime serve)
//   }
//
// Placeholders, in any argument, file or env value: {host} (127.0.0.1), {port} (a
// free port), {module} (the variant's artifact, absolute), {dir} (a private folder made
// for the instance, removed at stop), {workload}, {variant}, {node} (this Node binary),
// {wasmtime} and {wazero} (the pinned builds, see tools.ts). One argument that is
// exactly "{faasbench-cgi}" becomes the command line of faasbench's CGI front
// (runtimes/external/cgi/front.ts): `["{faasbench-cgi}", "--listen", "{host}:{port}",
// "--", "{wazero}", "run", "-env-inherit", "{module}"]` serves a WAGI module with any
// CLI runtime, one process per request. `{{` and `}}` are literal braces; an unknown
// placeholder is an error.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VARIANT_KINDS } from '../../../model/workload.js';

const Ready = z.union([
  z.object({ port: z.literal(true) }).strict(),
  z.object({ http: z.string().startsWith('/') }).strict(),
  z.object({ log: z.string().min(1) }).strict(),
]);

export const CommandSpecSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -')
      .default('command'),
    description: z.string().optional(),
    command: z.array(z.string()).min(1),
    ready: Ready.default({ port: true }),
    variants: z.array(z.enum(VARIANT_KINDS)).min(1).default(['wasm']),
    files: z
      .record(
        z
          .string()
          .regex(/^[^/\0][^\0]*$/)
          .refine((p) => !p.split('/').includes('..'), 'no ".." in file names'),
        z.string(),
      )
      .default({}),
    env: z.record(z.string()).default({}),
    version: z.array(z.string()).min(1).optional(),
    startTimeoutMs: z.number().int().positive().default(20_000),
    freshInstancePerRequest: z.boolean().default(false),
  })
  .strict();

export type CommandSpec = z.infer<typeof CommandSpecSchema>;

export class CommandSpecError extends Error {
  override name = 'CommandSpecError';
}

/** Parses a spec (already JSON-decoded); every problem is named by its field path. */
export function parseCommandSpec(json: unknown, file = 'command spec'): CommandSpec {
  const r = CommandSpecSchema.safeParse(json);
  if (!r.success)
    throw new CommandSpecError(
      `${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  for (const text of [
    ...r.data.command,
    ...Object.values(r.data.files),
    ...Object.values(r.data.env),
    ...(r.data.version ?? []),
  ]) {
    checkPlaceholders(text, file);
  }
  return r.data;
}

export function readCommandSpec(file: string): CommandSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CommandSpecError(
      `${file}: cannot read the command spec (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CommandSpecError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseCommandSpec(json, file);
}

export const PLACEHOLDERS = [
  'host',
  'port',
  'module',
  'dir',
  'workload',
  'variant',
  'node',
  'wasmtime',
  'wazero',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export const CGI_FRONT_ARG = '{faasbench-cgi}';

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

function checkPlaceholders(text: string, file: string): void {
  if (text === CGI_FRONT_ARG) return;
  for (const m of text.matchAll(TOKEN)) {
    if (m[1] !== undefined && !(PLACEHOLDERS as readonly string[]).includes(m[1])) {
      throw new CommandSpecError(
        `${file}: unknown placeholder {${m[1]}} in ${JSON.stringify(text)} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, and ${CGI_FRONT_ARG} as a whole argument)`,
      );
    }
  }
}

/** `text` with every placeholder replaced; values are looked up lazily (so {wasmtime} is only resolved when used). */
export function expand(text: string, value: (p: Placeholder) => string): string {
  return text.replace(TOKEN, (all, name: string | undefined) =>
    all === '{{' ? '{' : all === '}}' ? '}' : value(name as Placeholder),
  );
}
