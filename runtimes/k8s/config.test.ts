// The k8s runtime's pieces that need no cluster: which kubeconfig is used (a
// `:`-separated list merged in order, a missing one refused in one sentence), the
// names and label values it gives Kubernetes, the image a variant stands for, and the
// CLI's refusal of a bad kind or image-load template before anything starts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { dnsName, imageFor } from './images.js';
import { describeLine, loadKubeConfig } from './cluster.js';
import { labelValue } from './namespace.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-k8s-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, server: string, current?: string): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server } }],
      users: [{ name, user: { token: 't' } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      ...(current ? { 'current-context': current } : {}),
    }),
  );
  return f;
}

describe('loadKubeConfig', () => {
  it("loads the file given, and merges a list in order (the first one's current context wins)", () => {
    const a = kubeconfig('a', 'https://127.0.0.1:1', 'a');
    const b = kubeconfig('b', 'https://127.0.0.1:2', 'b');
    expect(loadKubeConfig(a).getCurrentCluster()?.server).toBe('https://127.0.0.1:1');
    const merged = loadKubeConfig(`${a}:${b}`);
    expect(merged.getCurrentCluster()?.server).toBe('https://127.0.0.1:1');
    expect(
      merged
        .getContexts()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('refuses a missing file and one with no current cluster, in one sentence', () => {
    expect(() => loadKubeConfig('/nonexistent/k')).toThrow(/^kubeconfig \/nonexistent\/k not found$/);
    const none = kubeconfig('none', 'https://127.0.0.1:3');
    expect(() => loadKubeConfig(none)).toThrow(/has no current cluster/);
  });
});

describe('names', () => {
  it('gives DNS-1035 names and valid label values', () => {
    expect(dnsName('hello-node')).toBe('hello-node');
    expect(dnsName('My_Fn.v2-wasm')).toBe('my-fn-v2-wasm');
    expect(dnsName('9lives')).toBe('lives');
    expect(dnsName('x'.repeat(80)).length).toBe(50);
    expect(labelValue('host.example.com')).toBe('host.example.com');
    expect(labelValue('-a b/c-')).toBe('a-b-c');
    expect(labelValue('y'.repeat(70)).length).toBe(63);
  });

  it('names the image after the workload, variant and artifact hash', async () => {
    const w = await loadWorkload(join(builtinWorkloadsDir(), 'hello'));
    expect(imageFor(w, 'native')).toMatch(/^faasbench\/hello-native:[0-9a-f]{12}$/);
    expect(imageFor(w, 'native')).not.toBe(imageFor(w, 'wasm'));
  });

  it('describes a cluster in one line, saying when its nodes are simulated', () => {
    const base = {
      server: 'https://c:6443',
      context: 'ctx',
      version: 'v1.34.4',
      nodes: 2,
      readyNodes: 2,
      simulatedNodes: 0,
      crds: [],
    };
    expect(describeLine(base)).toBe(
      'v1.34.4 at https://c:6443 (context ctx), 2 nodes (2 ready), CRDs: none of SpinKube/Knative',
    );
    expect(describeLine({ ...base, simulatedNodes: 2, crds: ['spinapps.core.spinkube.dev'] })).toBe(
      'v1.34.4 at https://c:6443 (context ctx), 2 nodes (2 ready, simulated by kwok: pods do not run), CRDs: SpinKube SpinApp (spinapps.core.spinkube.dev)',
    );
  });
});

describe('faasbench run flags of the k8s runtime', () => {
  it('refuses an unknown --k8s-kind and an --k8s-image-load template without {image}, exit 2, before any cluster is asked', async () => {
    const kind = await runCli(['run', '-r', 'k8s', '--k8s-kind', 'lambda', '-w', 'hello', '-q']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/--k8s-kind: 'lambda' is not one of: auto, deployment, spinapp, knative/);
    const load = await runCli(['run', '-r', 'k8s', '--k8s-image-load', 'kind load docker-image', '-w', 'hello', '-q']);
    expect(load.code).toBe(2);
    expect(load.stderr).toMatch(/the template must contain \{image\}/);
    const env = await runCli(['run', '-r', 'k8s', '-w', 'hello', '-q'], { env: { FAASBENCH_K8S_KIND: 'x' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/FAASBENCH_K8S_KIND=x: --k8s-kind: 'x' is not one of/);
  }, 60_000);
});
