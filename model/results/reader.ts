// Reads results files back. Tolerates what a crash leaves (a truncated last line,
// no end row) and says so; refuses what cannot be trusted (no header, rows that do
// not validate, an unknown schema version, values that are not finite integers)
// with the file and line named. Anyone can write a results file, so its messages
// and warnings are made terminal-safe here (they quote names and values from it),
// and only a regular file is read (a FIFO would hang, /dev/zero never ends).

import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { terminalText } from '../escape.js';
import { HeaderRowSchema, RESULTS_SCHEMA_VERSION, ResultRowSchema, type EndRow, type EventRow, type HeaderRow, type SampleRow } from './schema.js';

/** A results file that cannot be used; the message names the file (and line) and is terminal-safe. */
export class ResultsError extends Error {
  override name = 'ResultsError';
  constructor(message: string) {
    super(terminalText(message));
  }
}

export interface RunResults {
  file: string;
  header: HeaderRow;
  samples: SampleRow[];
  events: EventRow[];
  end: EndRow | null;
  /** Problems tolerated while reading (truncated last line, no end row). */
  warnings: string[];
}

export function parseResults(text: string, file = '<results>'): RunResults[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new ResultsError(`${file}: empty results file`);
  const runs: RunResults[] = [];
  let current: RunResults | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && current) {
        current.warnings.push(terminalText(`${where}: last line is truncated (the run was probably killed); ignored`));
        break;
      }
      throw new ResultsError(`${where}: not valid JSON`);
    }
    const type = (json as { type?: unknown })?.type;
    if (type === 'header') {
      const schema = (json as { schema?: unknown }).schema;
      if (schema !== RESULTS_SCHEMA_VERSION) {
        throw new ResultsError(`${where}: results schema version ${String(schema)}, this faasbench reads version ${RESULTS_SCHEMA_VERSION}`);
      }
      const h = HeaderRowSchema.safeParse(json);
      if (!h.success) throw new ResultsError(`${where}: bad header: ${h.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      current = { file, header: h.data, samples: [], events: [], end: null, warnings: [] };
      runs.push(current);
      continue;
    }
    if (!current) throw new ResultsError(`${where}: rows before any header row`);
    const r = ResultRowSchema.safeParse(json);
    if (!r.success) throw new ResultsError(`${where}: bad row: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const row = r.data;
    if (row.type === 'sample') current.samples.push(row);
    else if (row.type === 'event') current.events.push(row);
    else if (row.type === 'end') current.end = row;
  }
  for (const run of runs) if (!run.end) run.warnings.push(terminalText(`${file}: run ${run.header.runId} has no end row (interrupted or still running)`));
  return runs;
}

/** What a non-regular file is, for the message. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export function readResults(file: string): RunResults[] {
  let text: string;
  let fd: number | null = null;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ResultsError(`${file}: is ${kindOf(st)}, not a results file`);
    if (st.size > bufferConstants.MAX_STRING_LENGTH) throw new ResultsError(`${file}: ${st.size} bytes, more than a results file can be read as text (${bufferConstants.MAX_STRING_LENGTH}); split it`);
    text = readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof ResultsError) throw e;
    throw new ResultsError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return parseResults(text, file);
}
