/**
 * The built app in Chromium, with WebGPU on (SwiftShader here), served cross-origin isolated as
 * `vite preview` serves it: the worker times every backend and trains on the fastest (WASM on
 * several threads, on these CPU-only machines); a 2-trial search on MNIST started from a share link (long enough to watch: digits now trains in a second or two), a reload that finds its trials, an export and an import, a refused file, a CSV
 * dataset imported from the page, and the page at phone width. It
 * takes screenshots on the way: into docs/screenshots/ for the README with `npm run screenshots`
 * (UPDATE_SCREENSHOTS=1), else into a temporary folder, so that `npm test` leaves the tree clean.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Locator, type Page, chromium } from 'playwright';
import { type PreviewServer, build, preview } from 'vite';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium } from '../../scripts/chromium.ts';

const outDir = mkdtempSync(join(tmpdir(), 'playground-e2e-'));
const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : join(outDir, 'screenshots');
let server: PreviewServer;
let browser: Browser;
let page: Page;
let url: string;
const problems: string[] = [];

beforeAll(async () => {
  await build({ logLevel: 'error', build: { outDir: join(outDir, 'app'), emptyOutDir: true } });
  server = await preview({ logLevel: 'error', build: { outDir: join(outDir, 'app') }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  url = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: findChromium()!, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  // No console errors: every error the page or its worker logs fails the test at the end.
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  mkdirSync(screenshots, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

const trialRows = (p: Page) => p.getByRole('table', { name: 'Trials' }).locator('tbody tr');

describe('the playground, built, in Chromium with WebGPU', () => {

  it('runs a 2-trial search on MNIST and shows it live', async () => {
    // A share link: the settings travel in the hash, like TensorFlow Playground.
    await page.goto(`${url}#dataset=mnist&trials=2&epochs=2&pruning=none`);
    // Served with COOP and COEP, as vite preview and the README's hosting notes do: WASM may use threads.
    expect(await page.evaluate('crossOriginIsolated')).toBe(true);
    // The visible labels of issue 5, as the accessible names of their controls.
    // Time is the budget on top; trials and epochs are under Advanced.
    await page.getByText('Advanced: trials, epochs and training').click();
    for (const [role, name] of [['combobox', 'Dataset'], ['group', 'Target'], ['spinbutton', 'Search for (minutes)'], ['checkbox', 'Stop hopeless trials early'], ['spinbutton', 'Trials'], ['spinbutton', 'Epochs'], ['combobox', 'Strategy'], ['button', 'Start search'], ['button', 'Stop search'], ['button', 'Export JSON']] as const) {
      expect(await page.getByRole(role, { name, exact: true }).count(), name).toBe(1);
    }
    expect(await page.getByLabel('Import JSON').count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Dataset' }).inputValue()).toBe('mnist');
    expect(await page.getByRole('spinbutton', { name: 'Trials', exact: true }).inputValue()).toBe('2');
    expect(await page.getByRole('spinbutton', { name: 'Epochs', exact: true }).inputValue()).toBe('2');
    // Dense trials only (pruning=none): fine-tuning after pruning would double the time.
    expect(await page.getByLabel('Magnitude', { exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel('None (dense)').isChecked()).toBe(true);
    expect(await page.getByLabel('Share link').inputValue()).toContain('dataset=mnist&');
    await page.getByRole('button', { name: 'Start search' }).click();
    await page.getByRole('button', { name: 'Stop search' }).and(page.locator(':enabled')).waitFor();
    // The probe's ranking: the CPU-side backends timed, the GPUs SwiftShader emulates passed over, the
    // fastest (WASM) taken. The threaded WASM build runs (tfjs gives it half the logical cores).
    await page.getByText(/^Training on wasm \(WASM, SIMD, \d+ threads?\), the fastest of the 2 backends timed here/).waitFor({ timeout: 120_000 });
    const ranking = page.getByRole('table', { name: /^Training speed of each backend/ });
    expect(await ranking.locator('tbody th').allTextContents()).toEqual(['wasm ✓', 'cpu']);
    expect(await ranking.locator('tbody td.label').first().textContent()).toMatch(/^WASM, SIMD, (1 thread \(tfjs uses half of the [23] logical cores\)|[2-8] threads)$/);
    await page.getByText('Not used here: webgpu, webgl').waitFor();
    await page.getByRole('progressbar').first().waitFor({ timeout: 120_000 });
    // The second trial running: the first is in the table and the plot, and the ETA is known.
    await page.getByText(/^Trial 2, 1 of 2 trained/).waitFor({ timeout: 300_000 });
    await page.getByText(/^training: epoch [12] of 2, batch [1-9]/).waitFor({ timeout: 120_000 });
    await page.locator('.main').screenshot({ path: join(screenshots, 'search-running.png') });
    await page.getByText('Search finished.').waitFor({ timeout: 480_000 });
    await expect.poll(() => trialRows(page).count()).toBe(2);
    expect(await trialRows(page).locator('.status').allTextContents()).toEqual(['completed', 'completed']);
    await page.getByRole('figure', { name: 'Pareto front' }).waitFor();
    await page.getByRole('button', { name: 'Trial 1', exact: true }).click();
    await page.getByRole('article', { name: 'Trial 1' }).waitFor();
    await page.locator('.main').screenshot({ path: join(screenshots, 'results.png') });
  }, 600_000);

  it('finds the trials again after a reload', async () => {
    await page.reload();
    await expect.poll(() => trialRows(page).count(), { timeout: 30_000 }).toBe(2);
    expect(await trialRows(page).locator('.status').allTextContents()).toEqual(['completed', 'completed']);
  }, 60_000);

  it('downloads a Pareto-front trial for the microcontroller: a zip whose model.tflite is the size its manifest predicts', async () => {
    const button = page.locator('.downloads').getByRole('button', { name: 'Download for the microcontroller' });
    // One of the two trials is on the front; the button is offered for front trials only.
    for (const name of ['Trial 1', 'Trial 2']) {
      await page.getByRole('button', { name, exact: true }).click();
      await page.getByRole('article', { name }).waitFor();
      if ((await button.count()) > 0) break;
    }
    const started = Date.now();
    const [saved] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const took = Date.now() - started;
    expect(saved.suggestedFilename()).toMatch(/^study-[0-9a-f]+\.[01]-microcontroller\.zip$/);
    const path = join(outDir, saved.suggestedFilename());
    await saved.saveAs(path);
    const entries = unzipSync(new Uint8Array(readFileSync(path)));
    const folder = saved.suggestedFilename().replace(/\.zip$/, '');
    const manifest = JSON.parse(strFromU8(entries[`${folder}/export.json`]!)) as { tfliteBytes: number; predicted: { modelFlashBytes: number }; input: { shape: number[] } };
    expect(entries[`${folder}/model.tflite`]!.length).toBe(manifest.tfliteBytes);
    expect(manifest.predicted.modelFlashBytes).toBe(manifest.tfliteBytes);
    expect(manifest.input.shape).toEqual([1, 28, 28, 1]);
    expect(Object.keys(entries)).toContain(`${folder}/arduino/sparse_model/sparse_model.ino`);
    const notice = page.getByText(/^Exported study-[0-9a-f]+\.[01]-microcontroller\.zip: model\.tflite [\d,]+ B, int8 test accuracy \d+\.\d %, tensor arena [\d,]+ B for Arduino Nano 33 BLE; built in \d+\.\d s\./);
    await notice.waitFor();
    // Timed in the built app on MNIST (2,000 test images), after a reload (a fresh worker): a record for the README, not a pass mark.
    const worker = /built in (\d+\.\d) s/.exec((await notice.textContent()) ?? '')![1];
    console.info(`microcontroller export in the page: ${took} ms from the click to the download; the worker reports ${worker} s`);
  }, 60_000);

  it('exports the study, imports it again, and refuses a broken file with an alert, losing nothing', async () => {
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    const exported = join(outDir, saved.suggestedFilename());
    await saved.saveAs(exported);
    const document = JSON.parse(readFileSync(exported, 'utf8')) as { schemaVersion: number; trials: unknown[]; environment: { backend: string } };
    expect(document.schemaVersion).toBe(1);
    expect(document.trials).toHaveLength(2);
    expect(document.environment.backend).toBe('wasm');

    const studies = page.getByRole('region', { name: 'Studies' }).getByRole('listitem');
    expect(await studies.count()).toBe(1);
    const broken = join(outDir, 'broken.json');
    writeFileSync(broken, readFileSync(exported, 'utf8').replace('"schemaVersion": 1', '"schemaVersion": "<b>1</b>"'));
    await page.getByLabel('Import JSON').setInputFiles(broken);
    await expect.poll(() => page.getByRole('alert').allTextContents()).toContain('broken.json: schemaVersion: must be 1, got "<b>1</b>"');
    expect(await studies.count()).toBe(1);

    await page.getByLabel('Import JSON').setInputFiles(exported);
    await expect.poll(() => studies.count()).toBe(2);
    await expect.poll(() => trialRows(page).count()).toBe(2);
  }, 60_000);

  it('imports a CSV dataset in the worker and offers it for the next search', async () => {
    // 40 images of 4×4 pixels in two classes: stripes on the left or on the right.
    const rows = Array.from({ length: 40 }, (_, n) => [n % 2, ...Array.from({ length: 16 }, (_, i) => ((i % 4 < 2) === (n % 2 === 0) ? 20 : 230))].join(','));
    const csv = join(outDir, 'stripes.csv');
    writeFileSync(csv, `label,${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')}\n${rows.join('\n')}\n`);
    await page.getByText('Import a dataset').click();
    const form = page.getByRole('form', { name: 'Import dataset' });
    await form.getByRole('combobox', { name: 'Format' }).selectOption('csv');
    await form.getByLabel('Files').setInputFiles(csv);
    await form.getByLabel('First row is a header').check();
    await form.getByRole('textbox', { name: 'Name' }).fill('Stripes');
    await form.getByRole('button', { name: 'Import dataset' }).click();
    await page.getByText(/^Imported the dataset "Stripes": 40 images of 4×4×1 in 2 classes/).waitFor({ timeout: 60_000 });
    const dataset = page.getByRole('combobox', { name: 'Dataset' });
    expect(await dataset.locator('option:checked').textContent()).toBe('Stripes (imported)');
    expect(await page.getByText('Input 4×4×1, 2 classes').count()).toBe(1);
  }, 90_000);

  it('works at phone width, and logged no errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(screenshots, 'phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('region', { name: 'Live estimator' }).screenshot({ path: join(screenshots, 'estimator.png') });
    // Under deploy accounting the estimator draws TFLM's arena plan for its first TFLM target.
    await page.locator('input[name=estimator-accounting][value=deploy]').check();
    const plan = page.locator('figure.arena-plan').first();
    await plan.waitFor();
    await plan.screenshot({ path: join(screenshots, 'arena-plan.png') });
    expect(problems).toEqual([]);
  }, 60_000);
});

/** Presses Tab until `target` has the focus, then returns; fails after 300 presses. */
async function tabTo(p: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 300; i++) {
    await p.keyboard.press('Tab');
    if (await target.evaluate((element) => element === (element.ownerDocument as { activeElement: unknown }).activeElement).catch(() => false)) return;
  }
  throw new Error(`${target.toString()} could not be reached with Tab`);
}

/** axe-core's serious and critical violations on the page as it is now, as "rule: target" lines. */
async function seriousViolations(p: Page): Promise<string[]> {
  if (!(await p.evaluate('typeof axe !== "undefined"'))) await p.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const result = (await p.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

describe('a first visit at 1280×800, with the keyboard alone (issue 13)', () => {
  let visitor: Page;
  let board: Locator;

  beforeAll(async () => {
    // A new user: a fresh context, so no study is stored yet.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    visitor = await context.newPage();
    visitor.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    visitor.on('pageerror', (error) => problems.push(error.message));
  });

  it('starts the quick demo, the one start control above the fold, and has a feasible model of at least 90 % for the Uno within 3 minutes', async () => {
    await visitor.goto(url);
    const demo = visitor.getByRole('button', { name: 'Start the quick demo' });
    const box = (await demo.boundingBox())!;
    expect(box.y + box.height).toBeLessThan(800);
    await visitor.screenshot({ path: join(screenshots, 'first-screen.png') });
    expect(await seriousViolations(visitor)).toEqual([]);
    // The first Tab reaches the skip link; the demo is the next stop.
    await visitor.keyboard.press('Tab');
    expect(await visitor.evaluate('document.activeElement?.textContent')).toBe('Skip to the search setup');
    await tabTo(visitor, demo);
    const started = Date.now();
    await visitor.keyboard.press('Enter');
    // The search becomes the page's focus.
    await expect.poll(() => visitor.evaluate('document.activeElement?.id')).toBe('run-heading');
    await visitor.getByText('Search finished.').waitFor({ timeout: 180_000 });
    const minutes = (Date.now() - started) / 60_000;
    board = visitor.getByRole('article', { name: 'Best for Arduino Uno' });
    const pick = (await board.locator('.pick').textContent()) ?? '';
    const accuracy = Number(/^Trial \d+, (\d+\.\d) %/.exec(pick)?.[1]);
    console.info(`quick demo in the page: ${minutes.toFixed(2)} min, recommended for the Uno: ${pick}`);
    expect(accuracy).toBeGreaterThanOrEqual(90);
    expect(minutes).toBeLessThan(3);
    expect(await seriousViolations(visitor)).toEqual([]);
  }, 240_000);

  it('opens the recommendation for the Uno, checks it on the test set and tries it', async () => {
    const show = board.getByRole('button', { name: /^Show trial \d+$/ });
    const trial = ((await show.textContent()) ?? '').replace(/^Show /, '').replace(/^t/, 'T');
    await tabTo(visitor, show);
    await visitor.keyboard.press('Enter');
    await visitor.getByRole('article', { name: trial, exact: true }).waitFor();
    await expect.poll(() => visitor.evaluate('document.activeElement?.id')).toBe('trial-detail');
    await visitor.locator('.main').screenshot({ path: join(screenshots, 'results.png') });
    await tabTo(visitor, visitor.getByRole('button', { name: 'Check on the test set' }));
    await visitor.keyboard.press('Enter');
    const check = visitor.getByRole('region', { name: 'Check the model' });
    await check.getByRole('table').waitFor({ timeout: 60_000 });
    // Draw a stroke on the canvas; the int8 model in the worker answers.
    const canvas = visitor.getByRole('img', { name: 'Draw a digit' });
    await canvas.scrollIntoViewIfNeeded();
    const area = (await canvas.boundingBox())!;
    await visitor.mouse.move(area.x + area.width * 0.5, area.y + area.height * 0.2);
    await visitor.mouse.down();
    for (let i = 1; i <= 10; i++) await visitor.mouse.move(area.x + area.width * 0.5, area.y + area.height * (0.2 + 0.06 * i));
    await visitor.mouse.up();
    const prediction = visitor.getByRole('status', { name: 'Prediction' });
    await expect.poll(() => prediction.textContent(), { timeout: 30_000 }).toMatch(/^Int8 model: \S+ \(\d+\.\d %\)/);
    // Without a mouse: a test image instead of a drawing.
    await tabTo(visitor, visitor.getByRole('button', { name: 'Try a test image' }));
    await visitor.keyboard.press('Enter');
    await expect.poll(() => prediction.textContent(), { timeout: 30_000 }).toMatch(/test image \d+ of \d+, truly \S+ \((right|wrong)\)/);
    await check.screenshot({ path: join(screenshots, 'check-the-model.png') });
    expect(await seriousViolations(visitor)).toEqual([]);
  }, 120_000);

  it('downloads the microcontroller bundle from the recommendation', async () => {
    const download = board.getByRole('button', { name: 'Download for the microcontroller' });
    await visitor.evaluate('window.scrollTo(0, 0)');
    await tabTo(visitor, download);
    const [saved] = await Promise.all([visitor.waitForEvent('download'), visitor.keyboard.press('Enter')]);
    expect(saved.suggestedFilename()).toMatch(/^study-[0-9a-f]+\.\d+-microcontroller\.zip$/);
    const path = join(outDir, saved.suggestedFilename());
    await saved.saveAs(path);
    const folder = saved.suggestedFilename().replace(/\.zip$/, '');
    const entries = unzipSync(new Uint8Array(readFileSync(path)));
    const manifest = JSON.parse(strFromU8(entries[`${folder}/export.json`]!)) as { input: { shape: number[] } };
    expect(manifest.input.shape).toEqual([1, 8, 8, 1]);
  }, 60_000);

  it('deletes the study and undoes it', async () => {
    const studies = visitor.getByRole('region', { name: 'Studies' }).getByRole('listitem');
    await expect.poll(() => studies.count()).toBe(1);
    const name = (await studies.first().getByRole('button').first().textContent()) ?? '';
    await tabTo(visitor, visitor.getByRole('button', { name: /^Delete / }));
    await visitor.keyboard.press('Enter');
    await expect.poll(() => studies.count()).toBe(0);
    const undo = visitor.getByRole('button', { name: /^Undo/ });
    await tabTo(visitor, undo);
    await visitor.keyboard.press('Enter');
    await expect.poll(() => studies.count()).toBe(1);
    expect(await studies.first().textContent()).toContain(name.trim());
    await visitor.setViewportSize({ width: 390, height: 844 });
    expect(await visitor.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await visitor.evaluate('window.scrollTo(0, 0)');
    await visitor.screenshot({ path: join(screenshots, 'first-screen-phone.png') });
    expect(problems).toEqual([]);
  }, 60_000);
});
