// openRuntimes, the runtime set-up the run loop and the duet gate share: which
// adapters are kept, which are skipped with their reason, and that nothing created is
// left undisposed when the set-up fails (an undisposed adapter keeps the process alive).

import { describe, expect, it } from 'vitest';
import type { Availability, RuntimeAdapter } from '../runtimes/types.js';
import { emptyRuntimeConfig } from './options.js';
import { openRuntimes, type RuntimeEntry } from './runtimes.js';

/** A registry entry whose adapter answers `availability` (or throws) and records its disposal in `disposed`. */
function entry(id: string, availability: Availability | Error, disposed: string[]): RuntimeEntry {
  return {
    id,
    default: false,
    create: async () =>
      ({
        id,
        description: id,
        capabilities: () => ({ variants: ['wasm'], modes: ['cold'], freshInstancePerRequest: false }),
        available: async () => {
          if (availability instanceof Error) throw availability;
          return availability;
        },
        prepare: async () => {
          throw new Error('not used');
        },
        start: async () => {
          throw new Error('not used');
        },
        invoke: async () => {
          throw new Error('not used');
        },
        stop: async () => {},
        dispose: async () => {
          disposed.push(id);
        },
      }) satisfies RuntimeAdapter,
  };
}

describe('openRuntimes', () => {
  it('keeps the available adapters in order and skips the others with their reason, told to the log', async () => {
    const disposed: string[] = [];
    const log: string[] = [];
    const o = await openRuntimes(
      [entry('a', { ok: true }, disposed), entry('b', { ok: false, reason: 'no engine' }, disposed)],
      emptyRuntimeConfig(),
      (m) => log.push(m),
    );
    expect(o.available.map((a) => a.id)).toEqual(['a']);
    expect(o.created.map((a) => a.id)).toEqual(['a', 'b']);
    expect(o.skipped).toEqual([{ runtime: 'b', reason: 'no engine' }]);
    expect(log).toEqual(['skipping runtime b: no engine']);
    expect(disposed).toEqual([]);
  });

  it('throws with every reason when none is available, having disposed all it created', async () => {
    const disposed: string[] = [];
    await expect(
      openRuntimes(
        [entry('a', { ok: false, reason: 'x' }, disposed), entry('b', { ok: false, reason: 'y' }, disposed)],
        emptyRuntimeConfig(),
        () => {},
      ),
    ).rejects.toThrow('no runtime is available (a: x; b: y)');
    expect(disposed.sort()).toEqual(['a', 'b']);
  });

  it('disposes what it created when a later adapter fails its availability check', async () => {
    const disposed: string[] = [];
    await expect(
      openRuntimes(
        [entry('a', { ok: true }, disposed), entry('b', new Error('probe crashed'), disposed)],
        emptyRuntimeConfig(),
        () => {},
      ),
    ).rejects.toThrow('probe crashed');
    expect(disposed.sort()).toEqual(['a', 'b']);
  });
});
