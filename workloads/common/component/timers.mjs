// node:timers/promises' setTimeout for handlers running in StarlingMonkey: its event
// loop waits on a wasi:clocks pollable.
export function setTimeout(ms, value) {
  return new Promise((resolve) => globalThis.setTimeout(() => resolve(value), ms));
}
