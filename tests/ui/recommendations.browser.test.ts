/**
 * The recommended models in Chromium (issue 13): per board a region named "Best for …" with the
 * trial, its accuracies, the memory it uses and why, buttons that call back; or what is missing.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import type { Architecture } from '../../src/core/architecture.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import type { StudyTrial } from '../../src/contracts/study.ts';
import type { Recommendation } from '../../src/state/recommendations.ts';
import Recommendations from '../../src/ui/Recommendations.svelte';

let mounted: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = undefined;
  document.body.innerHTML = '';
});

const architecture: Architecture = { input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'flatten' }] };
const trial = { id: 'study-x.6', index: 6, architecture } as unknown as StudyTrial;
const uno = findPresetTarget('arduino-uno')!;
const esp32 = findPresetTarget('esp32')!;

const best: Recommendation = {
  target: uno,
  trial,
  trialNumber: 7,
  testAccuracy: 0.961,
  int8TestAccuracy: 0.958,
  sramBytes: 1741,
  flashBytes: 9728,
  usage: 'uses 1.7 KB of 2 KB SRAM and 9.5 KB of 32 KB flash',
  reason: 'The most accurate of the 3 trials that fit the Arduino Uno with 256 B of SRAM and 2 KB of flash kept for your code, by its int8 test accuracy.',
  downloadable: true,
  notes: ["The Arduino Uno's numbers are an estimate only: there is no export for 8-bit AVR yet."],
};
const none: Recommendation = { target: esp32, downloadable: false, missing: 'No trial fits the ESP32 yet: the smallest needs 400 KB of SRAM, and 296 KB is left.', notes: [] };

function show(recommendations: readonly Recommendation[], exporting = false) {
  const onDownload = vi.fn<(trialId: string) => void>();
  const onOpen = vi.fn<(architecture: Architecture) => void>();
  const onShow = vi.fn<(trialId: string) => void>();
  const target = document.createElement('div');
  document.body.append(target);
  mounted = mount(Recommendations, { target, props: { recommendations, exporting, onDownload, onOpen, onShow } });
  flushSync();
  return { onDownload, onOpen, onShow };
}

describe('Recommendations', () => {
  it('names the best trial per board with its accuracies, memory and reason, and its buttons call back', async () => {
    const { onDownload, onOpen, onShow } = show([best, none]);
    await expect.element(page.getByRole('heading', { name: 'Recommended models' })).toBeVisible();
    const board = page.getByRole('article', { name: 'Best for Arduino Uno' });
    await expect.element(board).toHaveTextContent('Trial 7, 96.1 % (int8 95.8 %), uses 1.7 KB of 2 KB SRAM and 9.5 KB of 32 KB flash');
    await expect.element(board).toHaveTextContent(`Why this one: ${best.reason}`);
    await expect.element(board).toHaveTextContent('an estimate only');
    await board.getByRole('button', { name: 'Download for the microcontroller' }).click();
    expect(onDownload).toHaveBeenCalledWith('study-x.6');
    await board.getByRole('button', { name: 'Open in estimator' }).click();
    expect(onOpen).toHaveBeenCalledWith(architecture);
    await board.getByRole('button', { name: 'Show trial 7' }).click();
    expect(onShow).toHaveBeenCalledWith('study-x.6');
    const missing = page.getByRole('article', { name: 'Best for ESP32' });
    await expect.element(missing).toHaveTextContent(none.missing!);
    expect(missing.getByRole('button').elements()).toHaveLength(0);
  });

  it('offers no download for a trial whose weights were not kept, and waits while one is built', async () => {
    show([{ ...best, downloadable: false }]);
    const board = page.getByRole('article', { name: 'Best for Arduino Uno' });
    expect(board.getByRole('button', { name: 'Download for the microcontroller' }).elements()).toHaveLength(0);
    await expect.element(board.getByRole('button', { name: 'Open in estimator' })).toBeEnabled();
    unmount(mounted!);
    document.body.innerHTML = '';
    show([best], true);
    await expect.element(page.getByRole('button', { name: 'Exporting…' })).toBeDisabled();
  });
});
