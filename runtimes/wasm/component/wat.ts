// Small wasi:http components written by hand in WebAssembly text, made into real
// components offline in milliseconds (jco's bundled wasm-tools: parse, embed the WIT
// world, component new). They are what a C or Rust handler compiles to, without the
// language: the tests' attack guests (a loop, a memory bomb, an output flood, a call
// out), the "small component" of the speed targets, and conform http's probes.
// componentize-js components (JS in Wasm, 12 MB) are built by scripts/build-components.ts.
//
// Core-module conventions are the component model's (legacy names): imports from
// "wasi:http/types@0.2.10" named "[constructor]fields", "[method]…", "[static]…",
// "[resource-drop]…"; the handler exported as "wasi:http/incoming-handler@0.2.10#handle";
// "memory" and "cabi_realloc" exported. Flattened signatures come from
// `componentEmbed({ dummy: true })` for the same world.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WIT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'wit');

const V = '0.2.10';

/** The imports a handler may use; wit-component keeps only those the module calls. */
export const WAT_IMPORTS = `
  (import "wasi:http/types@${V}" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@${V}" "[method]fields.append" (func $fields_append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@${V}" "[constructor]outgoing-response" (func $resp_new (param i32) (result i32)))
  (import "wasi:http/types@${V}" "[method]outgoing-response.set-status-code" (func $set_status (param i32 i32) (result i32)))
  (import "wasi:http/types@${V}" "[method]outgoing-response.body" (func $resp_body (param i32 i32)))
  (import "wasi:http/types@${V}" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@${V}" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@${V}" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@${V}" "[method]incoming-request.path-with-query" (func $path (param i32 i32)))
  (import "wasi:http/types@${V}" "[constructor]outgoing-request" (func $oreq_new (param i32) (result i32)))
  (import "wasi:http/outgoing-handler@${V}" "handle" (func $http_out (param i32 i32 i32 i32)))
  (import "wasi:io/streams@${V}" "[method]output-stream.blocking-write-and-flush" (func $write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@${V}" "[resource-drop]output-stream" (func $drop_stream (param i32)))
  (import "wasi:filesystem/preopens@${V}" "get-directories" (func $preopens (param i32)))
  (import "wasi:cli/stdout@${V}" "get-stdout" (func $stdout (result i32)))
  (import "wasi:sockets/tcp-create-socket@${V}" "create-tcp-socket" (func $tcp_new (param i32 i32)))
`;

/**
 * A module whose handler answers `status` with the bytes at [ptr, ptr+len) (computed by
 * `prelude`, WAT instructions that may set locals $ptr/$len/$status). Scratch: 256..511
 * is the return area, the heap (cabi_realloc, a bump allocator) starts at 64 KiB.
 */
export function handlerModule(opts: {
  prelude?: string;
  data?: string;
  body?: string;
  extra?: string;
  pages?: number;
}): string {
  const body = opts.body ?? 'Hello from faasbench\n';
  const enc = Buffer.from(body);
  const escaped = [...enc].map((b) => '\\' + b.toString(16).padStart(2, '0')).join('');
  return `(module
  ${WAT_IMPORTS}
  (memory (export "memory") ${opts.pages ?? 2})
  (global $heap (mut i32) (i32.const 65536))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1))) (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
    (local.get $p))
  (data (i32.const 16) "content-type")
  (data (i32.const 32) "text/plain")
  (data (i32.const 1024) "${escaped}")
  ${opts.data ?? ''}
  ${opts.extra ?? ''}
  (func (export "wasi:http/incoming-handler@${V}#handle") (param $req i32) (param $out i32)
    (local $h i32) (local $resp i32) (local $body i32) (local $stream i32)
    (local $ptr i32) (local $len i32) (local $status i32) (local $i i32)
    (local.set $ptr (i32.const 1024))
    (local.set $len (i32.const ${enc.length}))
    (local.set $status (i32.const 200))
    ${opts.prelude ?? ''}
    (local.set $h (call $fields_new))
    (call $fields_append (local.get $h) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 10) (i32.const 256))
    (local.set $resp (call $resp_new (local.get $h)))
    (drop (call $set_status (local.get $resp) (local.get $status)))
    (call $resp_body (local.get $resp) (i32.const 256))
    (local.set $body (i32.load (i32.const 260)))
    (call $body_write (local.get $body) (i32.const 256))
    (local.set $stream (i32.load (i32.const 260)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $resp) (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $write (local.get $stream) (local.get $ptr) (local.get $len) (i32.const 256))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 256)))
)`;
}

const WORLD = (exportHandler: boolean) => `package faasbench:probe;
interface secret {
  f: func() -> u32;
}
world w {
  import wasi:http/types@${V};
  import wasi:io/streams@${V};
  import wasi:http/outgoing-handler@${V};
  import wasi:filesystem/preopens@${V};
  import wasi:cli/stdout@${V};
  import wasi:sockets/tcp-create-socket@${V};
  import secret;
  ${exportHandler ? `export wasi:http/incoming-handler@${V};` : 'export secret;'}
}
`;

/** Core module text → component bytes. `exportHandler: false` targets a world exporting only faasbench:probe/secret. */
export async function watComponent(wat: string, opts: { exportHandler?: boolean } = {}): Promise<Uint8Array> {
  const tools = await import('@bytecodealliance/jco-transpile/wasm-tools');
  // wasm-tools runs as a component on preview2-shim, which starts with no preopens: it
  // could read no WIT file without this (process-wide; this runtime's own host does not use it).
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  (_setPreopens as (p: Record<string, string>) => void)({ '/': '/' });
  const dir = mkdtempSync(join(tmpdir(), 'faasbench-wit-'));
  try {
    cpSync(join(WIT_DIR, 'deps'), join(dir, 'deps'), { recursive: true });
    writeFileSync(join(dir, 'world.wit'), WORLD(opts.exportHandler ?? true));
    const core = await tools.parse(wat);
    const embedded = await tools.componentEmbed({ binary: core, witPath: dir, world: 'w' });
    return await tools.componentNew(embedded);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The smallest useful component: hello's answer, by hand. */
export function helloComponent(): Promise<Uint8Array> {
  return watComponent(handlerModule({}));
}
