// One colour per runtime, fixed by the runtime's id, so a runtime looks the same in
// every chart of every report and in the terminal legend after a run. The known
// runtimes get colours from the Okabe–Ito palette (distinguishable with the common
// colour-vision deficiencies); unknown ids (a new adapter, a hand-written results
// file) take the next unused colour of a second list, in sorted order, so the
// mapping is still stable for a given set of runtimes. Pure.

/** Colours of the runtimes faasbench ships. */
export const RUNTIME_COLOURS: Readonly<Record<string, string>> = {
  wasm: '#0072B2', // blue: the reference
  'node-wasi': '#009E73', // bluish green
  container: '#D55E00', // vermillion
  lambda: '#CC79A7', // reddish purple
  pool: '#E69F00', // orange
  process: '#7F7F7F', // grey: the plain baseline
};

/** For runtime ids not in RUNTIME_COLOURS, in order of first need. */
const SPARE = [
  '#56B4E9',
  '#8C564B',
  '#B8A200',
  '#17BECF',
  '#1B1B1B',
  '#9467BD',
  '#BCBD22',
  '#2CA02C',
  '#E377C2',
  '#AEC7E8',
];

/** Runtime → colour for this set of runtimes: known ids fixed, the others given spare colours in sorted order. */
export function runtimePalette(runtimes: Iterable<string>): Map<string, string> {
  const ids = [...new Set(runtimes)].sort();
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const id of ids) {
    const c = RUNTIME_COLOURS[id];
    if (c !== undefined && Object.hasOwn(RUNTIME_COLOURS, id)) {
      out.set(id, c);
      used.add(c);
    }
  }
  const spare = SPARE.filter((c) => !used.has(c));
  let i = 0;
  for (const id of ids) {
    if (out.has(id)) continue;
    // Past the spare list, cycle with a darker shade so two ids never share a colour.
    const base = spare[i % spare.length]!;
    out.set(id, i < spare.length ? base : darken(base, Math.floor(i / spare.length)));
    i++;
  }
  return out;
}

function darken(hex: string, times: number): string {
  const n = parseInt(hex.slice(1), 16);
  const f = 0.75 ** times;
  const ch = (shift: number) =>
    Math.round(((n >> shift) & 255) * f)
      .toString(16)
      .padStart(2, '0');
  return `#${ch(16)}${ch(8)}${ch(0)}`;
}

/** ANSI 24-bit foreground escape for a palette colour (for a terminal that shows colour). */
export function ansiColour(hex: string, text: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `\x1b[38;2;${(n >> 16) & 255};${(n >> 8) & 255};${n & 255}m${text}\x1b[39m`;
}
