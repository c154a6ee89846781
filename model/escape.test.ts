// Escaping of results-file text per sink: nothing a terminal acts on, nothing
// Markdown reads as markup, and the text itself still readable.

import { describe, expect, it } from 'vitest';
import { hasTerminalControls, markdownCode, markdownText, terminalJson, terminalText } from './escape.js';

describe('terminalText', () => {
  it('turns every C0/C1 control, DEL, line separator and bidi override into a visible escape', () => {
    expect(terminalText('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(terminalText('x\ny\rz\t\0\x7f')).toBe('x\\x0ay\\x0dz\\x09\\x00\\x7f');
    expect(terminalText('\u009b31m')).toBe('\\x9b31m');
    expect(terminalText('\u202eevil\u2066\u2028')).toBe('\\u{202e}evil\\u{2066}\\u{2028}');
    // OSC 52 (write the clipboard) and a window-title change lose their ESC/BEL.
    expect(terminalText('\x1b]52;c;ZXZpbA==\x07')).toBe('\\x1b]52;c;ZXZpbA==\\x07');
  });

  it('leaves ordinary text, including non-ASCII, alone', () => {
    for (const s of ['cold_start_ns', 'hello', 'µs → ms', 'naïve 日本語 🚀', 'a\\b']) expect(terminalText(s)).toBe(s);
    expect(hasTerminalControls('hello')).toBe(false);
    expect(hasTerminalControls('he\x1bllo')).toBe(true);
    // The regex is global: repeated calls must not depend on the previous one.
    expect([hasTerminalControls('\x1b'), hasTerminalControls('\x1b'), hasTerminalControls('a')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('JSON for a terminal parses back to the same value and holds no control character', () => {
    const value = { name: 'a\x1b[31m\u009b\u202e\u2028b', n: 1 };
    const text = terminalJson(value, 2);
    expect(hasTerminalControls(text.replace(/\n/g, ''))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('Markdown', () => {
  // A table row must keep its cells: no unescaped `|`, no line break.
  const unescapedBars = (row: string) => (row.match(/(?<!\\)\|/g) ?? []).length;

  it('a cell cannot split the table, open code, HTML, links or emphasis', () => {
    const hostile = 'a|b`c`<img src=x onerror=alert(1)>[link](http://x)*em*_u_~~s~~&amp;\\|\nnext row|';
    const cell = markdownText(hostile);
    expect(cell).not.toMatch(/\n/);
    expect(unescapedBars(`| ${cell} |`)).toBe(2);
    expect(cell).not.toMatch(/(?<!\\)[`<>[\]*_~&]/);
    expect(cell).toContain('\\x0a');
  });

  it('keeps a plain name readable', () => {
    expect(markdownText('hello')).toBe('hello');
    expect(markdownText('node-wasi')).toBe('node-wasi');
    expect(markdownText('cold_start_ns')).toBe('cold\\_start\\_ns');
  });

  it('a code span holds any text literally: the fence outgrows the backticks inside', () => {
    expect(markdownCode('abc')).toBe('`abc`');
    expect(markdownCode('a`b')).toBe('`` a`b ``');
    expect(markdownCode('``x```')).toBe('```` ``x``` ````');
    expect(markdownCode('a|b', { table: true })).toBe('`a\\|b`');
    expect(markdownCode('a|b')).toBe('`a|b`');
    expect(markdownCode('line\nbreak')).toBe('`line\\x0abreak`');
  });
});
