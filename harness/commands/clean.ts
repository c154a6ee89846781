// `faasbench clean`: removes every Docker object labelled faasbench=1 (containers,
// and images unless --keep-images), whoever created them.

import type { Command } from 'commander';
import { connectEngine, engineStatus, removeContainers, removeImages } from '../../runtimes/container/engine.js';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove every container and image labelled faasbench=1')
    .option('--keep-images', 'remove containers only (keep built images for the next run)')
    .action(async (flags: { keepImages?: boolean }) => {
      const engine = connectEngine();
      const status = await engineStatus(engine);
      if (!status.availability.ok) {
        process.stdout.write(`nothing to clean: ${status.availability.reason}\n`);
        return;
      }
      const containers = await removeContainers(engine);
      process.stdout.write(`removed ${containers.length} container(s)\n`);
      if (!flags.keepImages) {
        const images = await removeImages(engine);
        process.stdout.write(`removed ${images.length} image(s)${images.length ? `: ${images.join(', ')}` : ''}\n`);
      }
    });
}
