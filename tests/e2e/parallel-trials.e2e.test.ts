/**
 * Several trials at once in the built app (issue 15), in Chromium: the setup's "Trials at once"
 * (suggested from the cores this machine reports, not in the share link) set to 2, a search on MNIST
 * on the backend the search worker picks (WASM here, in each trainer worker too)
 * whose run panel shows both running trials with a line and a bar each, Pause and Continue acting on
 * both, and every trial of the budget in the table at the end. Screenshots of the field and of the
 * panel at 1280 px and 390 px go to a temporary folder, or to SCREENSHOTS_DIR when it is set.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium } from '../../scripts/chromium.ts';

const outDir = mkdtempSync(join(tmpdir(), 'parallel-e2e-'));
const screenshots = process.env.SCREENSHOTS_DIR ?? join(outDir, 'screenshots');
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
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
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

describe('two trials at once in the built app', () => {
  it('suggests trials at once from the cores, keeps them out of the share link, and shows both running trials', async () => {
    await page.goto(`${url}#dataset=mnist&trials=4&epochs=2&pruning=none&strategy=random&minutes=`);
    const cores = (await page.evaluate('navigator.hardwareConcurrency')) as number;
    const suggested = Math.max(1, Math.min(4, Math.floor(cores / 2)));
    await page.getByText('Advanced: trials, epochs and training').click();
    const field = page.getByRole('spinbutton', { name: 'Trials at once', exact: true });
    expect(await field.inputValue()).toBe(String(suggested));
    await page.getByText(`This computer reports ${cores} cores, so ${suggested} ${suggested === 1 ? 'is' : 'are'} suggested`).waitFor();
    await field.fill('9');
    await page.getByRole('alert').getByText('Trials at once: must be a whole number from 1 to 8, got 9').waitFor();
    expect(await page.getByRole('button', { name: 'Start search' }).isDisabled()).toBe(true);
    await field.fill('2');
    expect(await page.getByRole('button', { name: 'Start search' }).isDisabled()).toBe(false);
    expect(await page.getByLabel('Share link').inputValue()).not.toMatch(/at-?once|parallel/i);
    await page.getByText('The search trains 2 networks at a time').waitFor();
    const advanced = page.locator('details.advanced');
    await advanced.screenshot({ path: join(screenshots, 'setup-trials-at-once.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await field.scrollIntoViewIfNeeded();
    await advanced.screenshot({ path: join(screenshots, 'setup-trials-at-once-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Start search' }).click();
    // The search worker times the backends and picks WASM here; each trainer worker trains on it.
    await page.getByText(/^Training on wasm \(WASM, SIMD, \d+ threads?\)/).waitFor({ timeout: 120_000 });
    const running = page.getByRole('list', { name: 'Running trials' });
    // Both trials have trained a batch: two lines, each with its trial's name and a percentage.
    const shares = async (): Promise<number[]> =>
      (await running.locator('li').allTextContents()).flatMap((text) => {
        const match = /^\s*Trial \d+ · training: epoch \d+ of 2, batch \d+ of \d+ \((\d+)\s%\)/.exec(text);
        return match ? [Number(match[1])] : [];
      });
    await expect.poll(async () => (await shares()).length, { timeout: 120_000 }).toBe(2);
    // For the screenshot: both well under way.
    await expect.poll(async () => (await shares()).filter((share) => share >= 10).length, { timeout: 60_000 }).toBe(2);
    expect(await running.getByRole('progressbar').count()).toBe(2);
    await page.getByText(/^\s*Trials \d+ and \d+, \d+ of 4 trained/).waitFor();
    const panel = page.getByRole('region', { name: 'Search', exact: true });
    await panel.screenshot({ path: join(screenshots, 'run-panel-two-trials.png') });

    // Pause holds both: the lines stop changing until Continue.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('button', { name: 'Continue', exact: true }).waitFor();
    await page.getByText('Paused: each of the 2 running trials holds before its next batch until you press Continue.').waitFor();
    await page.waitForTimeout(1000);
    const held = await running.locator('li').allTextContents();
    await page.waitForTimeout(1500);
    expect(await running.locator('li').allTextContents()).toEqual(held);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await panel.screenshot({ path: join(screenshots, 'run-panel-two-trials-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    await page.getByText('Search finished.').waitFor({ timeout: 180_000 });
    const statuses = await page.getByRole('table', { name: 'Trials' }).locator('tbody .status').allTextContents();
    expect(statuses).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(problems).toEqual([]);
  }, 300_000);
});
