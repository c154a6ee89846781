// Cold start: trigger → first complete, verified response from a new instance.
//
// Runtimes that start an instance per request (the reference Wasm runtime) get two
// cells: the per-request instance cold start (module compiled, app running: every
// request is a new instance) and the app cold start (module not yet compiled).
// Other runtimes get one: start a new instance, send the first request, stop it.

import { checkResponse } from '../verify.js';
import type { Cell, CellContext, MeasurementMode, SampleOut } from './types.js';
import type { Instance } from '../../runtimes/types.js';

/** One cold start: start → first response → stop, with phases. */
export function startCell(ctx: CellContext, metric: string, kind: string): Cell {
  const { adapter, deployment, request } = ctx;
  return {
    label: `${adapter.id}/${ctx.workload.name}/${ctx.variant}/${kind}`,
    rounds: ctx.options.warmup + ctx.options.iterations,
    async setup() {},
    async sample(iteration) {
      const warm = iteration < ctx.options.warmup;
      const t0 = process.hrtime.bigint();
      let instance: Instance | null = null;
      try {
        const started = await adapter.start(deployment);
        instance = started.instance;
        if (adapter.capabilities().servesRequests === false) {
          // Nothing runs to answer (simulated nodes): the start's own phases, to ready, are the sample.
          if (warm) return [];
          const readyNs = Number(process.hrtime.bigint() - t0);
          return [
            { phase: 'total', metric, value: readyNs, ok: true, iteration, request: request.name },
            ...started.phases.map((p) => ({
              phase: p.phase,
              metric,
              value: p.ns,
              ok: true,
              iteration,
              request: request.name,
            })),
          ];
        }
        const res = await adapter.invoke(instance, request);
        const totalNs = Number(process.hrtime.bigint() - t0);
        const startedNs = started.phases.reduce((s, p) => s + p.ns, 0);
        const verdict = checkResponse(request.expect, res.response);
        if (warm) return [];
        const rows: SampleOut[] = [
          {
            phase: 'total',
            metric,
            value: totalNs,
            ok: verdict.ok,
            iteration,
            request: request.name,
            ...(verdict.ok ? {} : { error: verdict.reason }),
          },
        ];
        if (verdict.ok) {
          for (const p of started.phases)
            rows.push({ phase: p.phase, metric, value: p.ns, ok: true, iteration, request: request.name });
          rows.push({
            phase: 'first_response',
            metric,
            value: Math.max(0, totalNs - startedNs),
            ok: true,
            iteration,
            request: request.name,
          });
        }
        return rows;
      } catch (e) {
        return warm
          ? []
          : [
              {
                phase: 'total',
                metric,
                value: Number(process.hrtime.bigint() - t0),
                ok: false,
                iteration,
                request: request.name,
                error: (e as Error).message,
              },
            ];
      } finally {
        if (instance) await adapter.stop(instance);
      }
    },
    async teardown() {},
  };
}

/** Requests to one running instance; each sample is one verified request. */
export function requestCell(ctx: CellContext, metric: string, kind: string): Cell {
  const { adapter, deployment, request } = ctx;
  let instance: Instance | null = null;
  return {
    label: `${adapter.id}/${ctx.workload.name}/${ctx.variant}/${kind}`,
    rounds: ctx.options.warmup + ctx.options.iterations,
    async setup() {
      instance = (await adapter.start(deployment)).instance;
    },
    async sample(iteration) {
      if (!instance) throw new Error('cell not set up');
      const warm = iteration < ctx.options.warmup;
      try {
        const res = await adapter.invoke(instance, request);
        if (warm) return [];
        const verdict = checkResponse(request.expect, res.response);
        const rows: SampleOut[] = [
          {
            phase: 'total',
            metric,
            value: res.totalNs,
            ok: verdict.ok,
            iteration,
            request: request.name,
            ...(verdict.ok ? {} : { error: verdict.reason }),
          },
        ];
        if (verdict.ok)
          for (const p of res.phases)
            rows.push({ phase: p.phase, metric, value: p.ns, ok: true, iteration, request: request.name });
        return rows;
      } catch (e) {
        return warm
          ? []
          : [
              {
                phase: 'total',
                metric,
                value: 0,
                ok: false,
                iteration,
                request: request.name,
                error: (e as Error).message,
              },
            ];
      }
    },
    async teardown() {
      if (instance) await adapter.stop(instance);
      instance = null;
    },
  };
}

export const coldMode: MeasurementMode = {
  mode: 'cold',
  cells(ctx) {
    if (ctx.adapter.capabilities().freshInstancePerRequest) {
      return [requestCell(ctx, 'cold_start_ns', 'instance'), startCell(ctx, 'app_cold_start_ns', 'app')];
    }
    // Not comparable with cold_start_ns (no response), so a metric of its own.
    if (ctx.adapter.capabilities().servesRequests === false) return [startCell(ctx, 'cold_start_ready_ns', 'instance')];
    return [startCell(ctx, 'cold_start_ns', 'instance')];
  },
};

/** Warm latency: requests to an instance that has already served. */
export const warmMode: MeasurementMode = {
  mode: 'warm',
  cells(ctx) {
    return [requestCell(ctx, 'latency_ns', 'warm')];
  },
};
