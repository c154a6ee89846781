// Escaping of text read from results files for each place it is shown. Names
// (workload, runtime, variant, phase, metric, tags), run ids, versions and failure
// reasons come from a file anyone can write, so each sink gets text that cannot
// act on it: a terminal never receives a control character (an ESC could move the
// cursor, recolour or retitle the window, fake earlier lines, or with OSC 52 write
// the clipboard), and a Markdown table cell never receives markup that would split
// the table, open a code span, start HTML or draw a link. CSV cells are escaped by
// csv-stringify's own `escape_formulas` (see reports/csv.ts). Hand-written because
// the rule is per sink and tiny; no library does exactly "visible escapes for a
// terminal" without also re-quoting the text.

/**
 * Characters a terminal may act on: C0 controls (incl. TAB, CR, LF), DEL, C1
 * controls (U+0080–U+009F; a UTF-8 terminal may read U+009B as CSI), and the
 * Unicode line separators and bidirectional overrides that can make text look
 * other than it is ("Trojan Source").
 */
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const visible = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** One line of text safe to print to a terminal: every control character becomes a visible escape (ESC → \x1b, LF → \x0a). */
export function terminalText(s: string): string {
  return s.replace(TERMINAL_UNSAFE, visible);
}

/** True when `s` holds a character terminalText() would escape. */
export function hasTerminalControls(s: string): boolean {
  TERMINAL_UNSAFE.lastIndex = 0;
  const found = TERMINAL_UNSAFE.test(s);
  TERMINAL_UNSAFE.lastIndex = 0;
  return found;
}

/**
 * JSON for a terminal: JSON.stringify already escapes C0 controls; this also
 * writes the C1 controls, line separators and bidi overrides as \uXXXX escapes,
 * which JSON parsers read back to the same string.
 */
export function terminalJson(value: unknown, space?: number): string {
  // C0 controls only occur as the indentation's own newlines here: JSON.stringify escapes them in strings.
  return JSON.stringify(value, null, space).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Characters that start inline Markdown (CommonMark + GFM): escapes, code spans,
 * emphasis, strikethrough, links and images, raw HTML and entities, and the table
 * cell separator `|` (GFM reads `\|` as a literal bar even inside a cell).
 */
const MARKDOWN_INLINE = /[\\`*_[\]<>&|~!]/g;

/**
 * Text for a Markdown table cell, heading or list item (inline content): control
 * characters become visible escapes (so a newline cannot end the row), then every
 * character that could start markup is backslash-escaped (CommonMark lets any ASCII
 * punctuation be escaped; the reader sees the character itself).
 */
export function markdownText(s: string): string {
  return terminalText(s).replace(MARKDOWN_INLINE, (c) => `\\${c}`);
}

/**
 * A Markdown code span holding `s` literally: fenced by one more backtick than the
 * longest run inside it (CommonMark's rule), padded so a leading or trailing
 * backtick stays content, with controls made visible. In a GFM table cell (`table`)
 * a `|` must be written `\|` even inside a code span; elsewhere that would show the backslash.
 */
export function markdownCode(s: string, opts: { table?: boolean } = {}): string {
  const text = opts.table ? terminalText(s).replace(/\|/g, '\\|') : terminalText(s);
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || text.startsWith(' ') || text.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
