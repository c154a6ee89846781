// The k8s runtime against a real Kubernetes API server started here (local-cluster.ts:
// etcd + kube-apiserver + controller-manager + scheduler built by
// install-control-plane.sh, nodes simulated by kwok). scripts/test.sh installs the
// control plane and sets FAASBENCH_REQUIRE_K8S=1: there a missing control plane fails
// these tests instead of skipping them.
//
// What is real: every API call, the Deployment → ReplicaSet → Pod chain, scheduling,
// the watch events the phases come from, namespace deletion. What is simulated: the
// node (kwok marks pods running and ready; nothing runs, nothing answers).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorReport } from '../../harness/commands/doctor.js';
import { emptyRuntimeConfig } from '../../harness/options.js';
import { readResults } from '../../model/results/reader.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { REPO_ROOT, runCli } from '../../test/cli-helpers.js';
import { K8sAdapter } from './adapter.js';
import { loadKubeConfig } from './cluster.js';
import { findControlPlane, startLocalCluster, type LocalCluster } from './local-cluster.js';
import { HOST_LABEL, LABEL, labelValue, PID_LABEL } from './namespace.js';

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

    const faasbenchNamespaces = async () =>
      (await kc.makeApiClient(k8s.CoreV1Api).listNamespace({ labelSelector: `${LABEL}=1` })).items
        .filter((n) => n.status?.phase !== 'Terminating')
        .map((n) => n.metadata!.name!);

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
      // A SpinKube SpinApp CRD (its name and group; the schema does not matter here) is found.
      const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
      await ext.createCustomResourceDefinition({
        body: {
          metadata: { name: 'spinapps.core.spinkube.dev' },
          spec: {
            group: 'core.spinkube.dev',
            names: { kind: 'SpinApp', plural: 'spinapps', singular: 'spinapp' },
            scope: 'Namespaced',
            versions: [
              {
                name: 'v1alpha1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
              },
            ],
          },
        },
      });
      try {
        const again = await doctorReport({ ...emptyRuntimeConfig(), k8s: { kubeconfig: cluster.kubeconfig } });
        expect(again.runtimes.find((x) => x.id === 'k8s')?.text).toMatch(
          /CRDs: SpinKube SpinApp \(spinapps\.core\.spinkube\.dev\)$/,
        );
      } finally {
        await ext.deleteCustomResourceDefinition({ name: 'spinapps.core.spinkube.dev' });
      }
    });

    it('cold start: scale 0 → 1 to ready with phases from the watch, twice, then everything it made is gone', async () => {
      const a = new K8sAdapter({ kubeconfig: cluster.kubeconfig }, { runId: 'cold-test' });
      expect((await a.available()).ok).toBe(true);
      const w = await loadWorkload(join(builtinWorkloadsDir(), 'hello'));
      const d = await a.prepare(w, 'node');
      const ns = (await a.namespaceName())!;
      expect(ns).toBe('faasbench-cold-test');
      const nsObj = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: ns });
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
        const pods = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns })).items;
        expect(pods).toHaveLength(1);
        expect(pods[0]!.spec?.nodeName).toBe(cluster.nodes[0]);
        expect(pods[0]!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
        await expect(
          a.invoke(instance, { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() }),
        ).rejects.toThrow(/simulated by kwok/);
        await a.stop(instance);
        expect((await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns })).items).toHaveLength(0);
      }
      await a.dispose();
      await expect(kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: ns })).rejects.toMatchObject({ code: 404 });
    });

    it("density: a second start deploys a new app; a full node fails the start at once with the scheduler's reason", async () => {
      const a = new K8sAdapter({ kubeconfig: cluster.kubeconfig }, { runId: 'density-test', startTimeoutMs: 60_000 });
      expect((await a.available()).ok).toBe(true);
      const w = await loadWorkload(join(builtinWorkloadsDir(), 'hello'));
      const d = await a.prepare(w, 'native');
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
      expect((await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns })).items).toHaveLength(0);
      await a.dispose();
      expect(await faasbenchNamespaces()).not.toContain(ns);
    });

    it("sweeps the namespace of a harness that died on this host, and leaves a live one's", async () => {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      // A pid that existed and is gone: a child that has exited.
      const dead = spawnSync('true').pid!;
      const make = (name: string, pid: number) =>
        core.createNamespace({
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
      await core.deleteNamespace({ name: 'faasbench-live-run' });
    });

    it('a harness killed with SIGKILL mid-run leaves its namespace, which the next start sweeps', async () => {
      const out = mkdtempSync(join(tmpdir(), 'faasbench-k8s-kill-'));
      const child = spawn(
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
      try {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const deadline = Date.now() + 60_000;
        let mine: string | undefined;
        // Its namespace and a first pod exist: the run is under way.
        while (!mine && Date.now() < deadline) {
          const ns = (await core.listNamespace({ labelSelector: `${LABEL}=1,${PID_LABEL}=${child.pid}` })).items[0]
            ?.metadata?.name;
          if (ns && (await core.listNamespacedPod({ namespace: ns })).items.length > 0) mine = ns;
          else await new Promise((r) => setTimeout(r, 100));
        }
        expect(mine).toBeDefined();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        expect(await faasbenchNamespaces()).toContain(mine);
        const av = await new K8sAdapter({ kubeconfig: cluster.kubeconfig }).available();
        expect(av.ok && av.detail).toMatch(/swept 1 namespace\(s\) of dead runs/);
        // Swept means deleted: the namespace and its pods go.
        const end = Date.now() + 60_000;
        while (
          (await core.listNamespace({ labelSelector: `${LABEL}=1` })).items.some((n) => n.metadata?.name === mine) &&
          Date.now() < end
        )
          await new Promise((r) => setTimeout(r, 200));
        expect(
          (await core.listNamespace({ labelSelector: `${LABEL}=1` })).items.map((n) => n.metadata?.name),
        ).not.toContain(mine);
      } finally {
        child.kill('SIGKILL');
        rmSync(out, { recursive: true, force: true });
      }
    });

    it('Ctrl-C (SIGINT) mid-run: the harness removes its namespace before it exits', async () => {
      const out = mkdtempSync(join(tmpdir(), 'faasbench-k8s-int-'));
      const child = spawn(
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
      try {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const deadline = Date.now() + 60_000;
        let mine: string | undefined;
        while (!mine && Date.now() < deadline) {
          const ns = (await core.listNamespace({ labelSelector: `${LABEL}=1,${PID_LABEL}=${child.pid}` })).items[0]
            ?.metadata?.name;
          if (ns && (await core.listNamespacedPod({ namespace: ns })).items.length > 0) mine = ns;
          else await new Promise((r) => setTimeout(r, 100));
        }
        expect(mine).toBeDefined();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
        expect(
          (await core.listNamespace({ labelSelector: `${LABEL}=1` })).items.map((n) => n.metadata?.name),
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
        expect(run!.header.versions).toMatchObject({ 'k8s.version': 'v1.34.4', 'k8s.simulatedNodes': '1' });
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
  },
);
