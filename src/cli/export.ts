/** Entry point of `npm run export`: see export-command.ts. */
import { runCli } from './common.ts';
import { runExport } from './export-command.ts';

void runCli('export', async () => {
  process.stdout.write(await runExport(process.argv.slice(2)));
});
