// The adapter interface's typing, checked by the compiler (tsc runs over tests): an
// adapter declares its state once and reads it without casts; the harness holds it as
// a plain RuntimeAdapter; the old describeEnvironment name no longer compiles.

import { describe, expect, it } from 'vitest';
import type { LoadedWorkload, VariantKind } from '../model/workload.js';
import type {
  Capabilities,
  FunctionRequest,
  InvokeResult,
  OwnDeployment,
  OwnInstance,
  RuntimeAdapter,
  StartResult,
} from './types.js';

interface CounterDeployment {
  greeting: string;
}
interface CounterInstance {
  served: number;
}
type Counter = OwnInstance<CounterInstance, CounterDeployment>;

/** A runtime whose state is typed: no cast anywhere below. */
class CounterAdapter implements RuntimeAdapter<CounterDeployment, CounterInstance> {
  readonly id = 'counter';
  readonly description = 'answers with a greeting and how many requests it served';
  capabilities(): Capabilities {
    return { variants: ['node'], modes: ['cold'], freshInstancePerRequest: false };
  }
  async available() {
    return { ok: true as const };
  }
  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<CounterDeployment>> {
    return { runtime: this.id, workload, variant, data: { greeting: `hello ${workload.name}` } };
  }
  async start(d: OwnDeployment<CounterDeployment>): Promise<StartResult<Counter>> {
    return { instance: { id: 'c1', deployment: d, data: { served: 0 } }, phases: [] };
  }
  async invoke(i: Counter, _r: FunctionRequest): Promise<InvokeResult> {
    const body = Buffer.from(`${i.deployment.data.greeting} #${++i.data.served}`);
    return { response: { status: 200, headers: {}, body }, totalNs: 0, phases: [] };
  }
  async stop(): Promise<void> {}
  async dispose(): Promise<void> {}
  async describeVersions() {
    return { counter: '1' };
  }
}

class StaleAdapter extends CounterAdapter implements RuntimeAdapter {
  // @ts-expect-error renamed describeVersions: the old name must not compile (it would be silently ignored)
  async describeEnvironment() {
    return { stale: '1' };
  }
}

describe('adapter state typing', () => {
  it('the harness drives a typed adapter as a plain RuntimeAdapter', async () => {
    const adapter: RuntimeAdapter = new CounterAdapter();
    const workload = { name: 'w' } as LoadedWorkload;
    const d = await adapter.prepare(workload, 'node');
    const { instance } = await adapter.start(d);
    const get: FunctionRequest = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() };
    await adapter.invoke(instance, get);
    const r = await adapter.invoke(instance, get);
    expect(Buffer.from(r.response.body).toString()).toBe('hello w #2');
    expect(await adapter.describeVersions?.()).toEqual({ counter: '1' });
    expect(new StaleAdapter().id).toBe('counter');
  });
});
