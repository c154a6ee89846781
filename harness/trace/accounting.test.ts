// Accounting of a replay, on hand-made records with pinned results.

import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, account, unionLength, type InstanceRecord, type InvocationRecord } from './accounting.js';

const MiB = 2 ** 20;

describe('trace accounting', () => {
  it('measures the union of busy intervals, clipped', () => {
    expect(
      unionLength(
        [
          [0, 10],
          [5, 15],
          [20, 30],
        ],
        0,
        100,
      ),
    ).toBe(25);
    expect(
      unionLength(
        [
          [0, 10],
          [5, 15],
          [20, 30],
        ],
        8,
        25,
      ),
    ).toBe(12);
    expect(unionLength([], 0, 10)).toBe(0);
    expect(unionLength([[3, 3]], 0, 10)).toBe(0);
  });

  it('splits held memory into busy and idle in trace time, counts cold and late, prices it', () => {
    const inv: InvocationRecord[] = [
      { fn: 0, scheduledMs: 0, sentMs: 0.5, endMs: 100, cold: true, ok: true, startMs: 80 },
      { fn: 0, scheduledMs: 300, sentMs: 320, endMs: 340, cold: false, ok: true },
      { fn: 1, scheduledMs: 500, sentMs: 501, endMs: 520, cold: false, ok: false, error: 'status 500' },
    ];
    const inst: InstanceRecord[] = [
      // 64 MiB, held 0..1000, busy 0..100 and 320..340
      {
        fn: 0,
        fromMs: 0,
        toMs: 1000,
        bytes: 64 * MiB,
        busy: [
          [0, 100],
          [320, 340],
        ],
        warm: false,
      },
      // pre-warmed before the replay (from < 0 is clipped), never measured, held to the end (2000)
      { fn: 1, fromMs: -50, toMs: null, bytes: null, busy: [[501, 520]], warm: true },
    ];
    const t = account(inv, inst, {
      endMs: 2000,
      compress: 10,
      prices: DEFAULT_PRICES,
      assumedBytes: 128 * MiB,
      lateMs: 10,
    });
    expect(t.invocations).toBe(3);
    expect(t.failed).toBe(1);
    expect(t.coldStarts).toBe(1);
    expect(t.coldStartPpm).toBe(333_333);
    expect(t.late).toBe(1);
    expect(t.maxLagMs).toBe(20);
    // busy: 64 MiB × 120 ms + 128 MiB × 19 ms, as it happened; idle: 64 MiB × 880 ms + 128 MiB × 1981 ms, ×10 for trace time
    expect(t.busyKiBs).toBe(Math.round((64 * 1024 * 120 + 128 * 1024 * 19) / 1000));
    expect(t.idleKiBs).toBe(Math.round(((64 * 1024 * 880 + 128 * 1024 * 1981) / 1000) * 10));
    expect(t.instanceMs).toBe(120 + 880 * 10 + 19 + 1981 * 10);
    expect(t.peakInstances).toBe(2);
    expect(t.memoryAssumed).toBe(1);
    const gibS = (t.busyKiBs + t.idleKiBs) / 2 ** 20;
    expect(t.costNusd).toBe(Math.round((gibS * DEFAULT_PRICES.gibSecondUsd + 3 * DEFAULT_PRICES.requestUsd) * 1e9));
  });

  it('is all zeros for a replay with nothing in it', () => {
    const t = account([], [], { endMs: 1000, compress: 12, prices: DEFAULT_PRICES, assumedBytes: MiB, lateMs: 10 });
    expect(t).toMatchObject({
      invocations: 0,
      coldStarts: 0,
      coldStartPpm: 0,
      busyKiBs: 0,
      idleKiBs: 0,
      instanceMs: 0,
      peakInstances: 0,
      costNusd: 0,
    });
  });
});
