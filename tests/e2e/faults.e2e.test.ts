/**
 * Faults in the built app, in Chromium: the search worker failing mid-trial, two tabs on one study,
 * a reload mid-trial, and the storage filling up while a trial is saved. Each search is tiny (digits,
 * a few trials of one or two epochs, on the cpu backend so that no backend is timed) and each test
 * ends by reading the study back ("Export JSON") and finding every trial exactly once: ids unique,
 * indices 0…n-1, none lost and none trained twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium } from '../../scripts/chromium.ts';
import { defaultStudyDatabaseName } from '../../src/db/schema.ts';
import { study, trials } from '../contracts/study-fixture.ts';

const outDir = mkdtempSync(join(tmpdir(), 'playground-faults-'));
let server: PreviewServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  await build({ logLevel: 'error', build: { outDir: join(outDir, 'app'), emptyOutDir: true } });
  server = await preview({ logLevel: 'error', build: { outDir: join(outDir, 'app') }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  url = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: findChromium()!, args: chromiumArgs });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** A new browser profile's worth of storage: each test starts with no study stored. */
const freshContext = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });

/** Starts a search on digits from a share link, with `trials` trials of `epochs` epochs, trained on cpu. */
async function startSearch(page: Page, trials: number, epochs: number, more = ''): Promise<void> {
  await page.goto(`${url}#dataset=digits&trials=${trials}&epochs=${epochs}&batch=16&pruning=none${more}`);
  await page.getByText('Advanced: trials, epochs and training').click();
  await page.getByRole('combobox', { name: 'Training backend' }).selectOption('cpu');
  await page.getByRole('button', { name: 'Start search' }).click();
}

/** Waits until a trial is being trained (its progress shows a batch): the moment to break things. */
const midTrial = (page: Page, trial = 1): Promise<void> =>
  page.getByText(new RegExp(`^Trial ${trial}, ${trial - 1} of \\d+ trained`)).and(page.locator('label')).waitFor({ timeout: 90_000 }).then(() =>
    page.getByText(/^training: epoch \d+ of \d+, batch [1-9]/).waitFor({ timeout: 60_000 }),
  );

interface ExportedTrial {
  readonly id: string;
  readonly index: number;
  readonly status: string;
}
interface Exported {
  readonly study: { readonly id: string; readonly status?: string; readonly statusReason?: string };
  readonly trials: readonly ExportedTrial[];
}

/** The study on screen as "Export JSON" downloads it. */
async function exportStudy(page: Page): Promise<Exported> {
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const path = join(outDir, `${Date.now()}-${saved.suggestedFilename()}`);
  await saved.saveAs(path);
  return JSON.parse(readFileSync(path, 'utf8')) as Exported;
}

/** Every trial exactly once, in order, each with one of `statuses`. */
function expectEachTrialOnce(exported: Exported, count: number, statuses: readonly string[] = ['completed']): void {
  const { study, trials } = exported;
  expect(trials.map((t) => t.index)).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(trials.map((t) => t.id)).toEqual(Array.from({ length: count }, (_, i) => `${study.id}.${i}`));
  expect(new Set(trials.map((t) => t.id)).size).toBe(count);
  for (const trial of trials) expect(statuses, `trial ${trial.index} is ${trial.status}`).toContain(trial.status);
}

/** Room in the quota test beyond what the first trial stored: a few records, not a trial's weights. */
const quotaMarginBytes = 30_000;

const timings: string[] = [];
afterAll(() => console.info(`fault tests: ${timings.join('; ')}`));
const timed = async (name: string, test: () => Promise<void>): Promise<void> => {
  const started = Date.now();
  await test();
  timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

describe('faults in the built app, in Chromium', () => {
  it('says in words that the search worker stopped, and resumes the study to its end with every trial once', () =>
    timed('worker crash', async () => {
      const context = await freshContext();
      const page = await context.newPage();
      await startSearch(page, 3, 2);
      await midTrial(page, 2);
      const worker = page.workers().find((w) => /search\.worker/.test(w.url()));
      expect(worker, `the search worker among ${page.workers().map((w) => w.url()).join(', ')}`).toBeDefined();
      // A real uncaught error in the worker's global scope: the page gets the worker's `error` event.
      await worker!.evaluate(() => {
        setTimeout(() => {
          throw new Error('simulated failure of the search worker');
        });
      });
      await page
        .getByRole('alert')
        .getByText(
          'The search stopped: the search worker stopped unexpectedly: Error: simulated failure of the search worker. The trials it finished are stored; press "Resume search" to go on (the trial it was training is trained again).',
        )
        .waitFor({ timeout: 30_000 });
      expect(await page.getByRole('button', { name: 'Stop search' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Resume search' }).click();
      await page.getByText('Search finished.').waitFor({ timeout: 120_000 });
      expectEachTrialOnce(await exportStudy(page), 3);
      await context.close();
    }), 240_000);

  it('lets one tab run a study: another shows "running in another tab" with no Resume, and offers Resume once the first closes', () =>
    timed('two tabs', async () => {
      const context = await freshContext();
      const tabA = await context.newPage();
      await startSearch(tabA, 3, 2);
      await midTrial(tabA);
      const tabB = await context.newPage();
      await tabB.goto(url);
      const studies = tabB.getByRole('region', { name: 'Studies' }).getByRole('listitem');
      await studies.getByText(/· running in another tab ·/).waitFor({ timeout: 30_000 });
      await tabB.getByText('This study is running in another tab. It can be resumed here once that tab stops it or is closed.').waitFor();
      expect(await tabB.getByRole('button', { name: 'Resume search' }).count()).toBe(0);
      expect(await studies.getByRole('button', { name: /^Delete / }).count()).toBe(0);
      // Closing tab A ends its worker, which gives the study's lock back.
      await tabA.close();
      await tabB.bringToFront();
      await tabB.getByRole('button', { name: 'Resume search' }).waitFor({ timeout: 15_000 });
      expect(await studies.getByText(/· running in another tab ·/).count()).toBe(0);
      await tabB.getByRole('button', { name: 'Resume search' }).click();
      await tabB.getByText('Search finished.').waitFor({ timeout: 120_000 });
      expectEachTrialOnce(await exportStudy(tabB), 3);
      await context.close();
    }), 240_000);

  it('resumes a study after a reload mid-trial, training the interrupted trial once', () =>
    timed('reload', async () => {
      const context = await freshContext();
      const page = await context.newPage();
      await startSearch(page, 3, 2);
      await midTrial(page, 2);
      await page.reload();
      await page.getByRole('button', { name: 'Resume search' }).click({ timeout: 30_000 });
      await page.getByText('Search finished.').waitFor({ timeout: 120_000 });
      expectEachTrialOnce(await exportStudy(page), 3);
      await context.close();
    }), 240_000);

  it('says the storage is full when a trial cannot be saved, keeps the trials saved before, and resumes to the end once there is room', () =>
    timed('storage full', async () => {
      // One conv of 24 or 32 filters and a flatten: a trial on the Pareto front keeps 60–80 KB of
      // weights, far more than a trial's record or the study's (a few KB each).
      const search = (page: Page): Promise<void> =>
        startSearch(page, 6, 1, '&targets=stm32f446re&seed=3&stop=off&convmin=1&convmax=1&densemin=0&densemax=0&filters=24,32&kernels=3&strides=1&paddings=same&poolp=0&heads=flatten');
      // What the same search (the same seed) has stored once its first trial is saved and the second runs.
      const measuring = await freshContext();
      const measured = await measuring.newPage();
      await search(measured);
      await midTrial(measured, 2);
      const usage = (await measured.evaluate('navigator.storage.estimate().then((estimate) => estimate.usage ?? 0)')) as number;
      await measuring.close();

      const context = await freshContext();
      const page = await context.newPage();
      // A real Chromium quota for the page's origin: room for that and a few more records, not for
      // another trial's weights. Set before anything is stored: Chromium checks writes against the
      // room it found at the first one, and asks again only when that runs out.
      const origin = new URL(url).origin;
      const cdp = await context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + quotaMarginBytes });
      await search(page);
      const alert = page.getByRole('alert').getByText(/^The search stopped with an error: the browser's storage for this page is full: could not save trial (\d+) /);
      await alert.waitFor({ timeout: 120_000 });
      const failedAt = Number(/could not save trial (\d+) /.exec((await alert.textContent()) ?? '')![1]);
      // Chromium keeps an overridden quota only roughly (it counts writes against the room it found
      // and re-reads the usage when that runs out): the first refusal may come a trial earlier or
      // later, and the study's end, a small write after it, may be refused as well. Then the study
      // stays as it was stored, and the alert above is what says why.
      await page.getByRole('button', { name: 'Resume search' }).waitFor({ timeout: 30_000 });
      // Room again, as after deleting old studies: the study reads back with what was saved before.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
      const exported = await exportStudy(page);
      if (exported.study.status === 'failed') {
        expect(exported.study.statusReason).toMatch(/^the browser's storage for this page is full: could not save trial \d+ /);
        await page.getByText(/^Why it ended: the browser's storage for this page is full: could not save trial \d+ /).waitFor({ timeout: 10_000 });
      } else {
        // Still `running` as stored before: an export writes only how a study ended.
        expect(exported.study.status).toBeUndefined();
      }
      // The trials saved before are all there; the one that could not be saved is queued (or left
      // running when that write was refused too), and trains again on a resume.
      expect(exported.trials.slice(0, failedAt).map((t) => t.status)).toEqual(Array.from({ length: failedAt }, () => 'completed'));
      expect(['queued', 'running']).toContain(exported.trials[failedAt]?.status);
      expectEachTrialOnce(exported, failedAt + 1, ['completed', 'queued', 'running']);
      await page.getByRole('button', { name: 'Resume search' }).click();
      await page.getByText('Search finished.').waitFor({ timeout: 120_000 });
      const resumed = await exportStudy(page);
      expectEachTrialOnce(resumed, 6);
      // What was stored before the storage filled is kept as it was.
      expect(resumed.trials.slice(0, failedAt)).toEqual(exported.trials.slice(0, failedAt));
      await context.close();
    }), 240_000);

  it('opens a database of version 1 whose trials break a newer rule: shows what was set aside, in words, until dismissed', () =>
    timed('old database', async () => {
      const context = await freshContext();
      const page = await context.newPage();
      // A page of the same origin that is not the app, so that nothing opens the database first.
      await page.goto(`${url}datasets/manifest.json`);
      const repeated = { ...trials[0]!, id: `${study.id}.again`, status: 'running' };
      const records = { study: { ...study, status: 'stopped' }, trials: [{ ...trials[0]!, status: 'completed' }, repeated] };
      // What version 1 of the playground created, with two records of trial 0 (a script: Node's types know no indexedDB).
      await page.evaluate(`new Promise((resolve, reject) => {
        const records = ${JSON.stringify(records)};
        const open = indexedDB.open(${JSON.stringify(defaultStudyDatabaseName)}, 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore('studies', { keyPath: 'id' });
          open.result.createObjectStore('trials', { keyPath: 'id' }).createIndex('byStudy', 'studyId');
        };
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['studies', 'trials'], 'readwrite');
          tx.objectStore('studies').put(records.study);
          for (const trial of records.trials) tx.objectStore('trials').put(trial);
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      })`);
      await page.goto(url);
      const notes = page.getByRole('region', { name: 'Your stored studies were repaired' });
      await notes.waitFor({ timeout: 30_000 });
      expect(await notes.getByRole('listitem').count()).toBe(1);
      expect(await notes.getByRole('listitem').textContent()).toContain(`${study.id}.again`);
      // The study itself is there, with its finished trial.
      await page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: study.config.name, exact: true }).waitFor();
      await notes.getByRole('button', { name: 'Dismiss' }).click();
      await notes.waitFor({ state: 'detached' });
      await page.reload();
      await page.getByRole('region', { name: 'Studies' }).getByRole('button', { name: study.config.name, exact: true }).waitFor();
      expect(await page.getByRole('region', { name: 'Your stored studies were repaired' }).count()).toBe(0);
      await context.close();
    }), 120_000);
});
