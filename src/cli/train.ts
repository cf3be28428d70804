/** Entry point of `npm run train`: see train-command.ts. */
import { runCli } from './common.ts';
import { runTrain } from './train-command.ts';

void runCli('train', async () => {
  process.stdout.write(await runTrain(process.argv.slice(2)));
});
