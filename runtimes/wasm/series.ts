// The reference runtime's measured axes besides workload and variant: how a module is
// pre-initialised (`preinit`) and how many requests one instance may serve (`reuse`).
// Each value of each axis is a series of its own: the adapter prepares one deployment
// per combination and tags it (preinit=wizer, reuse=128), so summaries, compare and
// the report keep them apart with no special case. A leaf file (no imports): the
// run options (harness/options.ts) read its choices without loading an adapter.
//
//   plain       what the runtime does by default: every app deploy compiles anew.
//   code-cache  V8's caches where they help (measured, see served-adapter.ts and
//               serve/run.ts): a preview1 module is compiled again from the same bytes
//               while the serve process keeps one module of those bytes alive, so V8's
//               native-module cache hands back the compiled (and tiered-up) code
//               instead of compiling; a component's JS glue is compiled with V8's code
//               cache (vm.Script cachedData, component/prepare.ts). It changes the
//               app cold start only: a running app compiled nothing per request anyway.
//   wizer       the preview1 module pre-initialised by Wizer at prepare (wizer.ts).
//               Not for components: componentize-js already runs Wizer on its engine,
//               and Wizer takes core modules only.
//
// reuse N: a component instance serves up to N requests (like wasmtime serve's
// --max-instance-reuse-count). Not for preview1 modules: a WAGI command's _start runs
// once per instance (the command's main reads the request from its environment and
// exits), so each request needs a new instance; reuse > 1 there is refused.

export const PREINIT_KINDS = ['plain', 'code-cache', 'wizer'] as const;
export type Preinit = (typeof PREINIT_KINDS)[number];

/** Requests per instance at most: wasmtime serve's own ceiling is unbounded; ours keeps a reused instance's leak bounded. */
export const MAX_REUSE = 1_000_000;

/** The axes a run sweeps (each list: one series per value) or a serve process uses (one value each). */
export interface WasmSeriesConfig {
  preinit?: readonly Preinit[];
  reuse?: readonly number[];
}

/** One combination: what one deployment is prepared as. */
export interface WasmSeries {
  preinit: Preinit;
  reuse: number;
}

export const PLAIN_SERIES: WasmSeries = { preinit: 'plain', reuse: 1 };

/** Why `series` cannot apply to a module of this kind, in one sentence; null when it can. */
export function seriesRefusal(kind: 'wasm' | 'component', series: WasmSeries): string | null {
  if (kind === 'wasm' && series.reuse > 1)
    return `reuse ${series.reuse} does not apply to preview1 modules: a WAGI command runs _start once per instance (wasi-libc's _start may not run twice), so every request needs a fresh instance`;
  if (kind === 'component' && series.preinit === 'wizer')
    return 'preinit wizer does not apply to components: Wizer takes core modules only, and componentize-js has already pre-initialised its engine with Wizer';
  return null;
}

/** Every combination of the axes given, in the order given (an axis not given is its default alone). */
export function seriesOf(config: WasmSeriesConfig): WasmSeries[] {
  const preinits = config.preinit?.length ? config.preinit : [PLAIN_SERIES.preinit];
  const reuses = config.reuse?.length ? config.reuse : [PLAIN_SERIES.reuse];
  return preinits.flatMap((preinit) => reuses.map((reuse) => ({ preinit, reuse })));
}

/** The tags of a series: only the axes the user set, so a run without them writes the same series keys as before. */
export function seriesTags(config: WasmSeriesConfig, s: WasmSeries): Record<string, string | number> {
  return {
    ...(config.preinit?.length ? { preinit: s.preinit } : {}),
    ...(config.reuse?.length ? { reuse: s.reuse } : {}),
  };
}
