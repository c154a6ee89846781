// Reads a trace in the layout of the public Azure Functions trace (Shahrad et al.
// 2020, AzurePublicDataset `invocations_per_function_md.anon.dNN.csv`): a header
// `HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440`, then one row per function with
// its invocation count in each minute of the day. Minute columns must be 1..N in
// order (N ≤ 1440: a shortened day is accepted). The trace only says how many
// invocations fell in each minute, so each minute's arrivals are placed uniformly at
// random inside it (seeded: the same file and seed give the same arrivals). A window
// of minutes and a seeded sample of functions keep a replay within reach of one machine.

import { readFileSync } from 'node:fs';
import { rng, shuffled } from '../../model/random.js';
import type { Trace, TraceFunction } from './types.js';

export interface AzureReadOptions {
  /** Keep this many functions (a seeded sample, in file order); absent: all. */
  functions?: number;
  /** First minute (1-based, as the columns) and how many minutes to keep; default: all. */
  fromMinute?: number;
  minutes?: number;
  seed: number;
}

const ID_COLUMNS = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger'];

/** Parses the CSV text; `name` is used in errors (the file's path). Throws a one-sentence error naming the line. */
export function parseAzureTrace(text: string, name: string, o: AzureReadOptions): Trace {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0)
    throw new Error(`${name} is empty: expected the Azure Functions trace header ${ID_COLUMNS.join(',')},1,…,1440`);
  const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
  if (ID_COLUMNS.some((c, i) => header[i] !== c))
    throw new Error(
      `${name}, line 1: expected the columns ${ID_COLUMNS.join(',')} first, got ${header.slice(0, 4).join(',')}`,
    );
  const minuteCount = header.length - ID_COLUMNS.length;
  if (minuteCount < 1 || minuteCount > 1440)
    throw new Error(`${name}, line 1: expected 1 to 1440 minute columns, got ${minuteCount}`);
  for (let m = 1; m <= minuteCount; m++) {
    if (header[ID_COLUMNS.length + m - 1] !== String(m))
      throw new Error(
        `${name}, line 1: minute column ${m} is named '${header[ID_COLUMNS.length + m - 1]}'; minute columns must be 1, 2, … in order`,
      );
  }
  const from = o.fromMinute ?? 1;
  const count = o.minutes ?? minuteCount - from + 1;
  if (!Number.isInteger(from) || from < 1 || !Number.isInteger(count) || count < 1 || from + count - 1 > minuteCount) {
    throw new Error(`${name} has minutes 1 to ${minuteCount}; minutes ${from} to ${from + count - 1} were asked for`);
  }
  const rows = lines.length - 1;
  let keep: Set<number> | null = null;
  if (o.functions !== undefined && o.functions < rows) {
    const order = shuffled(
      Array.from({ length: rows }, (_, i) => i),
      rng(o.seed),
    );
    keep = new Set(order.slice(0, o.functions));
  }
  const random = rng(o.seed ^ 0x9e3779b9);
  const functions: TraceFunction[] = [];
  const seen = new Set<string>();
  for (let r = 0; r < rows; r++) {
    if (keep && !keep.has(r)) continue;
    const lineNo = r + 2;
    const cells = lines[r + 1]!.split(',');
    if (cells.length !== header.length)
      throw new Error(`${name}, line ${lineNo}: ${cells.length} columns, the header has ${header.length}`);
    const id = cells.slice(0, 3).join('/');
    if (seen.has(id)) throw new Error(`${name}, line ${lineNo}: function ${id} appears twice`);
    seen.add(id);
    const arrivalsMs: number[] = [];
    for (let m = from; m < from + count; m++) {
      const raw = cells[ID_COLUMNS.length + m - 1]!;
      if (!/^\d+$/.test(raw))
        throw new Error(`${name}, line ${lineNo}, minute ${m}: '${raw}' is not a count of invocations`);
      const n = Number(raw);
      const base = (m - from) * 60_000;
      const inMinute: number[] = [];
      for (let k = 0; k < n; k++) inMinute.push(base + random() * 60_000);
      arrivalsMs.push(...inMinute.sort((a, b) => a - b));
    }
    functions.push({ id, trigger: cells[3]!, arrivalsMs });
  }
  const window = from === 1 && count === minuteCount ? `${minuteCount} min` : `minutes ${from}–${from + count - 1}`;
  const sample = keep
    ? `, ${functions.length} of ${rows} functions (seed ${o.seed})`
    : `, ${functions.length} functions`;
  return {
    source: `Azure Functions trace ${name}: ${window}${sample}, arrivals uniform within each minute`,
    durationMs: count * 60_000,
    functions,
  };
}

export function readAzureTrace(file: string, o: AzureReadOptions): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the trace ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e,
    });
  }
  return parseAzureTrace(text, file, o);
}
