// The `k8s` runtime: the same workloads on a Kubernetes cluster, through
// @kubernetes/client-node (1.x; 2.x needs Node 22).
//
// - One namespace per run (namespace.ts), created at the first prepare(), deleted (and
//   waited for) at dispose(); a dead harness's namespace is swept by the next
//   available() on the same host.
// - prepare(): the workload variant becomes a Deployment at 0 replicas + a ClusterIP
//   Service. The container image is the variant's, named
//   faasbench/<workload>-<variant>:<first 12 hex of the artifact's SHA-256>: a real
//   cluster must be able to pull or find it (README, "Kubernetes"); on kwok's simulated
//   nodes nothing is pulled.
// - start(), the cold start: the Deployment scaled 0 → 1, timed to the pod's Ready, in
//   phases from a pod watch opened before the call (phases.ts: accepted, created,
//   scheduled, started, ready). A second start() while the first instance lives (density)
//   deploys a new app (its own Deployment + Service at 1 replica): density counts apps.
// - invoke(): through the API server's service proxy
//   (/api/v1/namespaces/NS/services/NAME:http/proxy/…), which works from anywhere the
//   kubeconfig works and needs only the RBAC in the README. On simulated nodes no pod
//   runs, so nothing answers: capabilities().servesRequests is false there, and the
//   harness measures cold start to ready only (README says which figures those are).
// - stop(): scale back to 0 (or delete the extra app) and wait until its pods are gone,
//   so the next cold start begins from zero pods.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import type {
  Availability,
  Capabilities,
  FunctionRequest,
  InvokeResult,
  OwnDeployment,
  OwnInstance,
  RuntimeAdapter,
  StartResult,
} from '../types.js';
import { apiError, describeCluster, describeLine, isNotFound, loadKubeConfig, type ClusterInfo } from './cluster.js';
import { createRunNamespace, deleteNamespace, LABEL, sweepDeadRuns } from './namespace.js';
import { PhaseClock, podFailure } from './phases.js';

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export interface K8sConfig {
  /** Kubeconfig file(s), `:`-separated (--kubeconfig, else KUBECONFIG); unset: ~/.kube/config, else in-cluster. */
  kubeconfig?: string;
}

/** Settings no flag sets (tests). */
export interface K8sInternals {
  /** Label value for faasbench.run and part of the namespace name (default: pid + time). */
  runId?: string;
  /** A start not ready within this is a failed start (default 60 s: image pulls on a real cluster). */
  startTimeoutMs?: number;
  /** stop() waits this long for the pods to go (default 60 s). */
  stopTimeoutMs?: number;
}

const APP_LABEL = 'faasbench.app';
const AVAILABLE_TIMEOUT_MS = 10_000;
const PORT = 8080;

interface K8sDeploymentData {
  /** The Deployment/Service scaled 0 → 1 by a cold start. */
  base: string;
  baseInUse: boolean;
  extras: number;
  image: string;
  pathPrefix: string;
}

interface K8sInstanceData {
  app: string;
  /** A density app of its own (deleted on stop), not the base Deployment (scaled to 0). */
  extra: boolean;
}

type Dep = OwnDeployment<K8sDeploymentData>;
type Inst = OwnInstance<K8sInstanceData, K8sDeploymentData>;

/** A DNS-1035 label: lower-case alphanumerics and '-', starting with a letter, ≤ `max` characters. */
export function dnsName(s: string, max = 50): string {
  const v = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return v === '' ? 'fn' : v;
}

/** The image a variant stands for (see the file comment). */
export function imageFor(workload: LoadedWorkload, variant: VariantKind): string {
  const path = workload.variantPaths[variant];
  if (!path) throw new Error(`${workload.name} has no ${variant} variant here`);
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
  return `faasbench/${dnsName(workload.name)}-${variant}:${sha}`;
}

function appObjects(
  namespace: string,
  app: string,
  image: string,
  replicas: number,
): { deployment: k8s.V1Deployment; service: k8s.V1Service } {
  const labels = { [LABEL]: '1', [APP_LABEL]: app };
  return {
    deployment: {
      metadata: { name: app, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: { [APP_LABEL]: app } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'fn',
                image,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'PORT', value: String(PORT) },
                  { name: 'HOST', value: '0.0.0.0' },
                ],
                ports: [{ name: 'http', containerPort: PORT }],
                // As the container runtime: ready when the port accepts.
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1, initialDelaySeconds: 0 },
                // As the container runtime's hardening and 256 MiB limit.
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
                securityContext: {
                  runAsUser: 65534,
                  runAsNonRoot: true,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
    service: {
      metadata: { name: app, namespace, labels },
      spec: { selector: { [APP_LABEL]: app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class K8sAdapter implements RuntimeAdapter<K8sDeploymentData, K8sInstanceData> {
  readonly id = 'k8s';
  readonly description = 'Kubernetes: a Deployment + Service per workload variant, cold start = scale 0 → 1';
  readonly runId: string;
  private kc: k8s.KubeConfig | null = null;
  private cluster: ClusterInfo | null = null;
  private namespace: Promise<string> | null = null;
  /** Deployments prepared per workload-variant name. */
  private readonly prepared = new Map<string, number>();
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly config: K8sConfig = {},
    internals: K8sInternals = {},
  ) {
    this.runId = internals.runId ?? `${process.pid}-${Date.now().toString(36)}`;
    this.startTimeoutMs = internals.startTimeoutMs ?? 60_000;
    this.stopTimeoutMs = internals.stopTimeoutMs ?? 60_000;
  }

  /** Nodes simulated by kwok run no pods: nothing answers (the harness then measures to ready). Known after available(). */
  get servesRequests(): boolean {
    return !this.cluster || this.cluster.simulatedNodes < this.cluster.readyNodes;
  }

  capabilities(): Capabilities {
    return {
      variants: ['node', 'native', 'wasm'],
      modes: this.servesRequests ? ['cold', 'warm', 'density'] : ['cold', 'density'],
      freshInstancePerRequest: false,
      servesRequests: this.servesRequests,
    };
  }

  private kube(): k8s.KubeConfig {
    this.kc ??= loadKubeConfig(this.config.kubeconfig);
    return this.kc;
  }

  async available(): Promise<Availability> {
    let info: ClusterInfo;
    let swept: string[];
    try {
      const kc = this.kube();
      // A kubeconfig naming an unreachable server would otherwise wait for TCP's own timeout (minutes).
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `cluster ${kc.getCurrentCluster()?.server ?? '?'} did not answer within ${AVAILABLE_TIMEOUT_MS / 1000} s`,
              ),
            ),
          AVAILABLE_TIMEOUT_MS,
        );
      });
      try {
        info = await Promise.race([describeCluster(kc), late]);
        swept = await Promise.race([sweepDeadRuns(kc), late]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    this.cluster = info;
    const line = describeLine(info) + (swept.length > 0 ? `; swept ${swept.length} namespace(s) of dead runs` : '');
    if (info.readyNodes === 0) return { ok: false, reason: `no ready node: ${line}` };
    return { ok: true, detail: line };
  }

  async describeVersions(): Promise<Record<string, string>> {
    const c = this.cluster ?? (await describeCluster(this.kube()));
    return {
      server: c.server,
      version: c.version,
      nodes: String(c.nodes),
      readyNodes: String(c.readyNodes),
      simulatedNodes: String(c.simulatedNodes),
      crds: c.crds.join(',') || 'none',
    };
  }

  private ns(): Promise<string> {
    this.namespace ??= createRunNamespace(this.kube(), this.runId);
    this.namespace.catch(() => (this.namespace = null));
    return this.namespace;
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<Dep> {
    const image = imageFor(workload, variant);
    const namespace = await this.ns();
    // The harness prepares a variant once per mode: the second gets its own app (…-p2), so cells never share one.
    const first = dnsName(`${workload.name}-${variant}`);
    const n = (this.prepared.get(first) ?? 0) + 1;
    this.prepared.set(first, n);
    const base = n === 1 ? first : `${first}-p${n}`;
    const { deployment, service } = appObjects(namespace, base, image, 0);
    const kc = this.kube();
    try {
      await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({ namespace, body: deployment });
      await kc.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace, body: service });
    } catch (e) {
      throw apiError(`deploying ${base} in ${namespace}`, e);
    }
    return {
      runtime: this.id,
      workload,
      variant,
      data: { base, baseInUse: false, extras: 0, image, pathPrefix: variant === 'native' ? '/cgi-bin/fn' : '' },
    };
  }

  async start(d: Dep): Promise<StartResult<Inst>> {
    const namespace = await this.ns();
    const kc = this.kube();
    const extra = d.data.baseInUse;
    const app = extra ? dnsName(`${d.data.base}-${++d.data.extras}`, 63) : d.data.base;
    if (!extra) d.data.baseInUse = true;
    const instance: Inst = {
      id: `${namespace}/${app}`,
      deployment: d,
      data: { app, extra },
      pathPrefix: d.data.pathPrefix,
    };
    try {
      const phases = await this.untilReady(namespace, app, async () => {
        if (extra) {
          const { deployment, service } = appObjects(namespace, app, d.data.image, 1);
          await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({ namespace, body: deployment });
          await kc.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace, body: service });
        } else {
          await this.scale(namespace, app, 1);
        }
      });
      return { instance, phases };
    } catch (e) {
      await this.stop(instance).catch(() => {});
      throw e;
    }
  }

  private async scale(namespace: string, name: string, replicas: number): Promise<void> {
    await this.kube()
      .makeApiClient(k8s.AppsV1Api)
      .replaceNamespacedDeploymentScale({
        name,
        namespace,
        body: { metadata: { name, namespace }, spec: { replicas } },
      });
  }

  /** Opens a pod watch on the app, runs `trigger`, and resolves with the phases once a pod is Ready. */
  private async untilReady(
    namespace: string,
    app: string,
    trigger: () => Promise<void>,
  ): Promise<StartResult['phases']> {
    const kc = this.kube();
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => {});
    let clock: PhaseClock | null = null;
    const early: k8s.V1Pod[] = [];
    let lastPod: k8s.V1Pod | null = null;
    const onPod = (pod: k8s.V1Pod, at: bigint): void => {
      lastPod = pod;
      if (!clock) return void early.push(pod);
      clock.markPod(pod, at);
      if (clock.has('ready')) return settle.resolve();
      const failure = podFailure(pod);
      if (failure) settle.reject(new Error(failure));
    };
    const controller = await new k8s.Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector: `${APP_LABEL}=${app}` },
      (type: string, obj: k8s.V1Pod) => {
        const at = process.hrtime.bigint();
        if (type === 'ADDED' || type === 'MODIFIED') onPod(obj, at);
      },
      (err: unknown) => {
        if (err && !(err instanceof Error && err.name === 'AbortError'))
          settle.reject(apiError(`watching pods of ${app}`, err));
        else settle.reject(new Error(`the pod watch of ${app} ended before it was ready`));
      },
    );
    const timer = setTimeout(() => {
      const p = lastPod as k8s.V1Pod | null;
      const status = p
        ? `pod ${p.metadata?.name} is ${p.status?.phase ?? 'unknown'}${p.spec?.nodeName ? ` on ${p.spec.nodeName}` : ', not scheduled'}`
        : 'no pod was created';
      settle.reject(new Error(`${app} not ready within ${this.startTimeoutMs} ms: ${status}`));
    }, this.startTimeoutMs);
    try {
      if (early.length > 0) throw new Error(`${app} already has a pod (${early[0]!.metadata?.name}) before its start`);
      const t0 = process.hrtime.bigint();
      clock = new PhaseClock(t0);
      try {
        await trigger();
      } catch (e) {
        throw apiError(`starting ${app}`, e);
      }
      clock.mark('accepted');
      await done;
      return clock.phases();
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  async invoke(i: Inst, req: FunctionRequest): Promise<InvokeResult> {
    if (!this.servesRequests) {
      throw new Error(
        "the cluster's nodes are simulated by kwok: pods do not run, so nothing can answer (cold start is measured to ready)",
      );
    }
    const namespace = await this.ns();
    const kc = this.kube();
    const server = new URL(kc.getCurrentCluster()!.server);
    const path = `${server.pathname.replace(/\/$/, '')}/api/v1/namespaces/${namespace}/services/${i.data.app}:http/proxy${i.deployment.data.pathPrefix}${req.path}${req.query ? `?${req.query}` : ''}`;
    const opts: https.RequestOptions = {
      method: req.method,
      host: server.hostname,
      port: server.port || (server.protocol === 'https:' ? 443 : 80),
      path,
      headers: { ...req.headers },
    };
    await kc.applyToHTTPSOptions(opts);
    const t0 = process.hrtime.bigint();
    const response = await new Promise<InvokeResult['response']>((resolve, reject) => {
      const r = (server.protocol === 'https:' ? https : http).request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) });
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(Buffer.from(req.body));
    });
    return { response, totalNs: Number(process.hrtime.bigint() - t0), phases: [] };
  }

  async stop(i: Inst): Promise<void> {
    const namespace = await this.ns();
    const kc = this.kube();
    const { app, extra } = i.data;
    try {
      if (extra) {
        await kc
          .makeApiClient(k8s.AppsV1Api)
          .deleteNamespacedDeployment({ name: app, namespace, propagationPolicy: 'Background' })
          .catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
        await kc
          .makeApiClient(k8s.CoreV1Api)
          .deleteNamespacedService({ name: app, namespace })
          .catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
      } else {
        await this.scale(namespace, app, 0);
      }
    } catch (e) {
      throw apiError(`stopping ${app}`, e);
    }
    await this.untilNoPods(namespace, app);
    if (!extra) i.deployment.data.baseInUse = false;
  }

  private async untilNoPods(namespace: string, app: string): Promise<void> {
    const core = this.kube().makeApiClient(k8s.CoreV1Api);
    const end = Date.now() + this.stopTimeoutMs;
    for (;;) {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: `${APP_LABEL}=${app}` })).items;
      if (pods.length === 0) return;
      if (Date.now() > end)
        throw new Error(`${app}: ${pods.length} pod(s) still there ${this.stopTimeoutMs} ms after the stop`);
      await sleep(50);
    }
  }

  /** Deletes the run's namespace (everything in it) and waits until it is gone. */
  async dispose(): Promise<void> {
    const ns = this.namespace;
    this.namespace = null;
    if (!ns) return;
    const name = await ns.catch(() => null);
    if (name) await deleteNamespace(this.kube(), name);
  }

  /** The run's namespace, if one was created (tests). */
  async namespaceName(): Promise<string | null> {
    return this.namespace ? this.namespace.catch(() => null) : null;
  }
}

export function k8sAdapter(config: K8sConfig = {}, internals: K8sInternals = {}): K8sAdapter {
  return new K8sAdapter(config, internals);
}
