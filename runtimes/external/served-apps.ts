// The apps of an external runtime, each served by a process of its own (the CGI front,
// a user's command, `wasmtime serve`): what such an instance holds, and the one way
// the external adapters stop it, read its memory and clean up every one still live.
// The adapters differ in how an app starts; from then on they are alike, so this is
// written once.

import { rmSync } from 'node:fs';
import type http from 'node:http';
import { processMemory } from '../shared/procfs.js';
import type { MemoryUsage } from '../types.js';
import type { Server } from './supervise.js';

/** The state of one app served by its own process. */
export interface ServedProcess {
  /** The serving process (labelled and owned: supervise.ts). */
  server: Server;
  /** Kept-alive connections to it. */
  agent: http.Agent;
  /** A private folder of this app, removed at stop (none: nothing to remove). */
  dir?: string;
}

/** The live apps of one adapter. */
export class ServedApps<I extends { data: ServedProcess }> {
  private readonly live = new Set<I>();

  /** Tracks a started app until stop() or stopAll(). */
  add(i: I): I {
    this.live.add(i);
    return i;
  }

  /** Closes the client's connections, stops the process (its group), removes its folder. */
  async stop(i: I): Promise<void> {
    this.live.delete(i);
    i.data.agent.destroy();
    await i.data.server.stop();
    if (i.data.dir) rmSync(i.data.dir, { recursive: true, force: true });
  }

  /** The serving process's memory: all an idle app holds. */
  usage(i: I): MemoryUsage {
    return processMemory(i.data.server.pid);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((i) => this.stop(i)));
  }
}
