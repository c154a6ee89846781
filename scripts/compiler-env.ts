// The environment the artifact builders (build-workloads, build-wasi-tests) run compilers in.

/**
 * The compilers' environment: PATH without node_modules/.bin folders. clang's
 * WebAssembly driver runs `wasm-opt` after linking whenever it finds one on PATH, and
 * npm puts binaryen's (a dependency of jco/componentize-js) there under `npm run`/npx:
 * the same sources would build other bytes depending on how the script was started.
 */
export const COMPILER_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: (process.env['PATH'] ?? '')
    .split(':')
    .filter((p) => p && !p.split('/').includes('node_modules'))
    .join(':'),
};
