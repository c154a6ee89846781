// What the k8s runtime knows of a cluster, read through @kubernetes/client-node:
// loading the kubeconfig (--kubeconfig, else the KUBECONFIG list, else
// ~/.kube/config, else in-cluster; the harness resolves the flag/variable and passes
// the list here), the server's version, its nodes (and whether they are simulated by
// kwok, in which case no pod really runs), and the CRDs of the platforms the issue
// names (SpinKube's SpinApp and SpinAppExecutor, Knative Serving's Service).
//
// Kept apart from the adapter so doctor-style questions cost no namespace.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

/** CRDs faasbench looks for: name → what it means. */
export const KNOWN_CRDS: Record<string, string> = {
  'spinapps.core.spinkube.dev': 'SpinKube SpinApp',
  'spinappexecutors.core.spinkube.dev': 'SpinKube SpinAppExecutor',
  'services.serving.knative.dev': 'Knative Service',
};

/** Annotation kwok puts (and looks for) on the nodes it simulates. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export interface ClusterInfo {
  server: string;
  context: string;
  version: string;
  nodes: number;
  readyNodes: number;
  /** Ready nodes simulated by kwok: pods "run" there without running. */
  simulatedNodes: number;
  /** Names of the KNOWN_CRDS found. */
  crds: string[];
}

/**
 * The kubeconfig: `paths` (the --kubeconfig value or KUBECONFIG, `:`-separated, merged in
 * order as kubectl does) or ~/.kube/config, else the in-cluster service account.
 * Throws one sentence when none is usable.
 */
export function loadKubeConfig(paths?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const files = (paths ?? '').split(':').filter((p) => p !== '');
  if (files.length > 0) {
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) throw new Error(`kubeconfig ${files.join(':')} not found`);
    kc.loadFromFile(present[0]!);
    for (const f of present.slice(1)) {
      const more = new k8s.KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more, true);
    }
  } else {
    const home = join(homedir(), '.kube', 'config');
    if (existsSync(home)) kc.loadFromFile(home);
    else if (existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) kc.loadFromCluster();
    else throw new Error('no kubeconfig: give --kubeconfig FILE or set KUBECONFIG (~/.kube/config does not exist)');
  }
  if (!kc.getCurrentCluster())
    throw new Error(`kubeconfig has no current cluster (context '${kc.getCurrentContext()}')`);
  return kc;
}

/** One sentence for a failed API call: HTTP status and the server's message when there is one. */
export function apiError(what: string, e: unknown): Error {
  if (e instanceof k8s.ApiException) {
    const body: unknown = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const msg =
      body && typeof body === 'object' && 'message' in body
        ? String((body as { message: unknown }).message)
        : String(e.body).slice(0, 200);
    return new Error(`${what}: HTTP ${e.code}: ${msg}`, { cause: e });
  }
  const err = e as Error & { code?: string };
  return new Error(`${what}: ${err.code ? `${err.code} ` : ''}${err.message}`, { cause: e });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof k8s.ApiException && e.code === 404;
}

export function isReady(node: k8s.V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isSimulated(node: k8s.V1Node): boolean {
  return node.metadata?.annotations?.[KWOK_NODE_ANNOTATION] !== undefined;
}

/** Version, nodes and CRDs. A cluster that does not let us list CRDs is reported without them (RBAC: optional). */
export async function describeCluster(kc: k8s.KubeConfig): Promise<ClusterInfo> {
  const server = kc.getCurrentCluster()?.server ?? '?';
  let version: k8s.VersionInfo;
  try {
    version = await kc.makeApiClient(k8s.VersionApi).getCode();
  } catch (e) {
    throw apiError(`cluster ${server} does not answer`, e);
  }
  let nodes: k8s.V1Node[];
  try {
    nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items;
  } catch (e) {
    throw apiError('listing nodes', e);
  }
  const ready = nodes.filter(isReady);
  let crds: string[] = [];
  try {
    const list = await kc.makeApiClient(k8s.ApiextensionsV1Api).listCustomResourceDefinition();
    crds = list.items.map((c) => c.metadata?.name ?? '').filter((n) => n in KNOWN_CRDS);
  } catch {
    /* not allowed to list CRDs: none assumed */
  }
  return {
    server,
    context: kc.getCurrentContext(),
    version: version.gitVersion,
    nodes: nodes.length,
    readyNodes: ready.length,
    simulatedNodes: ready.filter(isSimulated).length,
    crds,
  };
}

/** The doctor line: `v1.34.4 at https://…, 3 nodes (3 ready, simulated by kwok), CRDs: none`. */
export function describeLine(c: ClusterInfo): string {
  const sim =
    c.simulatedNodes === 0
      ? ''
      : c.simulatedNodes === c.readyNodes
        ? ', simulated by kwok: pods do not run'
        : `, ${c.simulatedNodes} simulated by kwok`;
  const crds =
    c.crds.length === 0 ? 'none of SpinKube/Knative' : c.crds.map((n) => `${KNOWN_CRDS[n]} (${n})`).join(', ');
  return `${c.version} at ${c.server} (context ${c.context}), ${c.nodes} node${c.nodes === 1 ? '' : 's'} (${c.readyNodes} ready${sim}), CRDs: ${crds}`;
}
