// Cold-start phases from pod watch events (phases.ts), on pod objects shaped as the
// API server sends them: milestones read from each event, ordered durations that add
// up to trigger → ready, and the failures that end a start at once.

import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PhaseClock, milestonesOf, podFailure } from './phases.js';

const pending: k8s.V1Pod = { metadata: { name: 'p' }, status: { phase: 'Pending' } };
const scheduled: k8s.V1Pod = {
  metadata: { name: 'p' },
  spec: { nodeName: 'n1', containers: [] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
};
const running: k8s.V1Pod = {
  ...scheduled,
  status: {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
    containerStatuses: [{ name: 'fn', image: 'i', imageID: '', ready: false, restartCount: 0, state: { running: {} } }],
  },
};
const ready: k8s.V1Pod = {
  ...running,
  status: {
    ...running.status,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
  },
};

describe('milestonesOf', () => {
  it('reads created, scheduled, started and ready from the pod', () => {
    expect([...milestonesOf(pending)]).toEqual(['created']);
    expect([...milestonesOf(scheduled)].sort()).toEqual(['created', 'scheduled']);
    expect([...milestonesOf(running)].sort()).toEqual(['created', 'scheduled', 'started']);
    expect([...milestonesOf(ready)].sort()).toEqual(['created', 'ready', 'scheduled', 'started']);
  });
});

describe('PhaseClock', () => {
  it('gives durations in order that add up to trigger → ready', () => {
    const c = new PhaseClock(1000n);
    c.markPod(pending, 1500n); // the pod is seen before the scale call returned
    c.mark('accepted', 2000n);
    c.markPod(scheduled, 2600n);
    c.markPod(running, 4000n);
    c.markPod(running, 4500n); // a repeat changes nothing
    c.markPod(ready, 7000n);
    const p = c.phases();
    expect(p).toEqual([
      { phase: 'accepted', ns: 1000 },
      { phase: 'created', ns: 0 },
      { phase: 'scheduled', ns: 600 },
      { phase: 'started', ns: 1400 },
      { phase: 'ready', ns: 3000 },
    ]);
    expect(p.reduce((s, x) => s + x.ns, 0)).toBe(6000);
  });

  it('stops at the first milestone not seen', () => {
    const c = new PhaseClock(0n);
    c.mark('accepted', 10n);
    c.markPod(ready, 50n); // created…ready in one event: the later ones take 0
    expect(c.phases().map((x) => x.ns)).toEqual([10, 40, 0, 0, 0]);
    const d = new PhaseClock(0n);
    d.mark('accepted', 10n);
    d.markPod(scheduled, 20n);
    expect(d.phases().map((x) => x.phase)).toEqual(['accepted', 'created', 'scheduled']);
  });
});

describe('podFailure', () => {
  it('names an unschedulable pod and an image that cannot be pulled; null while things progress', () => {
    expect(podFailure(pending)).toBeNull();
    expect(podFailure(running)).toBeNull();
    const unsched: k8s.V1Pod = {
      metadata: { name: 'p' },
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Too many pods.',
          },
        ],
      },
    };
    expect(podFailure(unsched)).toBe('p cannot be scheduled: 0/1 nodes are available: 1 Too many pods.');
    const pull: k8s.V1Pod = {
      metadata: { name: 'p' },
      status: {
        containerStatuses: [
          {
            name: 'fn',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } },
          },
        ],
      },
    };
    expect(podFailure(pull)).toBe('p: container fn ImagePullBackOff: not found');
  });
});
