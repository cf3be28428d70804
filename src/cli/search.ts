/** Entry point of `npm run search`: see search-command.ts. */
import { runCli } from './common.ts';
import { runSearch } from './search-command.ts';

void runCli('search', async () => {
  process.stdout.write(await runSearch(process.argv.slice(2)));
});
