/** Entry point of `npm run estimate`: see estimate-command.ts. */
import { runCli } from './common.ts';
import { runEstimate } from './estimate-command.ts';

void runCli('estimate', () => {
  process.stdout.write(runEstimate(process.argv.slice(2)));
});
