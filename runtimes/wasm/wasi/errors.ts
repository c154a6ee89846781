// How a guest stops the run from inside a WASI call. Neither is an Error, so no
// stack trace is captured on the hot path.

/** proc_exit: unwinds the guest. */
export class WasiExit {
  constructor(readonly code: number) {}
}

/** The guest went past a limit the host enforces (stdout size, ...). */
export class WasiLimit {
  constructor(readonly reason: string) {}
}
