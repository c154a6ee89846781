// A real, private Kubernetes control plane on 127.0.0.1 for the k8s runtime's tests
// (and for trying the runtime without a cluster): etcd + kube-apiserver +
// kube-controller-manager + kube-scheduler, and kwok simulating the nodes, all as
// child processes in a temp dir, with generated certificates, a static admin token and
// a kubeconfig. stop() ends every process and removes the dir.
//
// Binaries come from runtimes/k8s/install-control-plane.sh (cached under
// ~/.cache/faasbench/k8s/); findControlPlane() says what is missing. Processes are
// owned through runtimes/external/supervise.ts: their own process groups, labelled with
// this process's pid, so a killed test run leaves nothing behind after the next sweep.
//
// Why kwok and not a kubelet: a kubelet needs a CRI runtime, and the Docker engine's
// containerd here runs with its cri plugin disabled (README, "Kubernetes"). kwok nodes
// take pods through the real scheduler and report them running and ready without
// running anything: control-plane figures are real, no container starts.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type Server } from '../external/supervise.js';
import { freePort } from '../shared/net.js';

const run = promisify(execFile);

export const K8S_VERSION = '1.34.4';
export const KWOK_VERSION = '0.7.0';

export interface ControlPlaneBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
}

/** Where install-control-plane.sh puts things (`cacheDir` defaults to ~/.cache/faasbench/k8s). */
export function findControlPlane(
  cacheDir = join(homedir(), '.cache', 'faasbench', 'k8s'),
): { ok: true; bin: ControlPlaneBinaries } | { ok: false; reason: string } {
  const bin = join(cacheDir, `bin-v${K8S_VERSION}`);
  const b: ControlPlaneBinaries = {
    etcd: '/usr/bin/etcd',
    apiserver: join(bin, 'kube-apiserver'),
    controllerManager: join(bin, 'kube-controller-manager'),
    scheduler: join(bin, 'kube-scheduler'),
    kwok: join(cacheDir, `kwok-v${KWOK_VERSION}`, 'kwok'),
  };
  const missing = Object.values(b).filter((p) => !existsSync(p));
  if (missing.length > 0)
    return { ok: false, reason: `missing ${missing.join(', ')}: run bash runtimes/k8s/install-control-plane.sh` };
  return { ok: true, bin: b };
}

export interface LocalCluster {
  /** A kubeconfig file with cluster-admin (system:masters) access. */
  kubeconfig: string;
  server: string;
  /** Names of the simulated nodes. */
  nodes: string[];
  /** End every process, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Simulated nodes to create (default 1). */
  nodes?: number;
  /** Pods per simulated node (default 110, Kubernetes' own default). */
  podsPerNode?: number;
  /** Each process start → ready, and the whole cluster ready, within this (default 120 s). */
  deadlineMs?: number;
  cacheDir?: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** CA, API-server serving cert (127.0.0.1, localhost, kubernetes.default…), service-account key pair. */
async function makeCerts(dir: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=faasbench-test-ca',
  ]);
  writeFileSync(
    join(dir, 'san.cnf'),
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n',
  );
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'apiserver.key',
    '-out',
    'apiserver.csr',
    '-subj',
    '/CN=kube-apiserver',
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'apiserver.crt',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function kubeconfigText(server: string, caFile: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'faasbench-local', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'faasbench-local', context: { cluster: 'faasbench-local', user: 'admin' } }],
    'current-context': 'faasbench-local',
  });
}

/** `method path` on the API server with the token (JSON body if given); resolves with the status and body, never rejects on an HTTP status. */
function api(
  server: string,
  ca: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (data !== undefined) headers['content-type'] = 'application/json';
    const req = https.request(`${server}${path}`, { method, ca, headers, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end(data);
  });
}

async function until(what: string, deadline: number, probe: () => Promise<boolean>, last: () => string): Promise<void> {
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`local cluster: ${what} not ready in time${last()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the control plane and `nodes` kwok nodes, waits until the nodes are Ready. */
export async function startLocalCluster(o: LocalClusterOptions = {}): Promise<LocalCluster> {
  const found = findControlPlane(o.cacheDir);
  if (!found.ok) throw new Error(`local cluster: ${found.reason}`);
  const bin = found.bin;
  const deadlineMs = o.deadlineMs ?? 120_000;
  const deadline = Date.now() + deadlineMs;
  const dir = mkdtempSync(join(tmpdir(), 'faasbench-k8s-'));
  const servers: Server[] = [];
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // Reverse order: nodes and controllers first, etcd last.
      for (const s of servers.splice(0).reverse()) await s.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    await makeCerts(dir);
    const token = `faasbench-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);

    const etcdPort = await freePort();
    const peerPort = await freePort();
    servers.push(
      (
        await startServer({
          command: bin.etcd,
          args: [
            `--data-dir=${join(dir, 'etcd')}`,
            `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
            '--quota-backend-bytes=4294967296',
            '--unsafe-no-fsync', // a throwaway test store: durability costs time and says nothing about Kubernetes
          ],
          port: etcdPort,
          ready: { kind: 'port' },
          startDeadlineMs: deadlineMs,
        })
      ).server,
    );

    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = (
      await startServer({
        command: bin.apiserver,
        args: [
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
          `--client-ca-file=${join(dir, 'ca.crt')}`,
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          '--enable-priority-and-fairness=false',
          // Debian's etcd 3.4.23 predates the progress notifications the watch cache relies on since 1.31:
          // with it, watches fail with 'Too large resource version'. Watches then go to etcd directly.
          '--watch-cache=false',
        ],
        port: apiPort,
        ready: { kind: 'port' },
        startDeadlineMs: deadlineMs,
      })
    ).server;
    servers.push(apiserver);
    const ca = join(dir, 'ca.crt');
    const caText = readFileSync(ca, 'utf8');
    let lastReadyz = '';
    await until(
      'kube-apiserver /readyz',
      deadline,
      async () => {
        const r = await api(server, caText, token, 'GET', '/readyz');
        lastReadyz = `${r.status} ${r.body.slice(0, 300)}`;
        return r.status === 200;
      },
      () => `: ${lastReadyz}; output: ${apiserver.log().trim().split('\n').slice(-5).join('\n')}`,
    );

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigText(server, ca, token));
    const controllerPort = await freePort();
    servers.push(
      (
        await startServer({
          command: bin.controllerManager,
          args: [
            `--kubeconfig=${kubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${controllerPort}`,
            `--service-account-private-key-file=${join(dir, 'sa.key')}`,
            `--root-ca-file=${ca}`,
            '--use-service-account-credentials=false',
          ],
          port: controllerPort,
          ready: { kind: 'port' },
          startDeadlineMs: deadlineMs,
        })
      ).server,
    );
    const schedulerPort = await freePort();
    servers.push(
      (
        await startServer({
          command: bin.scheduler,
          args: [
            `--kubeconfig=${kubeconfig}`,
            '--leader-elect=false',
            '--bind-address=127.0.0.1',
            `--secure-port=${schedulerPort}`,
          ],
          port: schedulerPort,
          ready: { kind: 'port' },
          startDeadlineMs: deadlineMs,
        })
      ).server,
    );

    // The nodes: created here (kwok simulates the ones annotated for it), then kwok takes them over.
    const nodes: string[] = [];
    const pods = String(o.podsPerNode ?? 110);
    for (let n = 0; n < (o.nodes ?? 1); n++) {
      const name = `kwok-node-${n}`;
      nodes.push(name);
      const manifest = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { type: 'kwok', 'kubernetes.io/hostname': name },
        },
        spec: {},
        status: { allocatable: { cpu: '32', memory: '256Gi', pods }, capacity: { cpu: '32', memory: '256Gi', pods } },
      };
      const r = await api(server, caText, token, 'POST', '/api/v1/nodes', manifest);
      if (r.status !== 201)
        throw new Error(`local cluster: creating node ${name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    }
    const kwokPort = await freePort();
    servers.push(
      (
        await startServer({
          command: bin.kwok,
          args: [
            `--kubeconfig=${kubeconfig}`,
            '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
            '--node-ip=127.0.0.1',
            '--cidr=10.0.0.1/24',
            '--node-lease-duration-seconds=40', // heartbeats by Lease, as kubelets do
            `--server-address=127.0.0.1:${kwokPort}`,
          ],
          port: kwokPort,
          ready: { kind: 'port' },
          startDeadlineMs: deadlineMs,
        })
      ).server,
    );
    await until(
      'kwok nodes',
      deadline,
      async () => {
        const r = await api(server, caText, token, 'GET', '/api/v1/nodes');
        const list = JSON.parse(r.body) as {
          items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
        };
        const ready = list.items.filter((i) =>
          i.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return ready >= nodes.length;
      },
      () => '',
    );
    return { kubeconfig, server, nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
