// The k8s runtime against a real Kubernetes API server started here (local-cluster.ts:
// etcd + kube-apiserver + controller-manager + scheduler built by
// install-control-plane.sh, nodes simulated by kwok). scripts/test.sh installs the
// control plane and sets FAASBENCH_REQUIRE_K8S=1: there a missing control plane fails
// these tests instead of skipping them.
//
// What is real: every API call, the Deployment → ReplicaSet → Pod chain, scheduling,
// the watch events the phases come from, namespace deletion, and the SpinKube and
// Knative CRDs (test-crds.ts) with their objects. What is simulated: the node (kwok
// marks pods running and ready; nothing runs, nothing answers), and the SpinKube
// operator where a test needs one (a stand-in below makes the pods a SpinApp's replicas
// ask for); no Knative controller runs at all.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorReport } from '../../harness/commands/doctor.js';
import { emptyRuntimeConfig } from '../../harness/options.js';
import { readResults } from '../../model/results/reader.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { REPO_ROOT, runCli } from '../../test/cli-helpers.js';
import { K8sAdapter, type K8sConfig, type K8sInternals } from './adapter.js';
import { loadKubeConfig } from './cluster.js';
import { findControlPlane, startLocalCluster, type LocalCluster } from './local-cluster.js';
import { HOST_LABEL, LABEL, labelValue, PID_LABEL } from './namespace.js';
import { KNATIVE_API, SPIN_APP_LABEL, SPINAPP_API, SPIN_EXECUTOR_API } from './kinds.js';
import {
  installCrds,
  KNATIVE_SERVICE_CRD_MANIFEST,
  removeCrds,
  SPIN_EXECUTOR_CRD_MANIFEST,
  SPINAPP_CRD_MANIFEST,
} from './test-crds.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const found = findControlPlane();
const required = process.env['FAASBENCH_REQUIRE_K8S'] === '1';

it('the Kubernetes control plane is installed when required', () => {
  if (required) expect(found.ok ? '' : found.reason, 'run bash runtimes/k8s/install-control-plane.sh').toBe('');
});

describe.skipIf(!found.ok && !required)(
  'k8s runtime on a local API server with kwok nodes',
  { timeout: 180_000 },
  () => {
    let cluster: LocalCluster;
    let kc: k8s.KubeConfig;
    beforeAll(async () => {
      cluster = await startLocalCluster({ nodes: 1, podsPerNode: 12 });
      kc = loadKubeConfig(cluster.kubeconfig);
    }, 180_000);
    afterAll(async () => {
      await cluster?.stop();
    }, 60_000);

    const core = () => kc.makeApiClient(k8s.CoreV1Api);
    const custom = () => kc.makeApiClient(k8s.CustomObjectsApi);
    const faasbenchNamespaces = async () =>
      (await core().listNamespace({ labelSelector: `${LABEL}=1` })).items
        .filter((n) => n.status?.phase !== 'Terminating')
        .map((n) => n.metadata!.name!);
    const podsIn = async (namespace: string, labelSelector?: string) =>
      (await core().listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) })).items;
    const hello = () => loadWorkload(join(builtinWorkloadsDir(), 'hello'));

    /** An adapter on the test cluster, available() checked. */
    async function readyAdapter(config: Omit<K8sConfig, 'kubeconfig'> = {}, internals: K8sInternals = {}) {
      const a = new K8sAdapter({ kubeconfig: cluster.kubeconfig, ...config }, internals);
      const av = await a.available();
      expect(av.ok, av.ok ? '' : av.reason).toBe(true);
      return a;
    }

    /** `faasbench run -r k8s` of many cold starts in a child process (to be interrupted). */
    function spawnColdRun(out: string): ChildProcess {
      return spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--no-turbo-fast-api-calls',
          join(REPO_ROOT, 'test', 'cli-entry.ts'),
          'run',
          '-r',
          'k8s',
          '--kubeconfig',
          cluster.kubeconfig,
          '-w',
          'hello',
          '--variant',
          'node',
          '-m',
          'cold',
          '--iterations',
          '200',
          '-o',
          out,
          '--no-report',
          '-q',
        ],
        { cwd: REPO_ROOT, stdio: 'ignore' },
      );
    }

    /** The namespace of the harness with this pid, once a first pod exists in it (the run is under way); ≤ 60 s. */
    async function runUnderWay(pid: number): Promise<string | undefined> {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const ns = (await core().listNamespace({ labelSelector: `${LABEL}=1,${PID_LABEL}=${pid}` })).items[0]?.metadata
          ?.name;
        if (ns && (await podsIn(ns)).length > 0) return ns;
        await sleep(100);
      }
      return undefined;
    }

    it('says what it found: version, nodes (simulated), CRDs; a missing kubeconfig is one sentence', async () => {
      const a = new K8sAdapter({ kubeconfig: cluster.kubeconfig });
      const av = await a.available();
      expect(av).toEqual({
        ok: true,
        detail: expect.stringMatching(
          /^v1\.34\.4 at https:\/\/127\.0\.0\.1:\d+ .*1 node \(1 ready, simulated by kwok: pods do not run\), CRDs: none/,
        ),
      });
      expect(a.capabilities().servesRequests).toBe(false);
      expect(await a.describeVersions()).toMatchObject({
        version: 'v1.34.4',
        nodes: '1',
        simulatedNodes: '1',
        crds: 'none',
      });
      await a.dispose();
      const missing = await new K8sAdapter({ kubeconfig: '/nonexistent/kubeconfig' }).available();
      expect(missing).toEqual({ ok: false, reason: 'kubeconfig /nonexistent/kubeconfig not found' });
    });

    it('faasbench doctor shows the cluster, its version, node count and CRDs', async () => {
      const r = await doctorReport({ ...emptyRuntimeConfig(), k8s: { kubeconfig: cluster.kubeconfig } });
      expect(r.runtimes.find((x) => x.id === 'k8s')).toEqual({
        id: 'k8s',
        default: false,
        ok: true,
        text: expect.stringMatching(
          /^v1\.34\.4 at https:\/\/127\.0\.0\.1:\d+ \(context faasbench-local\), 1 node \(1 ready, simulated by kwok: pods do not run\), CRDs: none of SpinKube\/Knative$/,
        ),
      });
      // The SpinKube and Knative CRDs are found (and named) once installed.
      const crds = [SPINAPP_CRD_MANIFEST, KNATIVE_SERVICE_CRD_MANIFEST];
      await installCrds(kc, crds);
      try {
        const again = await doctorReport({ ...emptyRuntimeConfig(), k8s: { kubeconfig: cluster.kubeconfig } });
        expect(again.runtimes.find((x) => x.id === 'k8s')?.text).toMatch(
          /CRDs: (SpinKube SpinApp \(spinapps\.core\.spinkube\.dev\)|Knative Service \(services\.serving\.knative\.dev\))(, (SpinKube SpinApp|Knative Service) \([a-z.]+\))$/,
        );
      } finally {
        await removeCrds(kc, crds);
      }
    });

    it('cold start: scale 0 → 1 to ready with phases from the watch, twice, then everything it made is gone', async () => {
      const a = await readyAdapter({}, { runId: 'cold-test' });
      const d = await a.prepare(await hello(), 'node');
      const ns = (await a.namespaceName())!;
      expect(ns).toBe('faasbench-cold-test');
      const nsObj = await core().readNamespace({ name: ns });
      expect(nsObj.metadata?.labels).toMatchObject({
        [LABEL]: '1',
        'faasbench.run': 'cold-test',
        [PID_LABEL]: String(process.pid),
      });
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      const dep = await apps.readNamespacedDeployment({ name: 'hello-node', namespace: ns });
      expect(dep.spec?.replicas).toBe(0);
      expect(dep.spec?.template.spec?.containers[0]?.image).toMatch(/^faasbench\/hello-node:[0-9a-f]{12}$/);
      for (let k = 0; k < 2; k++) {
        const { instance, phases } = await a.start(d);
        expect(phases.map((p) => p.phase)).toEqual(['accepted', 'created', 'scheduled', 'started', 'ready']);
        expect(phases.every((p) => Number.isInteger(p.ns) && p.ns >= 0)).toBe(true);
        const pods = await podsIn(ns);
        expect(pods).toHaveLength(1);
        expect(pods[0]!.spec?.nodeName).toBe(cluster.nodes[0]);
        expect(pods[0]!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
        await expect(
          a.invoke(instance, { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() }),
        ).rejects.toThrow(/simulated by kwok/);
        await a.stop(instance);
        expect(await podsIn(ns)).toHaveLength(0);
      }
      await a.dispose();
      await expect(core().readNamespace({ name: ns })).rejects.toMatchObject({ code: 404 });
    });

    it("density: a second start deploys a new app; a full node fails the start at once with the scheduler's reason", async () => {
      const a = await readyAdapter({}, { runId: 'density-test', startTimeoutMs: 60_000 });
      const d = await a.prepare(await hello(), 'native');
      const started = [];
      let failure: Error | null = null;
      const t0 = Date.now();
      for (let k = 0; k < 13; k++) {
        try {
          started.push((await a.start(d)).instance);
        } catch (e) {
          failure = e as Error;
          break;
        }
      }
      // 12 pods fit the node; the 13th is unschedulable, reported without waiting for the start timeout.
      expect(started).toHaveLength(12);
      expect(failure?.message).toMatch(/cannot be scheduled: 0\/1 nodes are available: .*Too many pods/);
      expect(Date.now() - t0).toBeLessThan(60_000);
      const ns = (await a.namespaceName())!;
      const deps = (await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: ns })).items.map(
        (x) => x.metadata!.name!,
      );
      // The 13th app (hello-native-12) was removed again when its start failed.
      expect(deps.sort()).toEqual(
        ['hello-native', ...Array.from({ length: 11 }, (_, k) => `hello-native-${k + 1}`)].sort(),
      );
      for (const i of started) await a.stop(i);
      expect(await podsIn(ns)).toHaveLength(0);
      await a.dispose();
      expect(await faasbenchNamespaces()).not.toContain(ns);
    });

    it("sweeps the namespace of a harness that died on this host, and leaves a live one's", async () => {
      // A pid that existed and is gone: a child that has exited.
      const dead = spawnSync('true').pid!;
      const make = (name: string, pid: number) =>
        core().createNamespace({
          body: {
            metadata: {
              name,
              labels: { [LABEL]: '1', [HOST_LABEL]: labelValue(hostname()), [PID_LABEL]: String(pid) },
            },
          },
        });
      await make('faasbench-dead-run', dead);
      await make('faasbench-live-run', process.pid);
      const a = new K8sAdapter({ kubeconfig: cluster.kubeconfig });
      const av = await a.available();
      expect(av.ok && av.detail).toMatch(/swept 1 namespace\(s\) of dead runs/);
      const left = await faasbenchNamespaces();
      expect(left).toContain('faasbench-live-run');
      expect(left).not.toContain('faasbench-dead-run');
      await core().deleteNamespace({ name: 'faasbench-live-run' });
    });

    it('a harness killed with SIGKILL mid-run leaves its namespace, which the next start sweeps', async () => {
      const out = mkdtempSync(join(tmpdir(), 'faasbench-k8s-kill-'));
      const child = spawnColdRun(out);
      try {
        const mine = await runUnderWay(child.pid!);
        expect(mine).toBeDefined();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        expect(await faasbenchNamespaces()).toContain(mine);
        const av = await new K8sAdapter({ kubeconfig: cluster.kubeconfig }).available();
        expect(av.ok && av.detail).toMatch(/swept 1 namespace\(s\) of dead runs/);
        // Swept means deleted: the namespace and its pods go.
        const all = async () =>
          (await core().listNamespace({ labelSelector: `${LABEL}=1` })).items.map((n) => n.metadata?.name);
        const end = Date.now() + 60_000;
        while ((await all()).includes(mine) && Date.now() < end) await sleep(200);
        expect(await all()).not.toContain(mine);
      } finally {
        child.kill('SIGKILL');
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('Ctrl-C (SIGINT) mid-run: the harness removes its namespace before it exits', async () => {
      const out = mkdtempSync(join(tmpdir(), 'faasbench-k8s-int-'));
      const child = spawnColdRun(out);
      try {
        const mine = await runUnderWay(child.pid!);
        expect(mine).toBeDefined();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
        expect(
          (await core().listNamespace({ labelSelector: `${LABEL}=1` })).items.map((n) => n.metadata?.name),
        ).not.toContain(mine);
      } finally {
        child.kill('SIGKILL');
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('faasbench run -r k8s: cold start to ready and density in the results, the cluster in the header, nothing left', async () => {
      const out = mkdtempSync(join(tmpdir(), 'faasbench-k8s-cli-'));
      try {
        const r = await runCli(
          [
            'run',
            '-r',
            'k8s',
            '--kubeconfig',
            cluster.kubeconfig,
            '-w',
            'hello',
            '--variant',
            'node',
            '-m',
            'cold,density',
            '--iterations',
            '3',
            '--warmup',
            '1',
            '--max-instances',
            '6',
            '-o',
            out,
            '--no-report',
            '-q',
          ],
          { timeoutMs: 170_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        const [run] = readResults(
          join(
            out,
            readdirSync(out).find((f) => f.endsWith('.jsonl'))!,
          ),
        );
        expect(run!.header.versions).toMatchObject({
          'k8s.version': 'v1.34.4',
          'k8s.simulatedNodes': '1',
          // Which kind ran: no SpinKube or Knative CRD here, so containers are Deployments and components cannot run.
          'k8s.kind.setting': 'auto',
          'k8s.kind.containers': 'deployment',
          'k8s.kind.components': 'none',
          'k8s.images': 'expected on the nodes',
        });
        const cold = run!.samples.filter((x) => x.runtime === 'k8s' && x.mode === 'cold');
        expect(cold.filter((x) => x.phase === 'total').map((x) => [x.metric, x.ok])).toEqual([
          ['cold_start_ready_ns', true],
          ['cold_start_ready_ns', true],
          ['cold_start_ready_ns', true],
        ]);
        expect(new Set(cold.map((x) => x.phase))).toEqual(
          new Set(['total', 'accepted', 'created', 'scheduled', 'started', 'ready']),
        );
        const density = run!.samples
          .filter((x) => x.mode === 'density')
          .map((x) => `${x.metric}/${x.phase}=${x.value} ok=${x.ok} ${x.error ?? ''}`);
        expect(
          run!.samples.find((x) => x.mode === 'density' && x.metric === 'instances_count' && x.phase === 'total'),
          density.join('\n'),
        ).toMatchObject({ value: 6, ok: true });
        expect(await faasbenchNamespaces()).toEqual([]);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    /**
     * A stand-in for SpinKube's spin-operator, doing what it does for the cold-start path:
     * every 50 ms, each SpinApp gets a Deployment of its name (owned by it, pods labelled
     * core.spinkube.dev/app-name=<name>), with spec.replicas when the app has a count and
     * none when it is autoscaled (the Deployment default of 1; the replica count is then
     * left to whoever scales it), and the Deployment of a deleted SpinApp goes. The pods
     * are the real ReplicaSet controller's, placed by the real scheduler on kwok nodes.
     */
    function standInSpinOperator(namespace: string) {
      let running = true;
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      const loop = (async () => {
        while (running) {
          const list = (await custom().listNamespacedCustomObject({ ...SPINAPP_API, namespace })) as {
            items: Array<{
              apiVersion: string;
              kind: string;
              metadata: { name: string; uid: string };
              spec: { image: string; replicas?: number; enableAutoscaling?: boolean };
            }>;
          };
          const made = (await apps.listNamespacedDeployment({ namespace, labelSelector: SPIN_APP_LABEL })).items;
          for (const app of list.items) {
            const name = app.metadata.name;
            const replicas = app.spec.enableAutoscaling ? undefined : (app.spec.replicas ?? 1);
            const mine = made.find((d) => d.metadata?.name === name);
            if (!mine) {
              const labels = { [SPIN_APP_LABEL]: name };
              await apps.createNamespacedDeployment({
                namespace,
                body: {
                  metadata: {
                    name,
                    labels,
                    ownerReferences: [
                      { apiVersion: app.apiVersion, kind: app.kind, name, uid: app.metadata.uid, controller: true },
                    ],
                  },
                  spec: {
                    ...(replicas === undefined ? {} : { replicas }),
                    selector: { matchLabels: labels },
                    template: {
                      metadata: { labels },
                      spec: {
                        containers: [{ name, image: app.spec.image, command: ['/'] }],
                        terminationGracePeriodSeconds: 0,
                      },
                    },
                  },
                },
              });
            } else if (replicas !== undefined && mine.spec?.replicas !== replicas) {
              await apps.replaceNamespacedDeploymentScale({
                name,
                namespace,
                body: { metadata: { name, namespace }, spec: { replicas } },
              });
            }
          }
          const live = new Set(list.items.map((x) => x.metadata.name));
          for (const d of made)
            if (!live.has(d.metadata!.name!))
              await apps
                .deleteNamespacedDeployment({ namespace, name: d.metadata!.name!, propagationPolicy: 'Background' })
                .catch(() => {});
          await sleep(50);
        }
      })();
      return {
        stop: async () => {
          running = false;
          await loop;
        },
      };
    }

    describe('SpinKube: component variants as SpinApps', () => {
      const crds = [SPINAPP_CRD_MANIFEST, SPIN_EXECUTOR_CRD_MANIFEST];
      beforeAll(() => installCrds(kc, crds), 60_000);
      afterAll(() => removeCrds(kc, crds), 60_000);

      it("deploys an autoscaled SpinApp with its executor; its operator's Deployment is scaled 0 → 1 → 0 by the cold start; density adds SpinApps at 1 replica; all gone with the namespace", async () => {
        const a = await readyAdapter({}, { runId: 'spin-test' });
        expect(a.capabilities().variants).toContain('component');
        expect(await a.describeVersions()).toMatchObject({
          'kind.setting': 'auto',
          'kind.components': 'spinapp',
          'kind.containers': 'deployment',
        });
        // The run's namespace is faasbench-<run id>; the operator watches it from before it exists.
        const ns = 'faasbench-spin-test';
        const operator = standInSpinOperator(ns);
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const replicas = async (name: string) =>
          (await apps.readNamespacedDeployment({ name, namespace: ns })).spec?.replicas;
        try {
          const d = await a.prepare(await hello(), 'component');
          expect(await a.namespaceName()).toBe(ns);
          const app = (await custom().getNamespacedCustomObject({
            ...SPINAPP_API,
            namespace: ns,
            name: 'hello-component',
          })) as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
          // Every field survived the CRD's structural schema (a misnamed one would have been pruned).
          expect(app.spec).toEqual({
            image: expect.stringMatching(/^faasbench\/hello-component:[0-9a-f]{12}$/),
            executor: 'containerd-shim-spin',
            enableAutoscaling: true,
            resources: { limits: { memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } },
          });
          expect(app.metadata.labels).toMatchObject({ [LABEL]: '1', 'faasbench.app': 'hello-component' });
          const executor = (await custom().getNamespacedCustomObject({
            ...SPIN_EXECUTOR_API,
            namespace: ns,
            name: 'containerd-shim-spin',
          })) as { spec: unknown };
          expect(executor.spec).toEqual({
            createDeployment: true,
            deploymentConfig: { runtimeClassName: 'wasmtime-spin-v2', installDefaultCACerts: true },
          });
          // prepare() left the operator's Deployment (created at its default of 1) at 0, with no pod.
          expect(await replicas('hello-component')).toBe(0);
          expect(await podsIn(ns)).toHaveLength(0);

          const { instance, phases } = await a.start(d);
          expect(phases.map((p) => p.phase)).toEqual(['accepted', 'created', 'scheduled', 'started', 'ready']);
          expect(await replicas('hello-component')).toBe(1);
          const pods = await podsIn(ns, `${SPIN_APP_LABEL}=hello-component`);
          expect(pods).toHaveLength(1);
          expect(pods[0]!.spec?.nodeName).toBe(cluster.nodes[0]);
          await a.stop(instance);
          expect(await replicas('hello-component')).toBe(0);
          expect(await podsIn(ns)).toHaveLength(0);
          // Density: a second app of its own, a SpinApp at one replica, deleted on stop.
          const first = await a.start(d);
          const second = await a.start(d);
          expect(second.instance.id).toBe(`${ns}/hello-component-1`);
          const extra = (await custom().getNamespacedCustomObject({
            ...SPINAPP_API,
            namespace: ns,
            name: 'hello-component-1',
          })) as { spec: Record<string, unknown> };
          expect(extra.spec['replicas']).toBe(1);
          expect(extra.spec['enableAutoscaling']).toBe(false);
          await a.stop(second.instance);
          await expect(
            custom().getNamespacedCustomObject({ ...SPINAPP_API, namespace: ns, name: 'hello-component-1' }),
          ).rejects.toMatchObject({ code: 404 });
          await a.stop(first.instance);
          expect(await podsIn(ns)).toHaveLength(0);
        } finally {
          await operator.stop();
        }
        await a.dispose();
        await expect(core().readNamespace({ name: ns })).rejects.toMatchObject({ code: 404 });
      });

      it("with no SpinKube operator, prepare fails at the start timeout in one sentence; a start whose pods never come names who makes them; the cluster's own executor is copied", async () => {
        // The cluster's executor in `default` (as SpinKube's install puts it), with its own RuntimeClass.
        const own = { createDeployment: true, deploymentConfig: { runtimeClassName: 'my-spin-class' } };
        await custom().createNamespacedCustomObject({
          ...SPIN_EXECUTOR_API,
          namespace: 'default',
          body: {
            apiVersion: 'core.spinkube.dev/v1alpha1',
            kind: 'SpinAppExecutor',
            metadata: { name: 'containerd-shim-spin' },
            spec: own,
          },
        });
        const a = await readyAdapter({ kind: 'spinapp' }, { runId: 'spin-nop-test', startTimeoutMs: 2_000 });
        expect(a.capabilities().variants).toEqual(['component', 'component-c']);
        try {
          await expect(a.prepare(await hello(), 'component')).rejects.toThrow(
            /^SpinApp hello-component: no Deployment 2000 ms after it was created \(no SpinKube operator running\?\)$/,
          );
        } finally {
          await custom().deleteNamespacedCustomObject({
            ...SPIN_EXECUTOR_API,
            namespace: 'default',
            name: 'containerd-shim-spin',
          });
        }
        const ns = (await a.namespaceName())!;
        const copied = (await custom().getNamespacedCustomObject({
          ...SPIN_EXECUTOR_API,
          namespace: ns,
          name: 'containerd-shim-spin',
        })) as { spec: unknown };
        expect(copied.spec).toEqual(own);
        // An operator's Deployment that never gets a pod (here: its pods are refused, as without the RuntimeClass).
        const operator = standInSpinOperator(ns);
        try {
          await core().createNamespacedResourceQuota({
            namespace: ns,
            body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
          });
          const d = await a.prepare(await hello(), 'component');
          await expect(a.start(d)).rejects.toThrow(
            /^spinapp hello-component-p2 not ready within 2000 ms: no pod \(core\.spinkube\.dev\/app-name=hello-component-p2\) appeared: they are made by the Deployment the SpinKube spin-operator made \(no SpinKube operator running, or no RuntimeClass wasmtime-spin-v2\?\)$/,
          );
        } finally {
          await operator.stop();
        }
        await a.dispose();
        expect(await faasbenchNamespaces()).not.toContain(ns);
      });
    });

    describe('Knative: container variants as Knative Services', () => {
      const crds = [KNATIVE_SERVICE_CRD_MANIFEST];
      beforeAll(() => installCrds(kc, crds), 60_000);
      afterAll(() => removeCrds(kc, crds), 60_000);

      it('deploys a Knative Service scaling 0 ↔ 1; with no Knative Serving a start fails clearly; all gone with the namespace', async () => {
        const a = await readyAdapter({}, { runId: 'knative-test', startTimeoutMs: 2_000, knativeStopTimeoutMs: 5_000 });
        expect(await a.describeVersions()).toMatchObject({ 'kind.containers': 'knative', 'kind.components': 'none' });
        expect(a.capabilities().variants).not.toContain('component');
        const d = await a.prepare(await hello(), 'node');
        const ns = (await a.namespaceName())!;
        type Ksvc = {
          metadata: { labels: Record<string, string> };
          spec: {
            template: {
              metadata: { labels: Record<string, string>; annotations: Record<string, string> };
              spec: { containers: Array<{ image: string; env: Array<{ name: string; value: string }> }> };
            };
          };
        };
        const ksvc = (await custom().getNamespacedCustomObject({
          ...KNATIVE_API,
          namespace: ns,
          name: 'hello-node',
        })) as Ksvc;
        expect(ksvc.metadata.labels).toMatchObject({ [LABEL]: '1', 'faasbench.app': 'hello-node' });
        expect(ksvc.spec.template.metadata.labels).toEqual({ [LABEL]: '1', 'faasbench.app': 'hello-node' });
        expect(ksvc.spec.template.metadata.annotations).toMatchObject({
          'autoscaling.knative.dev/min-scale': '0',
          'autoscaling.knative.dev/max-scale': '1',
          'autoscaling.knative.dev/target': '1',
        });
        expect(ksvc.spec.template.spec.containers[0]!.image).toMatch(/^faasbench\/hello-node:[0-9a-f]{12}$/);
        // No controller: no revision.
        await expect(a.start(d)).rejects.toThrow(
          /^Knative Service hello-node has no revision 2000 ms after it was created: nothing acted on it, Knative Serving's controller, autoscaler and activator \(no Knative Serving running\?\)$/,
        );
        // A revision named (as Knative's controller would), still nobody to make its pod: the request that
        // should wake it goes nowhere, and the start says so at its timeout.
        await custom().patchNamespacedCustomObjectStatus(
          {
            ...KNATIVE_API,
            namespace: ns,
            name: 'hello-node',
            body: { status: { latestCreatedRevisionName: 'hello-node-00001' } },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        await expect(a.start(d)).rejects.toThrow(
          /^knative hello-node not ready within 2000 ms: no pod \(serving\.knative\.dev\/service=hello-node\) appeared: .*no Knative Serving running\?\); the triggering request to hello-node-00001: HTTP 404$/,
        );
        await a.dispose();
        expect(await faasbenchNamespaces()).not.toContain(ns);
      });

      it('--k8s-kind deployment still deploys a Deployment where Knative exists', async () => {
        const a = await readyAdapter({ kind: 'deployment' }, { runId: 'forced-deployment-test' });
        expect(await a.describeVersions()).toMatchObject({
          'kind.setting': 'deployment',
          'kind.containers': 'deployment',
        });
        await a.prepare(await hello(), 'wasm');
        const ns = (await a.namespaceName())!;
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        expect((await apps.readNamespacedDeployment({ name: 'hello-wasm', namespace: ns })).spec?.replicas).toBe(0);
        expect(
          ((await custom().listNamespacedCustomObject({ ...KNATIVE_API, namespace: ns })) as { items: unknown[] })
            .items,
        ).toEqual([]);
        await a.dispose();
      });
    });

    it('--k8s-image-load: the image is built, the template run on it, and the pods run that image', async () => {
      const ran: string[][] = [];
      const a = await readyAdapter(
        { imageLoad: 'kind load docker-image {image} --name bench' },
        {
          runId: 'image-load-test',
          // No Docker engine is used here: the build is a stand-in; the load command is recorded.
          buildImage: async (w, v) => ({ tag: `faasbench/${w.name}-${v}:built0123456789`, socketPath: '/run/x.sock' }),
          runCommand: async (argv) => void ran.push(argv),
        },
      );
      expect(await a.describeVersions()).toMatchObject({
        images: 'loaded with: kind load docker-image {image} --name bench',
      });
      await a.prepare(await hello(), 'native');
      const ns = (await a.namespaceName())!;
      const dep = await kc
        .makeApiClient(k8s.AppsV1Api)
        .readNamespacedDeployment({ name: 'hello-native', namespace: ns });
      const c = dep.spec!.template.spec!.containers[0]!;
      expect(c.image).toBe('faasbench/hello-native:built0123456789');
      expect(c.args).toEqual(['-p', '8080']);
      expect(ran).toEqual([
        ['kind', 'load', 'docker-image', 'faasbench/hello-native:built0123456789', '--name', 'bench'],
      ]);
      await a.dispose();
    });
  },
);
