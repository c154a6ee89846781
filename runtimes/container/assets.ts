// Moved to runtimes/shared/assets.ts (the process runtime needs it too, without
// loading container code). Kept as a re-export for importers not yet moved
// (runtimes/external/, in progress); delete once nothing imports it.

export { nodeFunctionServerPath, packageRoot, runtimeAsset } from '../shared/assets.js';
