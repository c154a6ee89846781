// The Docker engine as faasbench sees it: one dockerode client, why the engine is
// (un)available, and the label-based bookkeeping that lets any faasbench process
// find and remove what it (or a crashed earlier run) left behind.

import { accessSync, constants, existsSync } from 'node:fs';
import Docker from 'dockerode';
import type { Availability } from '../types.js';

/** Every container and image faasbench creates carries this label. */
export const LABEL = 'faasbench';
export const LABEL_RUN = 'faasbench.run';
/** Pid of the faasbench process that owns a container: a dead owner means a stale container. */
export const LABEL_PID = 'faasbench.pid';

export interface EngineOptions {
  /** Unix socket of the engine (default: $FAASBENCH_DOCKER_SOCKET, $DOCKER_HOST's unix path, /var/run/docker.sock). */
  socketPath?: string;
  /** How long a liveness probe may take (default 5 s). */
  timeoutMs?: number;
}

export function defaultSocketPath(): string {
  if (process.env.FAASBENCH_DOCKER_SOCKET) return process.env.FAASBENCH_DOCKER_SOCKET;
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export interface Engine {
  docker: Docker;
  socketPath: string;
}

export function connectEngine(opts: EngineOptions = {}): Engine {
  const socketPath = opts.socketPath ?? defaultSocketPath();
  return { docker: new Docker({ socketPath, timeout: opts.timeoutMs ?? 60_000 }), socketPath };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface EngineStatus {
  availability: Availability;
  version?: string;
  apiVersion?: string;
}

/** Is the engine reachable? If not, a reason a user can act on. */
export async function engineStatus(engine: Engine, timeoutMs = 5_000): Promise<EngineStatus> {
  const sock = engine.socketPath;
  const hint = 'start it with scripts/ensure-docker';
  if (!existsSync(sock))
    return {
      availability: { ok: false, reason: `Docker engine socket ${sock} does not exist (engine not running? ${hint})` },
    };
  try {
    accessSync(sock, constants.R_OK | constants.W_OK);
  } catch {
    return {
      availability: {
        ok: false,
        reason: `Docker engine socket ${sock} is not readable and writable by this user (uid ${process.getuid?.() ?? '?'}; add the user to the docker group or run as root)`,
      },
    };
  }
  try {
    const v = await withTimeout(engine.docker.version(), timeoutMs, `Docker engine at ${sock}`);
    return {
      availability: { ok: true, detail: `Docker engine ${v.Version} (API ${v.ApiVersion}) at ${sock}` },
      version: v.Version,
      apiVersion: v.ApiVersion,
    };
  } catch (e) {
    return {
      availability: {
        ok: false,
        reason: `Docker engine at ${sock} does not answer: ${(e as Error).message} (${hint})`,
      },
    };
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Something the engine listed under faasbench's label filter that turned out not to carry the label: never removed. */
export interface LeftAlone {
  id: string;
  /** Container name or image tag, for a person to recognise it. */
  name: string;
  reason: string;
}

export interface Removal {
  /** Container ids, or image tags (the id of an untagged image). */
  removed: string[];
  leftAlone: LeftAlone[];
}

/**
 * Does this object carry faasbench's label (and, for one run, that run's)? Checked
 * on each object's own list data before anything is removed: the engine's label
 * filter is not trusted alone (an engine or API proxy that ignores or mangles
 * filters must not make faasbench delete somebody else's containers or images).
 */
function labelProblem(labels: Record<string, string> | null | undefined, runId?: string): string | null {
  if (labels?.[LABEL] !== '1') return `not labelled ${LABEL}=1`;
  if (runId !== undefined && labels[LABEL_RUN] !== runId) return `not labelled ${LABEL_RUN}=${runId}`;
  return null;
}

/**
 * Removes faasbench containers. `stale`: only those whose owning process is gone
 * (a crashed or killed earlier run); otherwise all of them, or one run's. Anything
 * listed without the label is left alone and reported.
 */
export async function removeContainers(
  engine: Engine,
  which: { stale?: boolean; runId?: string } = {},
): Promise<Removal> {
  const label = which.runId ? [`${LABEL_RUN}=${which.runId}`] : [`${LABEL}=1`];
  const list = await engine.docker.listContainers({ all: true, filters: { label } });
  const leftAlone: LeftAlone[] = [];
  const doomed = list.filter((c) => {
    const problem = labelProblem(c.Labels, which.runId);
    if (problem) {
      leftAlone.push({
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
        reason: `listed by the engine's label filter but ${problem}`,
      });
      return false;
    }
    return !which.stale || !pidAlive(Number(c.Labels[LABEL_PID]));
  });
  await Promise.all(
    doomed.map((c) =>
      engine.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((e: Error & { statusCode?: number }) => {
          if (e.statusCode !== 404 && e.statusCode !== 409) throw e; // gone already / removal in progress
        }),
    ),
  );
  return { removed: doomed.map((c) => c.Id), leftAlone };
}

/** Removes faasbench images (unused ones; an image in use by a running container stays). Unlabelled ones are left alone and reported. */
export async function removeImages(engine: Engine): Promise<Removal> {
  const images = await engine.docker.listImages({ filters: { label: [`${LABEL}=1`] } });
  const removed: string[] = [];
  const leftAlone: LeftAlone[] = [];
  // Children (function images) before their bases: newest first does that.
  for (const img of images.sort((a, b) => b.Created - a.Created)) {
    const problem = labelProblem(img.Labels);
    if (problem) {
      leftAlone.push({
        id: img.Id,
        name: img.RepoTags?.[0] ?? img.Id,
        reason: `listed by the engine's label filter but ${problem}`,
      });
      continue;
    }
    try {
      await engine.docker.getImage(img.Id).remove({ force: true });
      removed.push(...(img.RepoTags ?? [img.Id]));
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404)
        removed.push(`(kept ${img.RepoTags?.[0] ?? img.Id}: ${(e as Error).message})`);
    }
  }
  return { removed, leftAlone };
}
