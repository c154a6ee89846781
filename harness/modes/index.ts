// Every measurement mode the run verb knows, by name.

import type { Mode } from '../../runtimes/types.js';
import { coldMode, warmMode } from './cold.js';
import { densityMode } from './density.js';
import { microMode } from './micro.js';
import { throughputMode } from './throughput.js';
import { traceMode } from './trace.js';
import type { MeasurementMode } from './types.js';

export const MEASUREMENT_MODES: Partial<Record<Mode, MeasurementMode>> = {
  cold: coldMode,
  warm: warmMode,
  throughput: throughputMode,
  density: densityMode,
  micro: microMode,
  trace: traceMode,
};
