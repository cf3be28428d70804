/**
 * "Check the model" in Chromium: the confusion matrix table, the try-it canvas drawn with pointer
 * events, the prediction as text and bars, and the whole section over a checker that answers at once.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { TrialCheck, TrialPrediction, TryInput } from '../../src/contracts/search-worker.ts';
import { framingOf } from '../../src/core/model-input.ts';
import { ModelCheckState } from '../../src/state/model-check.svelte.ts';
import ConfusionMatrix from '../../src/ui/ConfusionMatrix.svelte';
import ModelCheck from '../../src/ui/ModelCheck.svelte';
import TryIt from '../../src/ui/TryIt.svelte';

let mounted: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = undefined;
  document.body.innerHTML = '';
});

function show<P extends Record<string, unknown>>(component: Parameters<typeof mount<P, Record<string, never>>>[0], props: P): HTMLElement {
  const target = document.createElement('div');
  target.style.width = '800px';
  document.body.append(target);
  mounted = mount(component, { target, props });
  flushSync();
  return target;
}

const check: TrialCheck = {
  trialId: 'study-1.0',
  classNames: ['cat', 'dog', 'fox'],
  confusion: [
    [8, 2, 0],
    [1, 9, 0],
    [0, 0, 0],
  ],
  perClassAccuracy: [0.8, 0.9, undefined],
  accuracy: 17 / 20,
  testCount: 20,
  milliseconds: 12,
};

const digits = { height: 8, width: 8, channels: 1 };
const mnist = { height: 28, width: 28, channels: 1 };

const prediction: TrialPrediction = {
  trialId: 'study-1.0',
  classNames: ['0', '1', '2'],
  probabilities: [16 / 256, 232 / 256, 8 / 256],
  predicted: 1,
  pixels: new Uint8Array(64).fill(255),
  height: 8,
  width: 8,
  channels: 1,
  testImage: { index: 4, label: 1, count: 360 },
};

/** Draws a stroke from (x0, y0) to (x1, y1), in the canvas's own 224-pixel coordinates, with pointer events. */
function drawStroke(canvas: HTMLCanvasElement, x0: number, y0: number, x1: number, y1: number): void {
  const rect = canvas.getBoundingClientRect();
  const client = (x: number, y: number) => ({ clientX: rect.left + (x * rect.width) / 224, clientY: rect.top + (y * rect.height) / 224 });
  const init = { bubbles: true, pointerId: 7, pointerType: 'mouse', isPrimary: true };
  canvas.dispatchEvent(new PointerEvent('pointerdown', { ...init, ...client(x0, y0), buttons: 1 }));
  for (let t = 1; t <= 10; t++) canvas.dispatchEvent(new PointerEvent('pointermove', { ...init, ...client(x0 + ((x1 - x0) * t) / 10, y0 + ((y1 - y0) * t) / 10), buttons: 1 }));
  canvas.dispatchEvent(new PointerEvent('pointerup', { ...init, ...client(x1, y1) }));
}

const tryItProps = (input: typeof digits, datasetId: string, extra: Record<string, unknown> = {}) => ({
  input,
  framing: framingOf(datasetId, input),
  drawLabel: 'Draw a digit',
  onPredict: vi.fn(),
  onTestImage: vi.fn(),
  onClear: vi.fn(),
  ...extra,
});

describe('ConfusionMatrix', () => {
  it('has the class names as column and row headers, the diagonal highlighted and each class’s accuracy', async () => {
    const target = show(ConfusionMatrix, { check });
    const table = page.getByRole('table');
    await expect.element(table).toBeVisible();
    const columns = [...target.querySelectorAll('thead th')].map((th) => th.textContent!.trim());
    expect(columns).toEqual(['True classtrue ↓ / predicted →', 'cat', 'dog', 'fox', 'Accuracy']);
    expect([...target.querySelectorAll('tbody th[scope="row"]')].map((th) => th.textContent)).toEqual(['cat', 'dog', 'fox']);
    const cells = [...target.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(cells).toEqual([
      ['8', '2', '0', '80.0 %'],
      ['1', '9', '0', '90.0 %'],
      ['0', '0', '0', '–'],
    ]);
    expect([...target.querySelectorAll('td.diagonal')].map((td) => td.textContent)).toEqual(['8', '9', '0']);
    await expect.element(page.getByText(/^Int8 model on the test set: 85\.0 % of 20 images right\./)).toBeVisible();
  });
});

describe('TryIt', () => {
  it('turns a stroke drawn with pointer events into the 8×8 input of the digits, once per stroke', async () => {
    const props = tryItProps(digits, 'digits');
    show(TryIt, props);
    const canvas = page.getByRole('img', { name: 'Draw a digit' });
    await expect.element(canvas).toBeVisible();
    drawStroke(canvas.element() as HTMLCanvasElement, 112, 30, 112, 190);
    expect(props.onPredict).toHaveBeenCalledTimes(1);
    const pixels = props.onPredict.mock.calls[0]![0] as Uint8Array;
    expect(pixels).toBeInstanceOf(Uint8Array);
    expect(pixels.length).toBe(64);
    // A vertical bar fills the height of the middle column, in the digits' 17 levels (0–16 scaled to bytes).
    const levels = new Set(Array.from({ length: 17 }, (_, k) => Math.round((k * 255) / 16)));
    expect([...pixels].filter((v) => !levels.has(v))).toEqual([]);
    const rows = Array.from({ length: 8 }, (_, y) => [...pixels.subarray(8 * y, 8 * y + 8)]);
    for (const row of rows) {
      expect(row.filter((v) => v > 0)).toHaveLength(1);
      expect(row[3]! + row[4]!).toBeGreaterThan(128);
    }
  });

  it('gives MNIST’s 28×28 input, and Clear and "Try a test image" call back', async () => {
    const props = tryItProps(mnist, 'mnist');
    show(TryIt, props);
    drawStroke(page.getByRole('img', { name: 'Draw a digit' }).element() as HTMLCanvasElement, 60, 60, 160, 160);
    expect((props.onPredict.mock.calls[0]![0] as Uint8Array).length).toBe(784);
    await page.getByRole('button', { name: 'Clear' }).click();
    expect(props.onClear).toHaveBeenCalledTimes(1);
    // The canvas is black again: a cleared canvas has nothing to draw.
    const ctx = (page.getByRole('img', { name: 'Draw a digit' }).element() as HTMLCanvasElement).getContext('2d')!;
    expect(ctx.getImageData(0, 0, 224, 224).data.every((v, i) => i % 4 === 3 || v === 0)).toBe(true);
    await page.getByRole('button', { name: 'Try a test image' }).click();
    expect(props.onTestImage).toHaveBeenCalledTimes(1);
  });

  it('shows the answer as text, the input as the model sees it, and every class’s probability', async () => {
    show(TryIt, tryItProps(digits, 'digits', { prediction }));
    await expect.element(page.getByRole('status', { name: 'Prediction' })).toHaveTextContent('Int8 model: 1 (90.6 %) · test image 5 of 360, truly 1 (right)');
    await expect.element(page.getByRole('img', { name: 'The input as the model sees it: 8×8 pixels' })).toBeVisible();
    const items = page.getByRole('list', { name: 'Class probabilities' }).getByRole('listitem');
    expect(items.elements().map((li) => li.textContent!.replace(/\s+/g, ' ').trim())).toEqual(['0 6.3 %', '1 90.6 %', '2 3.1 %']);
    const seen = page.getByRole('img', { name: /as the model sees it/ }).element() as HTMLCanvasElement;
    expect([...seen.getContext('2d')!.getImageData(0, 0, 1, 1).data]).toEqual([255, 255, 255, 255]);
  });
});

describe('ModelCheck', () => {
  it('checks on the test set when asked, and tries a test image from the keyboard', async () => {
    const calls: TryInput[] = [];
    const checker = {
      checkTrial: vi.fn(async () => check),
      predict: vi.fn(async (_id: string, input: TryInput) => {
        calls.push(input);
        return { ...prediction, classNames: check.classNames, testImage: { index: 10, label: 0, count: 20 } };
      }),
    };
    const model = new ModelCheckState(checker, { trialId: 'study-1.0', datasetId: 'digits', input: digits, testCount: 20, random: () => 0.5 });
    show(ModelCheck, { model });
    expect(page.getByRole('table').elements()).toHaveLength(0);
    const button = page.getByRole('button', { name: 'Check on the test set' });
    (button.element() as HTMLButtonElement).focus();
    await userEvent.keyboard('{Enter}');
    await expect.element(page.getByRole('table')).toBeVisible();
    expect(checker.checkTrial).toHaveBeenCalledWith('study-1.0');

    await page.getByRole('button', { name: 'Try a test image' }).click();
    await expect.element(page.getByRole('status', { name: 'Prediction' })).toHaveTextContent('Int8 model: dog (90.6 %) · test image 11 of 20, truly cat (wrong)');
    expect(calls).toEqual([{ testImage: 10 }]);
  });
});
