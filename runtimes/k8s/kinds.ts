// The three ways the k8s runtime deploys a workload variant, and which one a run uses:
//
//   deployment  a Deployment + ClusterIP Service (container variants: node, native, wasm);
//               cold start = spec.replicas 0 → 1 through the scale subresource.
//   spinapp     a SpinKube SpinApp (core.spinkube.dev/v1alpha1; component variants), run by
//               the containerd-shim-spin executor. SpinKube's admission webhook refuses
//               replicas 0 ("replicas must be > 0") unless enableAutoscaling is set, and then
//               the spin-operator leaves the replica count of the Deployment it makes
//               (named as the app, pods labelled core.spinkube.dev/app-name=<name>) to an
//               external autoscaler (HPA, KEDA): faasbench is that autoscaler. Cold start =
//               that Deployment scaled 0 → 1, as KEDA scales a SpinApp from zero.
//   knative     a Knative Serving Service (serving.knative.dev/v1; container variants) that
//               scales to zero; cold start = the first request to its revision while no
//               pod runs, the activator holding it until the autoscaler has made one pod
//               (pods labelled serving.knative.dev/service=<name>).
//
// `auto` (the default) takes SpinApp for components when the cluster has the SpinApp CRD,
// Knative for containers when it has Knative's Service CRD, else a Deployment.
//
// The objects are built here as plain data (pure, unit-tested); the adapter sends them.
// SpinApp and Knative fields are kept to the few this runtime needs, from the published
// CRDs (spin-operator's api/v1alpha1 SpinApp and SpinAppExecutor types, Knative Serving's
// v1 Service), so that a cluster's validating webhooks accept them unchanged.

// Imports no runtime code (types only): harness/options.ts takes K8S_KINDS from here.
import type * as k8s from '@kubernetes/client-node';
import type { VariantKind } from '../../model/workload.js';

export const K8S_KINDS = ['auto', 'deployment', 'spinapp', 'knative'] as const;
export type K8sKindSetting = (typeof K8S_KINDS)[number];
export type K8sKind = Exclude<K8sKindSetting, 'auto'>;

export const SPINAPP_CRD = 'spinapps.core.spinkube.dev';
export const SPIN_EXECUTOR_CRD = 'spinappexecutors.core.spinkube.dev';
export const KNATIVE_SERVICE_CRD = 'services.serving.knative.dev';

/** Where each custom kind lives in the API (for CustomObjectsApi). */
export const SPINAPP_API = { group: 'core.spinkube.dev', version: 'v1alpha1', plural: 'spinapps' } as const;
export const SPIN_EXECUTOR_API = {
  group: 'core.spinkube.dev',
  version: 'v1alpha1',
  plural: 'spinappexecutors',
} as const;
export const KNATIVE_API = { group: 'serving.knative.dev', version: 'v1', plural: 'services' } as const;

/** The executor SpinKube's quickstart installs (containerd-shim-spin under the wasmtime-spin-v2 RuntimeClass). */
export const SPIN_EXECUTOR = 'containerd-shim-spin';
export const SPIN_RUNTIME_CLASS = 'wasmtime-spin-v2';

/** Our label on every object and namespace (faasbench=1). */
export const LABEL = 'faasbench';
/** Labels: the app's own (on every object, and on Deployment pods), and those the operators put on their pods. */
export const APP_LABEL = 'faasbench.app';
export const SPIN_APP_LABEL = 'core.spinkube.dev/app-name';
export const KNATIVE_SERVICE_LABEL = 'serving.knative.dev/service';

/** The port every container variant serves on inside its pod. */
export const PORT = 8080;

const CONTAINER_VARIANTS: readonly VariantKind[] = ['node', 'native', 'wasm'];
/** wasi:http components (componentize-js's, and the C source behind a WAGI bridge): Spin runs them. */
export const COMPONENT_VARIANTS: readonly VariantKind[] = ['component', 'component-c'];

export function isComponent(v: VariantKind): boolean {
  return COMPONENT_VARIANTS.includes(v);
}

/** The variants a kind setting can deploy on a cluster with these CRDs. */
export function variantsFor(setting: K8sKindSetting, crds: readonly string[]): VariantKind[] {
  const spin = crds.includes(SPINAPP_CRD);
  switch (setting) {
    case 'deployment':
    case 'knative':
      return [...CONTAINER_VARIANTS];
    case 'spinapp':
      return [...COMPONENT_VARIANTS];
    case 'auto':
      return spin ? [...CONTAINER_VARIANTS, ...COMPONENT_VARIANTS] : [...CONTAINER_VARIANTS];
  }
}

/** The kind a variant is deployed as; throws one sentence when the setting cannot deploy it on this cluster. */
export function chooseKind(setting: K8sKindSetting, variant: VariantKind, crds: readonly string[]): K8sKind {
  const component = isComponent(variant);
  const spin = crds.includes(SPINAPP_CRD);
  const knative = crds.includes(KNATIVE_SERVICE_CRD);
  if (setting === 'auto') {
    if (component) {
      if (!spin) throw new Error(`component variants need SpinKube: the cluster has no ${SPINAPP_CRD} CRD`);
      return 'spinapp';
    }
    return knative ? 'knative' : 'deployment';
  }
  if (setting === 'spinapp') {
    if (!component) throw new Error(`--k8s-kind spinapp deploys component variants only, not ${variant}`);
    if (!spin) throw new Error(`--k8s-kind spinapp: the cluster has no ${SPINAPP_CRD} CRD (is SpinKube installed?)`);
    return 'spinapp';
  }
  if (component) throw new Error(`--k8s-kind ${setting} deploys container variants; a component needs spinapp`);
  if (setting === 'knative' && !knative)
    throw new Error(
      `--k8s-kind knative: the cluster has no ${KNATIVE_SERVICE_CRD} CRD (is Knative Serving installed?)`,
    );
  return setting;
}

/** What `auto` (or the setting) resolves to on this cluster, per class of variant: for the results header. */
export function describeKinds(setting: K8sKindSetting, crds: readonly string[]): Record<string, string> {
  const out: Record<string, string> = { 'kind.setting': setting };
  const tryKind = (v: VariantKind) => {
    try {
      return chooseKind(setting, v, crds);
    } catch {
      return 'none';
    }
  };
  out['kind.containers'] = tryKind('node');
  out['kind.components'] = tryKind('component');
  return out;
}

/** The label selector of an app's pods, as each kind's controller labels them. */
export function podSelector(kind: K8sKind, app: string): string {
  switch (kind) {
    case 'deployment':
      return `${APP_LABEL}=${app}`;
    case 'spinapp':
      return `${SPIN_APP_LABEL}=${app}`;
    case 'knative':
      return `${KNATIVE_SERVICE_LABEL}=${app}`;
  }
}

/** Who would make the pods, named in the error when none appears. */
export function podMaker(kind: K8sKind): string {
  switch (kind) {
    case 'deployment':
      return 'kube-controller-manager (its ReplicaSet controller)';
    case 'spinapp':
      return `the Deployment the SpinKube spin-operator made (no SpinKube operator running, or no RuntimeClass ${SPIN_RUNTIME_CLASS}?)`;
    case 'knative':
      return "Knative Serving's controller, autoscaler and activator (no Knative Serving running?)";
  }
}

/**
 * Container arguments per variant. The native image's entrypoint is busybox httpd, which
 * takes its port as an argument (the others read $PORT); it listens on every address of
 * the pod so the Service can reach it.
 */
export function containerArgs(variant: VariantKind): string[] | undefined {
  return variant === 'native' ? ['-p', String(PORT)] : undefined;
}

/** The request path prefix of a variant (the native variant's CGI route). */
export function pathPrefixOf(variant: VariantKind): string {
  return variant === 'native' ? '/cgi-bin/fn' : '';
}

// Hardening as the container runtime's (user 65534, read-only root, no capabilities) and its 256 MiB limit.
const SECURITY: k8s.V1SecurityContext = {
  runAsUser: 65534,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};
const RESOURCES: k8s.V1ResourceRequirements = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { memory: '256Mi' },
};

export interface AppSpec {
  namespace: string;
  app: string;
  image: string;
  variant: VariantKind;
}

/** A Deployment (at `replicas`) and its ClusterIP Service. */
export function deploymentObjects(
  s: AppSpec,
  replicas: number,
): { deployment: k8s.V1Deployment; service: k8s.V1Service } {
  const labels = { [LABEL]: '1', [APP_LABEL]: s.app };
  const args = containerArgs(s.variant);
  return {
    deployment: {
      metadata: { name: s.app, namespace: s.namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: { [APP_LABEL]: s.app } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'fn',
                image: s.image,
                imagePullPolicy: 'IfNotPresent',
                ...(args ? { args } : {}),
                env: [
                  { name: 'PORT', value: String(PORT) },
                  { name: 'HOST', value: '0.0.0.0' },
                ],
                ports: [{ name: 'http', containerPort: PORT }],
                // As the container runtime: ready when the port accepts.
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1, initialDelaySeconds: 0 },
                resources: RESOURCES,
                securityContext: SECURITY,
              },
            ],
          },
        },
      },
    },
    service: {
      metadata: { name: s.app, namespace: s.namespace, labels },
      spec: { selector: { [APP_LABEL]: s.app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  };
}

/** A custom object as CustomObjectsApi takes it. */
export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/**
 * A SpinApp. spec: image (the OCI image holding spin.toml and the component), executor
 * (the SpinAppExecutor in the same namespace), the same resources as the containers, and
 * either `replicas` (a density app: 1) or, with none given, enableAutoscaling: the
 * operator's Deployment is then scaled by faasbench (see the file comment). Nothing
 * else: readiness is the operator's default.
 */
export function spinAppObject(s: AppSpec, replicas?: number): CustomObject {
  return {
    apiVersion: `${SPINAPP_API.group}/${SPINAPP_API.version}`,
    kind: 'SpinApp',
    metadata: { name: s.app, namespace: s.namespace, labels: { [LABEL]: '1', [APP_LABEL]: s.app } },
    spec: {
      image: s.image,
      executor: SPIN_EXECUTOR,
      ...(replicas === undefined ? { enableAutoscaling: true } : { replicas }),
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '10m', memory: '32Mi' } },
    },
  };
}

/**
 * The SpinAppExecutor a SpinApp names must exist in its namespace, and each run has a
 * namespace of its own: the run creates one, as SpinKube's quickstart defines it
 * (a Deployment per app, under the wasmtime-spin-v2 RuntimeClass), unless `spec` is
 * given (copied from the cluster's own executor of that name in `default`).
 */
export function spinExecutorObject(namespace: string, spec?: Record<string, unknown>): CustomObject {
  return {
    apiVersion: `${SPIN_EXECUTOR_API.group}/${SPIN_EXECUTOR_API.version}`,
    kind: 'SpinAppExecutor',
    metadata: { name: SPIN_EXECUTOR, namespace, labels: { [LABEL]: '1' } },
    spec: spec ?? {
      createDeployment: true,
      deploymentConfig: { runtimeClassName: SPIN_RUNTIME_CLASS, installDefaultCACerts: true },
    },
  };
}

/**
 * A Knative Service. The base app of a cold start scales between 0 and 1 pod
 * (min-scale 0, max-scale 1), one request in flight per pod as the autoscaler's target
 * (the KPA on concurrency, target 1: as a Lambda environment takes one request), a 6 s
 * window (Knative's smallest) and no retention, so it goes back to zero soon after the
 * cold start's last request. A density app (`keep`) stays at one pod (min-scale 1).
 * PORT is not set: Knative reserves it and sets it from containerPort.
 */
export function knativeServiceObject(s: AppSpec, keep: boolean): CustomObject {
  const labels = { [LABEL]: '1', [APP_LABEL]: s.app };
  const args = containerArgs(s.variant);
  return {
    apiVersion: `${KNATIVE_API.group}/${KNATIVE_API.version}`,
    kind: 'Service',
    metadata: { name: s.app, namespace: s.namespace, labels },
    spec: {
      template: {
        metadata: {
          labels,
          annotations: {
            'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
            'autoscaling.knative.dev/metric': 'concurrency',
            'autoscaling.knative.dev/target': '1',
            'autoscaling.knative.dev/min-scale': keep ? '1' : '0',
            'autoscaling.knative.dev/max-scale': '1',
            'autoscaling.knative.dev/window': '6s',
            'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '0s',
          },
        },
        spec: {
          containerConcurrency: 0,
          timeoutSeconds: 60,
          containers: [
            {
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              ...(args ? { args } : {}),
              env: [{ name: 'HOST', value: '0.0.0.0' }],
              ports: [{ containerPort: PORT }],
              resources: RESOURCES,
              securityContext: SECURITY,
            },
          ],
        },
      },
    },
  };
}
