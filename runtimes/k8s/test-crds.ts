// Test fixture: the CustomResourceDefinitions of SpinKube (SpinApp, SpinAppExecutor) and
// Knative Serving (Service), minimal but faithful to the published ones (spin-operator's
// config/crd/bases/core.spinkube.dev_*.yaml, Knative Serving's serving-crds.yaml): same
// group, version, names and scope, the spec fields faasbench sends and the status
// fields it reads. A structural schema prunes fields it does not declare, so a field
// faasbench sends under a wrong name would vanish and the tests would see it. No
// operator or controller comes with them: the tests play that part where they need one.

import * as k8s from '@kubernetes/client-node';

type Schema = k8s.V1JSONSchemaProps;
const str: Schema = { type: 'string' };
// As controller-gen writes a corev1.ResourceList: each quantity an integer or a string.
const quantities: Schema = {
  type: 'object',
  // additionalProperties and items are untyped in client-node: written as on the wire.
  additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
};

function crd(
  group: string,
  version: string,
  kind: string,
  plural: string,
  schema: Schema,
  shortNames?: string[],
): k8s.V1CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural, singular: kind.toLowerCase(), ...(shortNames ? { shortNames } : {}) },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** spinapps.core.spinkube.dev, v1alpha1. */
export const SPINAPP_CRD_MANIFEST = crd('core.spinkube.dev', 'v1alpha1', 'SpinApp', 'spinapps', {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['executor', 'image'],
      properties: {
        image: { ...str, minLength: 1 },
        executor: str,
        replicas: { type: 'integer', format: 'int32' },
        enableAutoscaling: { type: 'boolean', _default: false },
        imagePullPolicy: str,
        resources: { type: 'object', properties: { limits: quantities, requests: quantities } },
        checks: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
        variables: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        podAnnotations: { type: 'object', additionalProperties: str },
        podLabels: { type: 'object', additionalProperties: str },
        serviceAnnotations: { type: 'object', additionalProperties: str },
        deploymentAnnotations: { type: 'object', additionalProperties: str },
        imagePullSecrets: { type: 'array', items: { type: 'object', properties: { name: str } } },
      },
    },
    status: {
      type: 'object',
      properties: {
        activeScheduler: str,
        readyReplicas: { type: 'integer', format: 'int32' },
        conditions: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    },
  },
});

/** spinappexecutors.core.spinkube.dev, v1alpha1. */
export const SPIN_EXECUTOR_CRD_MANIFEST = crd('core.spinkube.dev', 'v1alpha1', 'SpinAppExecutor', 'spinappexecutors', {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['createDeployment'],
      properties: {
        createDeployment: { type: 'boolean' },
        deploymentConfig: {
          type: 'object',
          required: ['runtimeClassName'],
          properties: {
            runtimeClassName: str,
            spinImage: str,
            installDefaultCACerts: { type: 'boolean' },
            caCertSecret: str,
          },
        },
      },
    },
    status: { type: 'object' },
  },
});

/** services.serving.knative.dev, v1: Knative validates with its webhook, the CRD keeps every field. */
export const KNATIVE_SERVICE_CRD_MANIFEST = crd(
  'serving.knative.dev',
  'v1',
  'Service',
  'services',
  { type: 'object', x_kubernetes_preserve_unknown_fields: true },
  ['kservice', 'ksvc'],
);

/** Creates the CRDs and waits until the API serves them (Established). */
export async function installCrds(kc: k8s.KubeConfig, crds: k8s.V1CustomResourceDefinition[]): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const body of crds) await ext.createCustomResourceDefinition({ body });
  const end = Date.now() + 30_000;
  for (const c of crds) {
    for (;;) {
      const got = await ext.readCustomResourceDefinition({ name: c.metadata!.name! });
      if (got.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (Date.now() > end) throw new Error(`CRD ${c.metadata!.name} not established within 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Deletes the CRDs (and with them every object of theirs) and waits until they are gone. */
export async function removeCrds(kc: k8s.KubeConfig, crds: k8s.V1CustomResourceDefinition[]): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const c of crds)
    await ext.deleteCustomResourceDefinition({ name: c.metadata!.name! }).catch((e: unknown) => {
      if (!(e instanceof k8s.ApiException && e.code === 404)) throw e;
    });
  const end = Date.now() + 60_000;
  for (const c of crds) {
    for (;;) {
      try {
        await ext.readCustomResourceDefinition({ name: c.metadata!.name! });
      } catch (e) {
        if (e instanceof k8s.ApiException && e.code === 404) break;
        throw e;
      }
      if (Date.now() > end) throw new Error(`CRD ${c.metadata!.name} still there after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
