import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { machineInfo } from '../../harness/machine.js';
import { hasTerminalControls } from '../escape.js';
import { parseResults, readResults, ResultsError } from './reader.js';
import type { HeaderRow } from './schema.js';
import { ResultsWriter } from './writer.js';

const header = (runId = 'r1'): HeaderRow => ({
  type: 'header', schema: 1, runId, startedAt: new Date(0).toISOString(), command: ['faasbench', 'run'],
  git: { commit: null, dirty: null }, machine: machineInfo(), versions: { node: process.versions.node }, flags: [], seed: 1, config: {},
});

const sample = { workload: 'hello', variant: 'wasm', runtime: 'wasm', mode: 'cold', phase: 'total', metric: 'cold_start_ns', value: 1234, ok: true };

describe('results writer and reader', () => {
  it('round-trips a run: header, samples, events, end', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fb-res-')), 'run.jsonl');
    const w = new ResultsWriter(file, header());
    w.sample({ ...sample, iteration: 0 });
    w.sample({ ...sample, ok: false, value: 99, error: 'status 500' });
    w.event('warning', 'something to know', { runtime: 'wasm' });
    w.end('completed');
    const [run] = readResults(file);
    expect(run!.header.runId).toBe('r1');
    expect(run!.samples).toHaveLength(2);
    expect(run!.samples[1]).toMatchObject({ ok: false, error: 'status 500' });
    expect(run!.events[0]!.message).toBe('something to know');
    expect(run!.end?.status).toBe('completed');
    expect(run!.warnings).toEqual([]);
  });

  it('a writer killed midway leaves a file whose complete lines all parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-kill-'));
    const file = join(dir, 'run.jsonl');
    // A child process writes samples as fast as it can and is SIGKILLed mid-stream.
    const script = join(dir, 'writer.ts');
    const writerUrl = new URL('./writer.ts', import.meta.url).href;
    writeFileSync(script, `
      import { ResultsWriter } from ${JSON.stringify(writerUrl)};
      const w = new ResultsWriter(${JSON.stringify(file)}, ${JSON.stringify(header('killed'))});
      for (let i = 0; ; i++) {
        w.sample({ ...${JSON.stringify(sample)}, iteration: i, value: i });
        if (i === 2000) process.stdout.write('written\\n');
      }
    `);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const [run] = readResults(file);
    expect(run!.header.runId).toBe('killed');
    expect(run!.samples.length).toBeGreaterThan(2000);
    // Samples are contiguous: nothing in the middle was lost or torn.
    run!.samples.forEach((s, i) => expect(s.value).toBe(i));
    expect(run!.end).toBeNull();
    expect(run!.warnings.join()).toMatch(/no end row/);
  }, 60_000);

  it('tolerates a truncated last line and says so', () => {
    const text = [JSON.stringify(header()), JSON.stringify({ type: 'sample', ...sample }), '{"type":"sample","workl'].join('\n');
    const [run] = parseResults(text, 'x.jsonl');
    expect(run!.samples).toHaveLength(1);
    expect(run!.warnings.join()).toMatch(/x\.jsonl:3: last line is truncated/);
  });

  it.each([
    ['an empty file', '', /empty results file/],
    ['rows before a header', JSON.stringify({ type: 'sample', ...sample }), /rows before any header/],
    ['another schema version', JSON.stringify({ ...header(), schema: 99 }), /schema version 99/],
    ['a torn line in the middle', [JSON.stringify(header()), '{"type":', JSON.stringify({ type: 'sample', ...sample })].join('\n'), /x\.jsonl:2: not valid JSON/],
    ['a sample missing a field', [JSON.stringify(header()), JSON.stringify({ type: 'sample', workload: 'hello' })].join('\n'), /x\.jsonl:2: bad row/],
  ])('refuses %s with the place named', (_what, text, message) => {
    expect(() => parseResults(text, 'x.jsonl')).toThrow(ResultsError);
    expect(() => parseResults(text, 'x.jsonl')).toThrow(message);
  });

  // Values are integers in base units: a value that is not (Infinity from 1e999, NaN-ish,
  // fractional, negative, beyond 2^53) would make medians, ratios and the gate lie.
  const withValue = (raw: string, metric = 'cold_start_ns') =>
    [JSON.stringify(header()), JSON.stringify({ type: 'sample', ...sample, metric }).replace('"value":1234', `"value":${raw}`)].join('\n');
  it.each([
    ['1e999 (Infinity)', '1e999', /x\.jsonl:2: bad row: value: .*finite/],
    ['-1e999', '-1e999', /x\.jsonl:2: bad row: value: .*finite/],
    ['a negative value', '-5', /x\.jsonl:2: bad row: value: cold_start_ns cannot be negative \(got -5\)/],
    ['a fractional value', '12.5', /x\.jsonl:2: bad row: value: .*integer/],
    ['a value beyond 2^53', '9007199254740993', /x\.jsonl:2: bad row: value: .*safe integer/],
    ['a string', '"1234"', /x\.jsonl:2: bad row: value: Expected number, received string/],
    ['null', 'null', /x\.jsonl:2: bad row: value: Expected number, received null/],
  ])('refuses %s as a value, naming the line and field', (_what, raw, message) => {
    expect(() => parseResults(withValue(raw), 'x.jsonl')).toThrow(ResultsError);
    expect(() => parseResults(withValue(raw), 'x.jsonl')).toThrow(message);
  });

  it('keeps signed the metrics that are differences (a memory delta can be negative), still integers', () => {
    for (const metric of ['memory_delta_bytes', 'idle_memavailable_drop_bytes_per_instance']) {
      expect(parseResults(withValue('-4096', metric))[0]!.samples[0]!.value).toBe(-4096);
      expect(() => parseResults(withValue('-1.5', metric))).toThrow(/integer/);
    }
    expect(parseResults(withValue('0'))[0]!.samples[0]!.value).toBe(0);
  });

  it('refuses non-finite numbers elsewhere in a row (iteration, tags)', () => {
    const bad = (row: Record<string, unknown>) => [JSON.stringify(header()), JSON.stringify({ type: 'sample', ...sample, ...row }).replace('"X"', '1e999')].join('\n');
    expect(() => parseResults(bad({ iteration: 'X' }), 'x.jsonl')).toThrow(/x\.jsonl:2: bad row: iteration/);
    expect(() => parseResults(bad({ tags: { rate: 'X' } }), 'x.jsonl')).toThrow(/x\.jsonl:2: bad row: tags\.rate/);
  });

  it('error messages and warnings carry no control characters from the file (they are printed to a terminal)', () => {
    const evilEvent = [JSON.stringify(header()), JSON.stringify({ type: 'event', level: '\x1b[2J\x1b]0;pwned\x07', message: 'm', at: 'now' })].join('\n');
    let message = '';
    try {
      parseResults(evilEvent, 'x.jsonl');
    } catch (e) {
      expect(e).toBeInstanceOf(ResultsError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^x\.jsonl:2: bad row: level: .*\\x1b\[2J/);
    expect(hasTerminalControls(message)).toBe(false);
    const [run] = parseResults(JSON.stringify(header('r\u009b1\x1bm')), 'y\x1b.jsonl');
    expect(run!.warnings.join()).toMatch(/y\\x1b\.jsonl: run r\\x9b1\\x1bm has no end row/);
    expect(hasTerminalControls(run!.warnings.join())).toBe(false);
  });

  it('names the file it cannot read', () => {
    expect(() => readResults('/nonexistent/run.jsonl')).toThrow(/\/nonexistent\/run\.jsonl: cannot read \(ENOENT\)/);
  });

  it('refuses what is not a regular file with one clear sentence: device, directory, FIFO (without waiting for a writer)', () => {
    expect(() => readResults('/dev/null')).toThrow('/dev/null: is a device, not a results file');
    const dir = mkdtempSync(join(tmpdir(), 'fb-notfile-'));
    expect(() => readResults(dir)).toThrow(`${dir}: is a directory, not a results file`);
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    // In a child process: a regression would block in read(2), which no in-process timeout can stop.
    const readerUrl = new URL('./reader.ts', import.meta.url).href;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(readerUrl)}).then((m) => { try { m.readResults(${JSON.stringify(fifo)}); } catch (e) { console.log(e.message); } })`], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000,
    });
    expect(r.stdout.trim()).toBe(`${fifo}: is a FIFO, not a results file`);
  }, 90_000);

  it('reads several runs appended to one file', () => {
    const text = [header('a'), { type: 'sample', ...sample }, header('b'), { type: 'sample', ...sample }].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const runs = parseResults(text);
    expect(runs.map((r) => r.header.runId)).toEqual(['a', 'b']);
  });
});
