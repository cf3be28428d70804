/**
 * Entry point of `npm run search`: see search-command.ts. The first SIGINT (Ctrl-C) or SIGTERM stops
 * the study between batches, so that the study file says which trial goes back to the queue; a
 * second one quits at once, removing the `.tmp` of a write under way. The exit status is then
 * 128 + the signal's number, as a shell reports a process the signal ended.
 */
import { removePendingTempFiles } from './atomic-file.ts';
import { runCli } from './common.ts';
import { runSearch } from './search-command.ts';

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
const controller = new AbortController();
let received: keyof typeof exitCodes | undefined;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    if (received !== undefined) {
      removePendingTempFiles();
      process.exit(exitCodes[name]);
    }
    received = name;
    process.stderr.write(`\nsearch: ${name}: stopping after this batch and writing the study (again to quit at once)\n`);
    controller.abort();
  });
}

void runCli('search', async () => {
  process.stdout.write(await runSearch(process.argv.slice(2), { signal: controller.signal }));
  if (received !== undefined) process.exitCode = exitCodes[received];
});
