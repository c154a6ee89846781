// Progress on a long run: one live line on a TTY, nothing when quiet or piped.
// Labels and messages carry names from workload folders and failure reasons from
// guests: their control characters are shown as visible escapes, so only our own
// line-clearing sequence reaches the terminal. A cell of a runtime's series is
// labelled with the series' words, so its cells can be told apart while they run.

import { terminalText } from '../model/escape.js';
import { seriesText } from '../model/labels.js';

/**
 * A cell's label ("wasm/hello/wasm/cold", made by its mode) with its deployment's
 * series after the variant: "wasm/hello/wasm [wizer, reuse 128]/cold". `prefix` is
 * runtime/workload/variant; a label not starting with it gets the series at its end.
 * No series tags: the label as it was.
 */
export function seriesCellLabel(
  label: string,
  prefix: string,
  tags: Readonly<Record<string, string | number>> | undefined,
): string {
  const words = seriesText(
    Object.entries(tags ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  );
  if (!words) return label;
  return label.startsWith(prefix) ? `${prefix} [${words}]${label.slice(prefix.length)}` : `${label} [${words}]`;
}

export interface Progress {
  update(done: number, total: number, label: string): void;
  log(message: string): void;
  done(): void;
}

export function createProgress(opts: { quiet: boolean; stream?: NodeJS.WriteStream }): Progress {
  const stream = opts.stream ?? process.stderr;
  const live = !opts.quiet && stream.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(done, total, label) {
      if (!live) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const line = `${bar} ${done}/${total} ${terminalText(label)}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
      shown = true;
    },
    log(message) {
      if (opts.quiet) return;
      if (shown) stream.write('\r\x1b[2K');
      stream.write(terminalText(message) + '\n');
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
