// Cold-start phases of a pod, from the watch events the harness receives (not from
// the pod's condition timestamps: those have one-second resolution). Each milestone is
// stamped with the harness's monotonic clock when the first event showing it arrives:
//
//   accepted   the API server answered the scale/create call
//   created    the pod exists (the ReplicaSet controller made it)
//   scheduled  the scheduler bound it to a node (spec.nodeName / PodScheduled)
//   started    its container is running (containerStatuses[].state.running)
//   ready      its Ready condition is True
//
// A watch event may show several at once (then the later ones take 0 ns), and a
// milestone can be seen before the call that caused it returned (then it is counted
// from that return): phases are durations in order and add up to trigger → ready.
// A pod that cannot be scheduled or whose container is waiting on an error is a
// failure at once, with the reason, rather than a wait until the deadline.

import type * as k8s from '@kubernetes/client-node';
import type { Phases } from '../types.js';

export const MILESTONES = ['accepted', 'created', 'scheduled', 'started', 'ready'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Milestones a pod object shows. */
export function milestonesOf(pod: k8s.V1Pod): Set<Milestone> {
  const m = new Set<Milestone>(['created']);
  const conds = pod.status?.conditions ?? [];
  if (pod.spec?.nodeName || conds.some((c) => c.type === 'PodScheduled' && c.status === 'True')) m.add('scheduled');
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length > 0 && statuses.every((s) => s.state?.running !== undefined)) m.add('started');
  if (conds.some((c) => c.type === 'Ready' && c.status === 'True')) {
    m.add('scheduled');
    m.add('started');
    m.add('ready');
  }
  return m;
}

/** Why this pod will not become ready without outside help, or null. */
export function podFailure(pod: k8s.V1Pod): string | null {
  const name = pod.metadata?.name ?? 'pod';
  const sched = pod.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
  if (sched) return `${name} cannot be scheduled: ${sched.message ?? sched.reason}`;
  for (const s of pod.status?.containerStatuses ?? []) {
    const w = s.state?.waiting;
    if (
      w?.reason &&
      /ErrImagePull|ImagePullBackOff|InvalidImageName|CrashLoopBackOff|CreateContainerConfigError|CreateContainerError/.test(
        w.reason,
      )
    ) {
      return `${name}: container ${s.name} ${w.reason}${w.message ? `: ${w.message}` : ''}`;
    }
    if (s.state?.terminated)
      return `${name}: container ${s.name} exited (${s.state.terminated.reason ?? `code ${s.state.terminated.exitCode}`})`;
  }
  if (pod.status?.phase === 'Failed')
    return `${name} failed: ${pod.status.reason ?? pod.status.message ?? 'no reason given'}`;
  return null;
}

/** Collects milestone times (ns, monotonic) for one start. */
export class PhaseClock {
  private readonly seen = new Map<Milestone, bigint>();
  constructor(private readonly t0: bigint) {}

  mark(m: Milestone, at: bigint = process.hrtime.bigint()): void {
    if (!this.seen.has(m)) this.seen.set(m, at);
  }

  markPod(pod: k8s.V1Pod, at: bigint = process.hrtime.bigint()): void {
    for (const m of milestonesOf(pod)) this.mark(m, at);
  }

  has(m: Milestone): boolean {
    return this.seen.has(m);
  }

  /** Durations in milestone order, each from the previous one (or t0), never negative; stops at the first milestone not seen. */
  phases(): Phases {
    const out: Phases = [];
    let prev = this.t0;
    for (const m of MILESTONES) {
      const at = this.seen.get(m);
      if (at === undefined) break;
      const t = at > prev ? at : prev;
      out.push({ phase: m, ns: Number(t - prev) });
      prev = t;
    }
    return out;
  }
}
