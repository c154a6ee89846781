// A measurement mode turns (runtime, workload, variant) into a Cell: something that
// takes one sample at a time. The run loop visits all cells round by round in a
// seeded shuffled order (A B A B …), so machine drift touches every runtime alike.

import type { SampleRow } from '../../model/results/schema.js';
import type { Deployment, Mode, RuntimeAdapter } from '../../runtimes/types.js';
import type { LoadedWorkload, SampleRequest, VariantKind } from '../../model/workload.js';
import type { ModeOptions } from '../options.js';

export type { ModeOptions };

export type SampleOut = Omit<SampleRow, 'type' | 'workload' | 'variant' | 'runtime' | 'mode'>;

export interface CellContext {
  adapter: RuntimeAdapter;
  workload: LoadedWorkload;
  variant: VariantKind;
  deployment: Deployment;
  request: SampleRequest;
  /** Complete and checked (harness/options.ts, once per run): a mode takes its part as given. */
  options: ModeOptions;
  /** Where a cell reports what it noticed (slow start, fallbacks ...). */
  warn(message: string): void;
  /** Progress of a long sample (a trace replay), shown but not recorded. */
  log?(message: string): void;
  /** Aborted on Ctrl-C: a sample that lasts minutes (a trace replay) stops early with what it has. */
  signal?: AbortSignal;
}

export interface Cell {
  /** Label for progress and messages: runtime/workload/variant[/kind]. */
  readonly label: string;
  /** How many samples this cell wants in total. */
  readonly rounds: number;
  setup(): Promise<void>;
  /** Takes sample number `iteration` (0-based) and returns its rows. */
  sample(iteration: number): Promise<SampleOut[]>;
  teardown(): Promise<void>;
}

export interface MeasurementMode {
  readonly mode: Mode;
  /** Runs on every runtime, listed in its capabilities or not (it needs only start/invoke/stop). */
  readonly everyRuntime?: boolean;
  cells(ctx: CellContext): Cell[];
}
