// `faasbench clean`: removes every Docker object labelled faasbench=1 (containers,
// and images unless --keep-images), whoever created them. Each object's labels are
// re-checked before removal (runtimes/container/engine.ts): anything the engine
// lists without the label is left alone and named here.

import type { Command } from 'commander';
import {
  connectEngine,
  engineStatus,
  removeContainers,
  removeImages,
  type Engine,
  type LeftAlone,
} from '../../runtimes/container/engine.js';

export interface CleanFlags {
  keepImages?: boolean;
}

export interface CleanIo {
  /** The engine to clean (default: the one faasbench uses, see connectEngine). */
  engine?: Engine;
  write?: (text: string) => void;
}

function describeLeftAlone(kind: string, list: LeftAlone[], short: (l: LeftAlone) => string): string {
  return `left alone ${list.length} ${kind}(s) without faasbench=1: ${list.map((l) => `${l.name} (${short(l)})`).join(', ')}\n`;
}

export async function clean(flags: CleanFlags, io: CleanIo = {}): Promise<void> {
  const write = io.write ?? ((t: string) => void process.stdout.write(t));
  const engine = io.engine ?? connectEngine();
  const status = await engineStatus(engine);
  if (!status.availability.ok) {
    write(`nothing to clean: ${status.availability.reason}\n`);
    return;
  }
  const containers = await removeContainers(engine);
  write(`removed ${containers.removed.length} container(s)\n`);
  if (containers.leftAlone.length > 0)
    write(describeLeftAlone('container', containers.leftAlone, (l) => l.id.slice(0, 12)));
  if (!flags.keepImages) {
    const images = await removeImages(engine);
    write(
      `removed ${images.removed.length} image(s)${images.removed.length ? `: ${images.removed.join(', ')}` : ''}\n`,
    );
    if (images.leftAlone.length > 0)
      write(describeLeftAlone('image', images.leftAlone, (l) => l.id.replace(/^sha256:/, '').slice(0, 12)));
  }
}

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove every container and image labelled faasbench=1')
    .option('--keep-images', 'remove containers only (keep built images for the next run)')
    .action(async (flags: CleanFlags) => clean(flags));
}
