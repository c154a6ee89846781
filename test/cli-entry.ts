import { main } from '../harness/cli.js';

await main(process.argv);
