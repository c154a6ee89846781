// The results model: append-only JSON Lines. A header row, then one row per
// sample, event or end marker. Units are in metric names, values are integers in
// base units (ns, bytes, counts). Everything downstream (summaries, reports, the
// gate) is computed from these rows, so a crashed run loses nothing written.

import { z } from 'zod';

export const RESULTS_SCHEMA_VERSION = 1;

export const MachineSchema = z.object({
  /** Hash of the fields that make timings comparable (CPU model, cores, memory, kernel, arch). */
  fingerprint: z.string(),
  hostname: z.string(),
  cpuModel: z.string(),
  cores: z.number().int(),
  memoryBytes: z.number().int(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
});
export type Machine = z.infer<typeof MachineSchema>;

export const HeaderRowSchema = z.object({
  type: z.literal('header'),
  schema: z.literal(RESULTS_SCHEMA_VERSION),
  runId: z.string(),
  startedAt: z.string(),
  command: z.array(z.string()),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  machine: MachineSchema,
  versions: z.record(z.string()),
  flags: z.array(z.string()),
  seed: z.number().int(),
  config: z.record(z.unknown()),
});
export type HeaderRow = z.infer<typeof HeaderRowSchema>;

/**
 * Metrics whose value is a difference, not an amount: a memory delta or a host
 * MemAvailable drop is negative when memory was freed meanwhile (another process
 * exited, the page cache shrank). Every other metric is a time, size, rate or count
 * and cannot be below zero.
 */
export const SIGNED_METRIC = /(^|_)(delta|drop)(_|$)/;

export const metricIsSigned = (metric: string): boolean => SIGNED_METRIC.test(metric);

/**
 * A measured value: an integer in base units, exact in a double (|v| ≤ 2^53 − 1).
 * `1e999` parses to Infinity and would pass z.number(); NaN, fractions and values
 * past 2^53 (where integers stop being exact and sums overflow) are refused too. The
 * sign is checked per metric (SIGNED_METRIC) once the row's metric is known.
 */
const ValueSchema = z.number().superRefine((v, ctx) => {
  const problem = !Number.isFinite(v)
    ? `must be a finite number (got ${v}; 1e999 reads as Infinity)`
    : !Number.isInteger(v)
      ? `must be an integer in base units: ns, bytes, counts (got ${v})`
      : !Number.isSafeInteger(v)
        ? `must be a safe integer, at most 2^53 − 1 in size (got ${v})`
        : null;
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export const SampleRowSchema = z.object({
  type: z.literal('sample'),
  workload: z.string(),
  variant: z.string(),
  runtime: z.string(),
  mode: z.string(),
  /** 'total' for the whole measured value; other names for its parts. */
  phase: z.string(),
  /** With the unit in the name: cold_start_ns, rss_bytes, requests_per_s ... */
  metric: z.string(),
  value: ValueSchema,
  ok: z.boolean(),
  /** Index of the measurement this row belongs to (phases of one cold start share it). */
  iteration: z.number().int().optional(),
  request: z.string().optional(),
  /** Free-form qualifiers: connections, offered rate, pool hit/miss ... */
  tags: z.record(z.union([z.string(), z.number().finite(), z.boolean()])).optional(),
  error: z.string().optional(),
});
export type SampleRow = z.infer<typeof SampleRowSchema>;

export const EventRowSchema = z.object({
  type: z.literal('event'),
  level: z.enum(['info', 'warning', 'error']),
  runtime: z.string().optional(),
  workload: z.string().optional(),
  message: z.string(),
  at: z.string(),
});
export type EventRow = z.infer<typeof EventRowSchema>;

export const EndRowSchema = z.object({
  type: z.literal('end'),
  finishedAt: z.string(),
  status: z.enum(['completed', 'interrupted', 'failed']),
});
export type EndRow = z.infer<typeof EndRowSchema>;

export const ResultRowSchema = z
  .discriminatedUnion('type', [HeaderRowSchema, SampleRowSchema, EventRowSchema, EndRowSchema])
  // The sign rule needs the metric, so it is checked on the whole row (a discriminated
  // union takes plain objects only).
  .superRefine((row, ctx) => {
    if (row.type === 'sample' && Number.isFinite(row.value) && row.value < 0 && !metricIsSigned(row.metric)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: `${row.metric} cannot be negative (got ${row.value}); only differences (…_delta_…, …_drop_…) are signed` });
    }
  });
export type ResultRow = z.infer<typeof ResultRowSchema>;
