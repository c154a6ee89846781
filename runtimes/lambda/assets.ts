// The runtime-client files (.mjs, never compiled) from the source tree or from dist:
// beside this module in the source tree; from dist/runtimes/lambda, up at the
// package root's runtimes/lambda.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function lambdaAssetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'bootstrap-node.mjs'))) return here;
  let dir = here;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'runtimes', 'lambda');
    if (existsSync(join(candidate, 'bootstrap-node.mjs'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find runtimes/lambda/bootstrap-node.mjs from ${here}`);
}

/** AWS's Node.js runtime interface client when install-ric.sh has installed it, else null. */
export function awsLambdaRicMain(): string | null {
  try {
    const dir = join(lambdaAssetDir(), '.cache/aws-lambda-ric/node_modules/aws-lambda-ric');
    return existsSync(join(dir, 'rapid-client.node')) ? join(dir, 'index.mjs') : null;
  } catch {
    return null;
  }
}
