// One namespace per run: everything the k8s runtime creates lives in it, so removing
// it at the end removes everything. Labelled faasbench=1, faasbench.run=<run id>,
// faasbench.host=<hostname>, faasbench.pid=<harness pid>: a harness that died without
// removing its namespace is found by the next start on the same host (its pid no
// longer alive) and swept. Namespaces of other hosts are left alone: we cannot tell
// whether their harness still runs (README, "Kubernetes": how to remove them by hand).

import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { apiError, isNotFound } from './cluster.js';
import { LABEL } from './kinds.js';

export { LABEL };
export const RUN_LABEL = 'faasbench.run';
export const HOST_LABEL = 'faasbench.host';
export const PID_LABEL = 'faasbench.pid';

/** A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  const v = s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return v === '' ? 'x' : v;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the run's namespace and waits (≤ deadlineMs) for its default service account, without which no pod is admitted. */
export async function createRunNamespace(kc: k8s.KubeConfig, runId: string, deadlineMs = 30_000): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = `faasbench-${labelValue(runId)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')}`
    .slice(0, 63)
    .replace(/-+$/, '');
  try {
    await core.createNamespace({
      body: {
        metadata: {
          name,
          labels: {
            [LABEL]: '1',
            [RUN_LABEL]: labelValue(runId),
            [HOST_LABEL]: labelValue(hostname()),
            [PID_LABEL]: String(process.pid),
          },
        },
      },
    });
  } catch (e) {
    throw apiError(`creating namespace ${name}`, e);
  }
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch (e) {
      if (!isNotFound(e)) throw apiError(`namespace ${name}`, e);
    }
    if (Date.now() > end)
      throw new Error(
        `namespace ${name}: its default service account did not appear within ${deadlineMs} ms (is kube-controller-manager running?)`,
      );
    await sleep(100);
  }
}

/** Deletes a namespace and waits (≤ deadlineMs) until it is gone. Absent: done. */
export async function deleteNamespace(kc: k8s.KubeConfig, name: string, deadlineMs = 120_000): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (e) {
    if (isNotFound(e)) return;
    throw apiError(`deleting namespace ${name}`, e);
  }
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      await core.readNamespace({ name });
    } catch (e) {
      if (isNotFound(e)) return;
      throw apiError(`namespace ${name}`, e);
    }
    if (Date.now() > end) throw new Error(`namespace ${name} still terminating after ${deadlineMs} ms`);
    await sleep(200);
  }
}

/**
 * Namespaces of harnesses on this host that are no longer running, deleted (not waited
 * for: they finish terminating on their own). Returns their names.
 */
export async function sweepDeadRuns(kc: k8s.KubeConfig, host = hostname()): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let items: k8s.V1Namespace[];
  try {
    items = (await core.listNamespace({ labelSelector: `${LABEL}=1,${HOST_LABEL}=${labelValue(host)}` })).items;
  } catch (e) {
    throw apiError('listing faasbench namespaces', e);
  }
  const swept: string[] = [];
  for (const ns of items) {
    const name = ns.metadata?.name;
    const pid = Number(ns.metadata?.labels?.[PID_LABEL]);
    if (!name || ns.status?.phase === 'Terminating' || !Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    try {
      await core.deleteNamespace({ name, propagationPolicy: 'Background' });
      swept.push(name);
    } catch (e) {
      if (!isNotFound(e)) throw apiError(`sweeping namespace ${name}`, e);
    }
  }
  return swept;
}
