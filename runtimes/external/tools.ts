// Where the native Wasm runtimes' binaries are and which versions they are: the pinned
// builds the install scripts put in the cache outside the clone
// (runtimes/external/install/*.sh → ~/.cache/faasbench/<tool>-<version>/, or under
// $FAASBENCH_CACHE, which is the scripts' setting too), else the same command on PATH
// (a user's own install; its version goes into the results header either way).
// One place, so the adapters, `doctor`, `conform wasi` peers and the benchmark agree.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export type ToolName = 'wasmtime' | 'wazero';

interface ToolInfo {
  /** The version the install script builds (keep equal to the script's default). */
  pinned: string;
  /** The binary inside the cache folder of one version. */
  binary: string;
  /** How to install it, for error messages and `doctor`. */
  install: string;
  /** Arguments that print the version, and how to read it from the output. */
  versionArgs: string[];
  parseVersion: (out: string) => string | null;
}

export const TOOLS: Record<ToolName, ToolInfo> = {
  wasmtime: {
    pinned: '48.0.8',
    binary: 'bin/wasmtime',
    install:
      'bash runtimes/external/install/install-wasmtime.sh (cargo install wasmtime-cli --locked; ~20-40 min the first time)',
    versionArgs: ['--version'],
    parseVersion: (out) => /^wasmtime (\S+)/.exec(out.trim())?.[1] ?? null,
  },
  wazero: {
    pinned: '1.12.0',
    binary: 'wazero',
    install: 'bash runtimes/external/install/install-wazero.sh (go install …/wazero/cmd/wazero; ~1 min)',
    versionArgs: ['version'],
    parseVersion: (out) => /^v?(\d+\.\d+\.\d+\S*)/.exec(out.trim())?.[1] ?? null,
  },
};

/** The cache root the install scripts use. */
export function cacheRoot(): string {
  return process.env['FAASBENCH_CACHE'] || join(homedir(), '.cache', 'faasbench');
}

export type ToolLookup = { ok: true; path: string; version: string; pinned: boolean } | { ok: false; reason: string };

const found = new Map<string, ToolLookup>();

function onPath(command: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

function versionOf(tool: ToolName, path: string): string | null {
  try {
    const out = execFileSync(path, TOOLS[tool].versionArgs, {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return TOOLS[tool].parseVersion(out);
  } catch {
    return null;
  }
}

/**
 * The binary to run for `tool`: the pinned cached build, else one on PATH. Never
 * throws; a miss says what was looked for and how to install. Cached per process.
 */
export function findTool(tool: ToolName): ToolLookup {
  const hit = found.get(tool);
  if (hit) return hit;
  const result = lookupTool(tool, cacheRoot(), process.env['PATH'] ?? '');
  found.set(tool, result);
  return result;
}

/** findTool without the per-process cache, with the cache root and PATH given (tests). */
export function lookupTool(tool: ToolName, root: string, pathEnv: string): ToolLookup {
  const info = TOOLS[tool];
  const cached = join(root, `${tool}-${info.pinned}`, info.binary);
  let result: ToolLookup;
  const pinnedVersion = existsSync(cached) ? versionOf(tool, cached) : null;
  if (pinnedVersion !== null) result = { ok: true, path: cached, version: pinnedVersion, pinned: true };
  else {
    const other = onPath(tool, pathEnv);
    const v = other ? versionOf(tool, other) : null;
    result =
      other && v !== null
        ? { ok: true, path: other, version: v, pinned: false }
        : {
            ok: false,
            reason: `${tool} ${info.pinned} is not installed (looked for ${cached} and ${tool} on PATH); install: ${info.install}`,
          };
  }
  return result;
}

/** findTool that throws its reason: for code paths that cannot go on without the tool. */
export function requireTool(tool: ToolName): { path: string; version: string } {
  const t = findTool(tool);
  if (!t.ok) throw new Error(t.reason);
  return t;
}
