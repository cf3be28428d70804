/**
 * The trial detail in Chromium, with trials written by hand as the study stores them: what it
 * shows for a completed, a failed, a skipped and a stopped trial, the explained numbers, the verdicts, the
 * memory chart, and text from the trial kept as text.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import type { Architecture } from '../../src/core/architecture.ts';
import { type Accounting, estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import type { StudyTrial } from '../../src/contracts/study.ts';
import TrialDetail from '../../src/ui/TrialDetail.svelte';
import { designExample } from '../fixtures/design-example.ts';

let mounted: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = undefined;
  document.body.innerHTML = '';
});

const uno = findPresetTarget('arduino-uno')!;
const f446 = findPresetTarget('stm32f446re')!;

// The DESIGN.md example network: 19,758 params, working memory 6,760 B set by the max pool.
const lenet = designExample;

const base = {
  studyId: 'study-0123456789abcdef0123',
  architecture: lenet,
  hyperparameters: {
    epochs: 5,
    batchSize: 32,
    learningRate: 0.001,
    schedule: 'cosine',
    seed: 11,
    pruning: { method: 'magnitude', sparsity: 0.5, fineTuneEpochs: 2 },
  },
} as const;

const completed: StudyTrial = {
  ...base,
  id: 'study-0123456789abcdef0123.0',
  index: 0,
  status: 'completed',
  metrics: {
    testAccuracy: 0.9125,
    int8TestAccuracy: 0.9025,
    valAccuracy: 0.9175,
    testAccuracyBeforePruning: 0.9325,
    nonzeroWeights: 9_700,
    totalWeights: 19_400,
    sparsity: 0.5,
    epochsRun: 7,
    bestEpoch: 4,
  },
  timings: { trainMs: 5120.5, pruneMs: 12.25, evaluateMs: 300, totalMs: 5500.75, samplesPerSecond: 1234.5 },
  backend: { name: 'webgpu', reason: 'WebGPU adapter found' },
};

function show(trial: StudyTrial, accounting: Accounting, onEdit?: (a: Architecture) => void): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const e = estimate(trial.architecture, [uno, f446]);
  mounted = mount(TrialDetail, { target, props: { trial, estimate: e, accounting, ...(onEdit ? { onEdit } : {}) } });
  flushSync();
  return target;
}

describe('TrialDetail', () => {
  it('shows a completed trial: status, architecture, pruning, accuracies, timings and backend', async () => {
    show(completed, 'paper');
    const article = page.getByRole('article', { name: 'Trial 1' });
    await expect.element(article).toHaveTextContent('Status: completed');
    await expect.element(page.getByRole('list', { name: 'Architecture of Trial 1' })).toBeVisible();
    await expect.element(article).toHaveTextContent('Magnitude: 50.0 % of the weights (gradual, smallest first), then 2 epochs of fine-tuning');
    await expect.element(article).toHaveTextContent('test accuracy before pruning93.3 %');
    await expect.element(article).toHaveTextContent('test accuracy after pruning91.3 %');
    await expect.element(article).toHaveTextContent('int8 test accuracy90.3 % (float 91.3 %; simulated int8 weights and activations)');
    await expect.element(article).toHaveTextContent('validation accuracy91.8 %');
    await expect.element(article).toHaveTextContent('50.0 % (9,700 of 19,400 weights non-zero)');
    await expect.element(article).toHaveTextContent('training5.12 s (1,235 samples/s)');
    await expect.element(article).toHaveTextContent('backendwebgpu (WebGPU adapter found)');
    expect(page.getByRole('alert').elements()).toHaveLength(0);
  });

  it('gives the verdict for every target with its reason, and the formulas with the exact numbers', async () => {
    show(completed, 'paper');
    const targets = page.getByRole('listitem').filter({ hasText: 'headroom' });
    await expect.element(targets.nth(0)).toHaveTextContent(
      'Arduino Uno: does not fit — working memory 6,760 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve by 4,968 B',
    );
    await expect.element(targets.nth(1)).toHaveTextContent('STM32 Nucleo-F446RE: fits');

    const wm = page.getByRole('button', { name: /^6,760 B\s*: working memory, how it is computed$/ });
    await wm.click();
    await expect.element(wm).toHaveAttribute('aria-expanded', 'true');
    await expect
      .element(page.getByText(/^working memory = max over ops/))
      .toHaveTextContent('peak at layers[1] (maxPool): input 26×26×8 = 5,408 B + output 13×13×8 = 1,352 B = 6,760 B');

    await page.getByRole('button', { name: /^19,758 params\s*: params,/ }).click();
    await expect
      .element(page.getByText(/^params = Σ/))
      .toHaveTextContent('params = Σ over ops of (weights + biases) = 80 + 80 + 144 + 68 + 592 + 18,464 + 330 = 19,758 params');

    await page.getByRole('button', { name: /^−4,968 B\s*: SRAM headroom on Arduino Uno/ }).click();
    await expect
      .element(page.getByText(/^headroom = \(SRAM 2,048 B/))
      .toHaveTextContent('headroom = (SRAM 2,048 B − reserve 256 B) − working memory 6,760 B = −4,968 B (over by 4,968 B)');
  });

  it('explains the deploy numbers and the flash parts per target', async () => {
    show(completed, 'deploy');
    await expect.element(page.getByText('STM32 Nucleo-F446RE: fits')).toBeVisible();
    await expect.element(page.getByText(/^An estimate only: no export for 8-bit AVR yet/)).toBeVisible();
    await page.getByText('Flash and SRAM on STM32 Nucleo-F446RE, part by part').click();
    await page.getByRole('button', { name: /^37,204 B\s*: runtime code on STM32 Nucleo-F446RE/ }).click();
    await expect
      .element(page.getByText(/^runtime code \(TFLite Micro \+ CMSIS-NN\)/))
      .toHaveTextContent('= interpreter 10,632 B + code shared by the kernels 4,819 B + CONV_2D 5,817 B + MAX_POOL_2D 917 B');
    await page.getByRole('button', { name: /^61,860 B\s*: flash on STM32/ }).click();
    await expect.element(page.getByText(/^flash = model.tflite/)).toHaveTextContent('flash = model.tflite 24,656 B + runtime code 37,204 B = 61,860 B');
    await page.getByRole('button', { name: /^8,972 B\s*: arena_used_bytes\(\) on STM32/ }).click();
    await expect.element(page.getByText(/^arena_used_bytes\(\) = /)).toHaveTextContent('arena_used_bytes() = arena 6,768 B + persistent 2,204 B = 8,972 B');
  });

  it('names the SRAM peak in the memory chart and shows the arena plan, for the target chosen', async () => {
    show(completed, 'deploy');
    const chart = page.getByRole('figure', { name: /^Memory per op/ });
    await expect.element(chart).toHaveTextContent('SRAM peak set by layers[1] (maxPool): activations 6,760 B');
    // Generated C on the Uno has no arena plan.
    await expect.element(page.getByRole('figure', { name: /^Arena plan/ })).not.toBeInTheDocument();
    await page.getByLabelText('Target for the memory chart').selectOptions('STM32 Nucleo-F446RE');
    await expect.element(page.getByRole('figure', { name: 'Memory per op (deploy accounting on STM32 Nucleo-F446RE)' })).toHaveTextContent(
      "SRAM peak set by layers[1] (maxPool): TFLM's greedy planner lays the arena out in 6,768 B",
    );
    await expect
      .element(page.getByRole('figure', { name: 'Arena plan on STM32 Nucleo-F446RE (TFLite Micro + CMSIS-NN)' }))
      .toHaveTextContent("The arena is the planner's high-water mark, 6,768 B, set by the output of MAX_POOL_2D · layers[1] (maxPool)");
  });

  it('shows no arena plan under paper accounting', async () => {
    show(completed, 'paper');
    await page.getByLabelText('Target for the memory chart').selectOptions('STM32 Nucleo-F446RE');
    await expect.element(page.getByRole('figure', { name: /^Memory per op/ })).toBeVisible();
    expect(page.getByRole('figure', { name: /^Arena plan/ }).elements()).toHaveLength(0);
  });

  it('hands the architecture to "Open in estimator"', async () => {
    const onEdit = vi.fn();
    show(completed, 'paper', onEdit);
    await page.getByRole('button', { name: 'Open in estimator' }).click();
    expect(onEdit).toHaveBeenCalledWith(lenet);
  });

  it('shows why a trial failed, as text and never as HTML', async () => {
    const failed: StudyTrial = {
      ...base,
      id: 'study-0123456789abcdef0123.1',
      index: 1,
      status: 'failed',
      backend: { name: 'cpu', reason: 'no WebGPU adapter <b>here</b>' },
      error: '<img src=x onerror=alert(1)>',
    };
    const root = show(failed, 'paper');
    await expect.element(page.getByRole('alert')).toHaveTextContent('Why it failed: <img src=x onerror=alert(1)>');
    await expect.element(page.getByRole('article', { name: 'Trial 2' })).toHaveTextContent('cpu (no WebGPU adapter <b>here</b>)');
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('b')).toBeNull();
    await expect.element(page.getByText('Resources estimated from the architecture alone')).toBeVisible();
    expect(root.textContent).not.toContain('int8 test accuracy');
  });

  it('shows why a trial was skipped, and the sampled architecture before channel pruning', async () => {
    const skipped: StudyTrial = {
      ...base,
      id: 'study-0123456789abcdef0123.2',
      index: 2,
      status: 'skipped',
      hyperparameters: { ...base.hyperparameters, pruning: { method: 'channels', sparsity: 0.25, fineTuneEpochs: 1 } },
      sampledArchitecture: { ...lenet, layers: [{ type: 'conv', filters: 12, kernel: 3, stride: 1, padding: 'valid' }, ...lenet.layers.slice(1)] },
      skipReason: 'needs 9,400 B of SRAM; the Arduino Uno has 2,048 B',
    };
    show(skipped, 'paper');
    const article = page.getByRole('article', { name: 'Trial 3' });
    await expect.element(article).toHaveTextContent('Status: skipped: infeasible before training');
    await expect.element(article).toHaveTextContent('Why it was skipped: needs 9,400 B of SRAM; the Arduino Uno has 2,048 B');
    await expect.element(article).toHaveTextContent('Channels: 25.0 % of the channels (L1 norm, removed for real), then 1 epoch of fine-tuning');
    await page.getByText('As sampled, before channel pruning removed filters').click();
    await expect.element(page.getByRole('list', { name: 'Sampled architecture of Trial 3' })).toHaveTextContent('12 filters, 3×3, stride 1, valid');
  });

  it('shows why a trial was stopped early, as text, and what its numbers are', async () => {
    const stopped: StudyTrial = {
      ...completed,
      id: 'study-0123456789abcdef0123.6',
      index: 6,
      status: 'stopped',
      hyperparameters: { ...base.hyperparameters, pruning: { method: 'bc', sparsity: 0.5, fineTuneEpochs: 2 } },
      metrics: { ...completed.metrics!, epochsRun: 1, bestEpoch: 1, valAccuracyByEpoch: [0.415] },
      stopReason: 'epoch 1: validation accuracy 41.5 % is below the median (88.0 %) of the 3 earlier trials at most as large, at that epoch <b>',
    };
    show(stopped, 'paper');
    const article = page.getByRole('article', { name: 'Trial 7' });
    await expect.element(article).toHaveTextContent('Status: stopped early: unlikely to reach the Pareto front');
    await expect.element(article).toHaveTextContent(
      'Why it was stopped early: epoch 1: validation accuracy 41.5 % is below the median (88.0 %) of the 3 earlier trials at most as large, at that epoch <b>',
    );
    await expect.element(article).toHaveTextContent('trained for fewer epochs, not pruned. It is never on the Pareto front.');
    await expect.element(article).toHaveTextContent(
      'Bayesian compression at strength 50.0 %, 2 epochs of training channel gates, then the channels whose gate is noise removed for real',
    );
    expect(document.querySelector('article b')).toBeNull();
  });
});
