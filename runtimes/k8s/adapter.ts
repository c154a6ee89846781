// The `k8s` runtime: the same workloads on a Kubernetes cluster, through
// @kubernetes/client-node (1.x; 2.x needs Node 22).
//
// - One namespace per run (namespace.ts), created at the first prepare(), deleted (and
//   waited for) at dispose(); a dead harness's namespace is swept by the next
//   available() on the same host.
// - prepare(): the variant becomes an app of one of three kinds (kinds.ts: a Deployment
//   + ClusterIP Service, a SpinKube SpinApp for components, a Knative Service), chosen
//   by --k8s-kind (auto: by the CRDs the cluster has), deployed at zero pods (a SpinApp:
//   autoscaled, and the Deployment its operator makes scaled to 0 here, waited for). Its image
//   comes from images.ts: named after the artifact and expected on the nodes, or built
//   here and loaded into the cluster (--k8s-image-load) or pushed (--k8s-image-registry).
// - start(), the cold start: the app brought from 0 to 1 pod, timed to the pod's Ready,
//   in phases from a pod watch opened before the trigger (phases.ts: accepted, created,
//   scheduled, started, ready). The trigger is the kind's own: the Deployment's replicas
//   set to 1 (ours, or the one the spin-operator made for a SpinApp), or for Knative the first request to the revision (the
//   activator holds it while the autoscaler makes a pod: Knative's scale from zero). A
//   second start() while the first instance lives (density) deploys a new app at one
//   pod: density counts apps.
// - invoke(): through the API server's service proxy
//   (/api/v1/namespaces/NS/services/NAME:PORT/proxy/…), which works from anywhere the
//   kubeconfig works and needs only the RBAC in the README. On simulated nodes no pod
//   runs, so nothing answers: capabilities().servesRequests is false there, and the
//   harness measures cold start to ready only (README says which figures those are).
// - stop(): back to 0 (replicas 0; Knative scales to zero on its own once idle) or the
//   extra app deleted, and waits until its pods are gone, so the next cold start begins
//   from zero pods.

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
import { flatHeaders } from '../shared/http.js';
import { apiError, describeCluster, describeLine, isNotFound, loadKubeConfig, type ClusterInfo } from './cluster.js';
import { dnsName, ImageDeliverer, type BuildImage, type RunOptions } from './images.js';
import {
  chooseKind,
  deploymentObjects,
  describeKinds,
  KNATIVE_API,
  knativeServiceObject,
  pathPrefixOf,
  podMaker,
  podSelector,
  SPIN_EXECUTOR,
  SPIN_EXECUTOR_API,
  SPIN_EXECUTOR_CRD,
  SPINAPP_API,
  spinAppObject,
  spinExecutorObject,
  variantsFor,
  type AppSpec,
  type K8sKind,
  type K8sKindSetting,
} from './kinds.js';
import { createRunNamespace, deleteNamespace, sweepDeadRuns } from './namespace.js';
import { PhaseClock, podFailure } from './phases.js';

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export interface K8sConfig {
  /** Kubeconfig file(s), `:`-separated (--kubeconfig, else KUBECONFIG); unset: ~/.kube/config, else in-cluster. */
  kubeconfig?: string;
  /** --k8s-kind: what a variant is deployed as (default auto: kinds.ts). */
  kind?: K8sKindSetting;
  /** --k8s-image-registry: build each image here and push it to this registry (host[:port][/path]). */
  imageRegistry?: string;
  /** --k8s-image-load: build each image here and load it with this command template ({image} = its tag). */
  imageLoad?: string;
}

/** Settings no flag sets (tests). */
export interface K8sInternals {
  /** Label value for faasbench.run and part of the namespace name (default: pid + time). */
  runId?: string;
  /** A start not ready within this is a failed start (default 60 s: image pulls on a real cluster). */
  startTimeoutMs?: number;
  /** stop() waits this long for the pods to go (default 60 s). */
  stopTimeoutMs?: number;
  /** Knative scales an idle revision to zero itself (window 6 s + the cluster's grace period, 30 s by default): stop() waits this long (default 300 s). */
  knativeStopTimeoutMs?: number;
  /** How images are built and commands run (tests). */
  buildImage?: BuildImage;
  runCommand?: (argv: string[], o?: RunOptions) => Promise<void>;
}

const AVAILABLE_TIMEOUT_MS = 10_000;

interface K8sDeploymentData {
  kind: K8sKind;
  /** The app brought 0 → 1 by a cold start. */
  base: string;
  baseInUse: boolean;
  extras: number;
  image: string;
  pathPrefix: string;
}

interface K8sInstanceData {
  app: string;
  /** A density app of its own (deleted on stop), not the base app (back to 0 on stop). */
  extra: boolean;
  /** The Service the API server proxies requests to, NAME:PORT. */
  target: string;
  /** Headers every request carries (Knative's activator routes by them). */
  headers: Record<string, string>;
}

type Dep = OwnDeployment<K8sDeploymentData>;
type Inst = OwnInstance<K8sInstanceData, K8sDeploymentData>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ignoreNotFound = (e: unknown) => {
  if (!isNotFound(e)) throw e;
};

export class K8sAdapter implements RuntimeAdapter<K8sDeploymentData, K8sInstanceData> {
  readonly id = 'k8s';
  readonly description =
    'Kubernetes: a Deployment, SpinApp or Knative Service per workload variant, cold start = 0 → 1 pod';
  readonly runId: string;
  private kc: k8s.KubeConfig | null = null;
  private cluster: ClusterInfo | null = null;
  private namespace: Promise<string> | null = null;
  private spinExecutor: Promise<void> | null = null;
  /** Apps prepared per workload-variant name. */
  private readonly prepared = new Map<string, number>();
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly knativeStopTimeoutMs: number;
  private readonly images: ImageDeliverer;
  private readonly kindSetting: K8sKindSetting;

  constructor(
    private readonly config: K8sConfig = {},
    internals: K8sInternals = {},
  ) {
    this.runId = internals.runId ?? `${process.pid}-${Date.now().toString(36)}`;
    this.startTimeoutMs = internals.startTimeoutMs ?? 60_000;
    this.stopTimeoutMs = internals.stopTimeoutMs ?? 60_000;
    this.knativeStopTimeoutMs = internals.knativeStopTimeoutMs ?? 300_000;
    this.kindSetting = config.kind ?? 'auto';
    this.images = new ImageDeliverer(
      { registry: config.imageRegistry, loadTemplate: config.imageLoad },
      internals.buildImage,
      internals.runCommand,
    );
  }

  /** Nodes simulated by kwok run no pods: nothing answers (the harness then measures to ready). Known after available(). */
  get servesRequests(): boolean {
    return !this.cluster || this.cluster.simulatedNodes < this.cluster.readyNodes;
  }

  capabilities(): Capabilities {
    return {
      variants: variantsFor(this.kindSetting, this.cluster?.crds ?? []),
      modes: this.servesRequests ? ['cold', 'warm', 'density'] : ['cold', 'density'],
      freshInstancePerRequest: false,
      servesRequests: this.servesRequests,
    };
  }

  private kube(): k8s.KubeConfig {
    this.kc ??= loadKubeConfig(this.config.kubeconfig);
    return this.kc;
  }

  private custom(): k8s.CustomObjectsApi {
    return this.kube().makeApiClient(k8s.CustomObjectsApi);
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
    const c = await this.clusterInfo();
    return {
      server: c.server,
      version: c.version,
      nodes: String(c.nodes),
      readyNodes: String(c.readyNodes),
      simulatedNodes: String(c.simulatedNodes),
      crds: c.crds.join(',') || 'none',
      // Which kind each class of variant is deployed as in this run, and how images got there.
      ...describeKinds(this.kindSetting, c.crds),
      images:
        this.config.imageRegistry !== undefined
          ? `pushed to ${this.config.imageRegistry}`
          : this.config.imageLoad !== undefined
            ? `loaded with: ${this.config.imageLoad}`
            : 'expected on the nodes',
    };
  }

  private async clusterInfo(): Promise<ClusterInfo> {
    this.cluster ??= await describeCluster(this.kube());
    return this.cluster;
  }

  private ns(): Promise<string> {
    this.namespace ??= createRunNamespace(this.kube(), this.runId);
    this.namespace.catch(() => (this.namespace = null));
    return this.namespace;
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<Dep> {
    const kind = chooseKind(this.kindSetting, variant, (await this.clusterInfo()).crds);
    const image = await this.images.image(workload, variant);
    const namespace = await this.ns();
    // The harness prepares a variant once per mode: the second gets its own app (…-p2), so cells never share one.
    const first = dnsName(`${workload.name}-${variant}`);
    const n = (this.prepared.get(first) ?? 0) + 1;
    this.prepared.set(first, n);
    const base = n === 1 ? first : `${first}-p${n}`;
    try {
      if (kind === 'spinapp') await this.ensureSpinExecutor(namespace);
      await this.createApp(kind, { namespace, app: base, image, variant }, false);
    } catch (e) {
      throw apiError(`deploying ${kind} ${base} in ${namespace}`, e);
    }
    if (kind === 'spinapp') await this.zeroSpinDeployment(namespace, base);
    return {
      runtime: this.id,
      workload,
      variant,
      data: { kind, base, baseInUse: false, extras: 0, image, pathPrefix: pathPrefixOf(variant) },
    };
  }

  /** The SpinAppExecutor the SpinApps name, in the run's namespace: the cluster's own (from `default`) copied, else SpinKube's default. */
  private ensureSpinExecutor(namespace: string): Promise<void> {
    if (this.spinExecutor) return this.spinExecutor;
    this.spinExecutor = (async () => {
      if (!(await this.clusterInfo()).crds.includes(SPIN_EXECUTOR_CRD)) return;
      let spec: Record<string, unknown> | undefined;
      try {
        const own = (await this.custom().getNamespacedCustomObject({
          ...SPIN_EXECUTOR_API,
          namespace: 'default',
          name: SPIN_EXECUTOR,
        })) as { spec?: Record<string, unknown> };
        spec = own.spec;
      } catch {
        /* none there (or not ours to read): SpinKube's default */
      }
      await this.custom().createNamespacedCustomObject({
        ...SPIN_EXECUTOR_API,
        namespace,
        body: spinExecutorObject(namespace, spec),
      });
    })();
    this.spinExecutor.catch(() => (this.spinExecutor = null));
    return this.spinExecutor;
  }

  /**
   * An autoscaled SpinApp's Deployment, made by the spin-operator, starts at the
   * Deployment default of one replica: waited for (≤ the start timeout; none means no
   * operator acts, said in one sentence), scaled to 0, and its pods waited out, so the
   * first cold start begins from zero. Not timed.
   */
  private async zeroSpinDeployment(namespace: string, app: string): Promise<void> {
    const apps = this.kube().makeApiClient(k8s.AppsV1Api);
    const end = Date.now() + this.startTimeoutMs;
    for (;;) {
      try {
        await apps.readNamespacedDeployment({ name: app, namespace });
        break;
      } catch (e) {
        if (!isNotFound(e)) throw apiError(`reading the Deployment of SpinApp ${app}`, e);
      }
      if (Date.now() > end)
        throw new Error(
          `SpinApp ${app}: no Deployment ${this.startTimeoutMs} ms after it was created (no SpinKube operator running?)`,
        );
      await sleep(100);
    }
    try {
      await this.scale('spinapp', namespace, app, 0);
    } catch (e) {
      throw apiError(`scaling the Deployment of SpinApp ${app} to 0`, e);
    }
    await this.untilNoPods(namespace, podSelector('spinapp', app), app, this.stopTimeoutMs);
  }

  /** Creates an app: the base at zero pods (a SpinApp: autoscaled), a density app (`extra`) at one. */
  private async createApp(kind: K8sKind, s: AppSpec, extra: boolean): Promise<void> {
    const kc = this.kube();
    const replicas = extra ? 1 : 0;
    if (kind === 'deployment') {
      const { deployment, service } = deploymentObjects(s, replicas);
      await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({ namespace: s.namespace, body: deployment });
      await kc.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace: s.namespace, body: service });
    } else if (kind === 'spinapp') {
      await this.custom().createNamespacedCustomObject({
        ...SPINAPP_API,
        namespace: s.namespace,
        body: spinAppObject(s, extra ? 1 : undefined),
      });
    } else {
      await this.custom().createNamespacedCustomObject({
        ...KNATIVE_API,
        namespace: s.namespace,
        body: knativeServiceObject(s, extra),
      });
    }
  }

  private async deleteApp(kind: K8sKind, namespace: string, name: string): Promise<void> {
    const kc = this.kube();
    if (kind === 'deployment') {
      await kc
        .makeApiClient(k8s.AppsV1Api)
        .deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' })
        .catch(ignoreNotFound);
      await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedService({ name, namespace }).catch(ignoreNotFound);
    } else {
      // The operator's Deployment and the revisions are owned by the object: garbage-collected with it.
      const api = kind === 'spinapp' ? SPINAPP_API : KNATIVE_API;
      await this.custom()
        .deleteNamespacedCustomObject({ ...api, namespace, name, propagationPolicy: 'Background' })
        .catch(ignoreNotFound);
    }
  }

  /** Sets the replicas of a Deployment: ours, or the one the spin-operator made for an autoscaled SpinApp (same name). */
  private async scale(kind: K8sKind, namespace: string, name: string, replicas: number): Promise<void> {
    if (kind === 'deployment' || kind === 'spinapp') {
      await this.kube()
        .makeApiClient(k8s.AppsV1Api)
        .replaceNamespacedDeploymentScale({
          name,
          namespace,
          body: { metadata: { name, namespace }, spec: { replicas } },
        });
    } else {
      throw new Error('a Knative Service is not scaled by faasbench: its autoscaler does it');
    }
  }

  async start(d: Dep): Promise<StartResult<Inst>> {
    const namespace = await this.ns();
    const { kind } = d.data;
    const extra = d.data.baseInUse;
    const app = extra ? dnsName(`${d.data.base}-${++d.data.extras}`, 63) : d.data.base;
    if (!extra) d.data.baseInUse = true;
    const instance: Inst = {
      id: `${namespace}/${app}`,
      deployment: d,
      data: { app, extra, target: kind === 'deployment' ? `${app}:http` : `${app}:80`, headers: {} },
      pathPrefix: d.data.pathPrefix,
    };
    const selector = podSelector(kind, app);
    try {
      let trigger: () => Promise<void>;
      let triggerNote = (): string => '';
      if (extra) {
        trigger = () => this.createApp(kind, { namespace, app, image: d.data.image, variant: d.variant }, true);
      } else if (kind === 'knative') {
        // Not timed: the previous instance's pod gone (Knative scales to zero on its own), the revision known.
        await this.untilNoPods(namespace, selector, app, this.knativeStopTimeoutMs);
        const revision = await this.knativeRevision(namespace, app);
        this.aimAtRevision(instance, namespace, revision);
        let outcome = 'no answer yet';
        trigger = async () => {
          // The request is the trigger: sent, not awaited (it is answered once a pod is ready).
          void this.proxyRequest(instance, { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() })
            .then((r) => (outcome = `HTTP ${r.response.status}`))
            .catch((e: Error) => (outcome = e.message));
        };
        triggerNote = () => `; the triggering request to ${revision}: ${outcome}`;
      } else {
        trigger = () => this.scale(kind, namespace, app, 1);
      }
      const phases = await this.untilReady(namespace, selector, app, kind, trigger, triggerNote);
      // A density app's requests, too, go to its revision (the Knative Service's own Service is not proxied).
      if (extra && kind === 'knative')
        this.aimAtRevision(instance, namespace, await this.knativeRevision(namespace, app));
      return { instance, phases };
    } catch (e) {
      await this.stop(instance).catch(() => {});
      throw e;
    }
  }

  /**
   * Requests to a Knative app go to its revision's Service (the Knative Service's own is an
   * ExternalName to the ingress, which the API server does not proxy). While no pod runs it
   * leads to the activator, which routes by these headers (the ingress would set them).
   */
  private aimAtRevision(i: Inst, namespace: string, revision: string): void {
    i.data.target = `${revision}:80`;
    i.data.headers = { 'knative-serving-namespace': namespace, 'knative-serving-revision': revision };
  }

  /** The Knative Service's latest revision, waited for (≤ start timeout): no revision means no Knative controller. */
  private async knativeRevision(namespace: string, app: string): Promise<string> {
    const end = Date.now() + this.startTimeoutMs;
    for (;;) {
      const ksvc = (await this.custom().getNamespacedCustomObject({ ...KNATIVE_API, namespace, name: app })) as {
        status?: { latestReadyRevisionName?: string; latestCreatedRevisionName?: string };
      };
      const rev = ksvc.status?.latestReadyRevisionName ?? ksvc.status?.latestCreatedRevisionName;
      if (rev) return rev;
      if (Date.now() > end)
        throw new Error(
          `Knative Service ${app} has no revision ${this.startTimeoutMs} ms after it was created: nothing acted on it, ${podMaker('knative')}`,
        );
      await sleep(200);
    }
  }

  /** Opens a pod watch on `selector`, runs `trigger`, and resolves with the phases once a pod is Ready. */
  private async untilReady(
    namespace: string,
    selector: string,
    app: string,
    kind: K8sKind,
    trigger: () => Promise<void>,
    note: () => string,
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
      { labelSelector: selector },
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
        : `no pod (${selector}) appeared: they are made by ${podMaker(kind)}`;
      settle.reject(new Error(`${kind} ${app} not ready within ${this.startTimeoutMs} ms: ${status}${note()}`));
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
    return this.proxyRequest(i, req);
  }

  /** One request through the API server's service proxy to the instance's Service. */
  private async proxyRequest(i: Inst, req: FunctionRequest): Promise<InvokeResult> {
    const namespace = await this.ns();
    const kc = this.kube();
    const server = new URL(kc.getCurrentCluster()!.server);
    const path = `${server.pathname.replace(/\/$/, '')}/api/v1/namespaces/${namespace}/services/${i.data.target}/proxy${i.deployment.data.pathPrefix}${req.path}${req.query ? `?${req.query}` : ''}`;
    const opts: https.RequestOptions = {
      method: req.method,
      host: server.hostname,
      port: server.port || (server.protocol === 'https:' ? 443 : 80),
      path,
      headers: { ...req.headers, ...i.data.headers },
    };
    await kc.applyToHTTPSOptions(opts);
    const t0 = process.hrtime.bigint();
    const response = await new Promise<InvokeResult['response']>((resolve, reject) => {
      const r = (server.protocol === 'https:' ? https : http).request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = flatHeaders(res.headers);
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
    const { app, extra } = i.data;
    const { kind } = i.deployment.data;
    try {
      if (extra) await this.deleteApp(kind, namespace, app);
      else if (kind !== 'knative') await this.scale(kind, namespace, app, 0);
    } catch (e) {
      throw apiError(`stopping ${app}`, e);
    }
    // Knative's base app goes back to zero by itself; its next start() waits for that (not timed), not this stop.
    if (extra || kind !== 'knative') await this.untilNoPods(namespace, podSelector(kind, app), app, this.stopTimeoutMs);
    if (!extra) i.deployment.data.baseInUse = false;
  }

  private async untilNoPods(namespace: string, selector: string, app: string, timeoutMs: number): Promise<void> {
    const core = this.kube().makeApiClient(k8s.CoreV1Api);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
      if (pods.length === 0) return;
      if (Date.now() > end) throw new Error(`${app}: ${pods.length} pod(s) still there after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Deletes the run's namespace (everything in it) and waits until it is gone. */
  async dispose(): Promise<void> {
    const ns = this.namespace;
    this.namespace = null;
    this.spinExecutor = null;
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
