// Which kind a variant is deployed as (per --k8s-kind and the CRDs a cluster has), and
// the objects each kind sends: the SpinApp's and the Knative Service's fields, the
// labels the pod watch selects on, the native image's port argument.

import { describe, expect, it } from 'vitest';
import {
  chooseKind,
  deploymentObjects,
  describeKinds,
  knativeServiceObject,
  KNATIVE_SERVICE_CRD,
  podMaker,
  podSelector,
  SPINAPP_CRD,
  spinAppObject,
  spinExecutorObject,
  variantsFor,
} from './kinds.js';

const both = [SPINAPP_CRD, KNATIVE_SERVICE_CRD];

describe('choosing the kind', () => {
  it('auto: SpinApp for components and Knative for containers when their CRDs exist, else a Deployment', () => {
    expect(chooseKind('auto', 'component', both)).toBe('spinapp');
    expect(chooseKind('auto', 'component-c', both)).toBe('spinapp');
    expect(chooseKind('auto', 'node', both)).toBe('knative');
    expect(chooseKind('auto', 'native', [SPINAPP_CRD])).toBe('deployment');
    expect(chooseKind('auto', 'wasm', [])).toBe('deployment');
    expect(() => chooseKind('auto', 'component', [KNATIVE_SERVICE_CRD])).toThrow(
      /component variants need SpinKube: the cluster has no spinapps\.core\.spinkube\.dev CRD/,
    );
  });

  it('a kind named by the user is taken, or refused in one sentence when it cannot deploy the variant', () => {
    expect(chooseKind('deployment', 'node', both)).toBe('deployment');
    expect(chooseKind('knative', 'wasm', both)).toBe('knative');
    expect(chooseKind('spinapp', 'component', both)).toBe('spinapp');
    expect(() => chooseKind('knative', 'node', [SPINAPP_CRD])).toThrow(/no services\.serving\.knative\.dev CRD/);
    expect(() => chooseKind('spinapp', 'component', [])).toThrow(/is SpinKube installed/);
    expect(() => chooseKind('spinapp', 'node', both)).toThrow(/component variants only, not node/);
    expect(() => chooseKind('deployment', 'component', both)).toThrow(/a component needs spinapp/);
  });

  it('offers the variants the setting can deploy here, and says in the header what ran', () => {
    expect(variantsFor('auto', [])).toEqual(['node', 'native', 'wasm']);
    expect(variantsFor('auto', [SPINAPP_CRD])).toEqual(['node', 'native', 'wasm', 'component', 'component-c']);
    expect(variantsFor('spinapp', [SPINAPP_CRD])).toEqual(['component', 'component-c']);
    expect(variantsFor('knative', both)).toEqual(['node', 'native', 'wasm']);
    expect(describeKinds('auto', both)).toEqual({
      'kind.setting': 'auto',
      'kind.containers': 'knative',
      'kind.components': 'spinapp',
    });
    expect(describeKinds('auto', [])).toEqual({
      'kind.setting': 'auto',
      'kind.containers': 'deployment',
      'kind.components': 'none',
    });
  });
});

const spec = {
  namespace: 'faasbench-x',
  app: 'hello-node',
  image: 'reg.example:5000/faasbench/hello-node:abc',
  variant: 'node' as const,
};

describe('objects', () => {
  it('a SpinApp: image, executor, resources, and autoscaling (never replicas 0: SpinKube refuses it) or 1 replica', () => {
    const app = { ...spec, app: 'hello-component', variant: 'component' as const };
    expect(spinAppObject(app)).toEqual({
      apiVersion: 'core.spinkube.dev/v1alpha1',
      kind: 'SpinApp',
      metadata: {
        name: 'hello-component',
        namespace: 'faasbench-x',
        labels: { faasbench: '1', 'faasbench.app': 'hello-component' },
      },
      spec: {
        image: 'reg.example:5000/faasbench/hello-node:abc',
        executor: 'containerd-shim-spin',
        enableAutoscaling: true,
        resources: { limits: { memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } },
      },
    });
    // A density app: a fixed replica count, without autoscaling (the webhook allows one or the other).
    expect(spinAppObject(app, 1).spec).toMatchObject({ replicas: 1 });
    expect(spinAppObject(app, 1).spec).not.toHaveProperty('enableAutoscaling');
    expect(spinExecutorObject('ns').spec).toEqual({
      createDeployment: true,
      deploymentConfig: { runtimeClassName: 'wasmtime-spin-v2', installDefaultCACerts: true },
    });
    expect(
      spinExecutorObject('ns', { createDeployment: true, deploymentConfig: { runtimeClassName: 'x' } }).spec,
    ).toEqual({ createDeployment: true, deploymentConfig: { runtimeClassName: 'x' } });
  });

  it('a Knative Service: scales 0 ↔ 1 on concurrency 1 (a density app stays at 1), PORT left to Knative', () => {
    const base = knativeServiceObject(spec, false);
    expect(base).toMatchObject({ apiVersion: 'serving.knative.dev/v1', kind: 'Service' });
    const template = (
      base.spec as {
        template: {
          metadata: { annotations: Record<string, string>; labels: Record<string, string> };
          spec: { containers: Array<{ env: Array<{ name: string }>; ports: unknown[]; args?: string[] }> };
        };
      }
    ).template;
    expect(template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '1',
      'autoscaling.knative.dev/metric': 'concurrency',
      'autoscaling.knative.dev/target': '1',
    });
    expect(template.metadata.labels).toEqual({ faasbench: '1', 'faasbench.app': 'hello-node' });
    expect(template.spec.containers[0]!.env.map((e) => e.name)).toEqual(['HOST']);
    expect(template.spec.containers[0]!.ports).toEqual([{ containerPort: 8080 }]);
    const kept = knativeServiceObject(spec, true).spec as typeof base.spec;
    expect(
      (kept as { template: typeof template }).template.metadata.annotations['autoscaling.knative.dev/min-scale'],
    ).toBe('1');
    const native = knativeServiceObject({ ...spec, variant: 'native' }, false).spec as { template: typeof template };
    expect(native.template.spec.containers[0]!.args).toEqual(['-p', '8080']);
  });

  it('a Deployment: the native image (busybox httpd) is told its port; the others read $PORT', () => {
    const native = deploymentObjects({ ...spec, variant: 'native' }, 0).deployment.spec!.template.spec!.containers[0]!;
    expect(native.args).toEqual(['-p', '8080']);
    const node = deploymentObjects(spec, 1);
    expect(node.deployment.spec?.replicas).toBe(1);
    expect(node.deployment.spec!.template.spec!.containers[0]!.args).toBeUndefined();
    expect(node.service.spec?.selector).toEqual({ 'faasbench.app': 'hello-node' });
  });

  it('selects each kind’s pods by the label its controller puts on them, and names that controller', () => {
    expect(podSelector('deployment', 'a')).toBe('faasbench.app=a');
    expect(podSelector('spinapp', 'a')).toBe('core.spinkube.dev/app-name=a');
    expect(podSelector('knative', 'a')).toBe('serving.knative.dev/service=a');
    expect(podMaker('spinapp')).toMatch(/no SpinKube operator running, or no RuntimeClass wasmtime-spin-v2\?/);
    expect(podMaker('knative')).toMatch(/no Knative Serving running\?/);
  });
});
