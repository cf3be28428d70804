/** The live estimator in Chromium: estimates follow the layer editor and the JSON, bad input is an alert as text, and "Train this architecture". */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import exampleArchitecture from '../../examples/lenet-mnist.json?raw';
import type { TrialRequest } from '../../src/contracts/search-worker.ts';
import { EstimatorState } from '../../src/state/estimator.svelte.ts';
import ArchitectureEditor from '../../src/ui/ArchitectureEditor.svelte';

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = '';
});

const scratch = { input: { height: 8, width: 8, channels: 1 }, classes: 10 };

function start(trainable: true | string = true): { estimator: EstimatorState; requests: TrialRequest[] } {
  const estimator = new EstimatorState(exampleArchitecture, ['arduino-uno', 'stm32f446re']);
  const requests: TrialRequest[] = [];
  const target = document.createElement('div');
  document.body.append(target);
  component = mount(ArchitectureEditor, { target, props: { estimator, scratch, trainable, onTrain: (r: TrialRequest) => requests.push(r) } });
  flushSync();
  return { estimator, requests };
}

const verdicts = () => page.getByRole('region', { name: /Does it fit/ }).getByRole('list');

describe('the live estimator', () => {
  it('shows the verdicts of the example network, with the reason it does not fit', async () => {
    start();
    // The estimator judges by what the chip needs by default; SpArSe's metrics are one click away.
    await page.getByLabelText("SpArSe's metrics (paper): 1 byte per weight and activation").click();
    await expect.element(verdicts()).toHaveTextContent('Arduino Uno (ATmega328P): model size 19,758 B of 30,720 B, working memory 6,760 B of 1,792 B');
    await expect.element(verdicts()).toHaveTextContent('does not fit: working memory 6,760 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve by 4,968 B');
    await expect.element(page.getByRole('row', { name: /layers\[1\] \(maxPool\)/ })).toHaveTextContent('6,760 (peak)');
    await expect.element(page.getByText(/^Estimated in/)).toBeInTheDocument();
  });

  it('switches to deploy accounting and to other targets', async () => {
    start();
    await page.getByLabelText('On the chip (int8 deploy): on TensorFlow Lite Micro').click();
    await expect.element(verdicts()).toHaveTextContent('STM32 Nucleo-F446RE (STM32F446RE): flash 61,860 B of 491,520 B, SRAM 10,572 B of 126,976 B');
    // The per-op table is the Uno's generated C; the arena plan is the first TFLM target's.
    await expect.element(page.getByRole('table').first()).toHaveTextContent('generated C, an estimate only (no export for 8-bit AVR yet)');
    await expect
      .element(page.getByRole('figure', { name: 'Arena plan on STM32 Nucleo-F446RE (TFLite Micro + CMSIS-NN)' }))
      .toHaveTextContent("The arena is the planner's high-water mark, 6,768 B, set by the output of MAX_POOL_2D · layers[1] (maxPool)");
    await page.getByRole('checkbox', { name: /STM32 Nucleo-F446RE/ }).click();
    await expect.element(page.getByRole('figure', { name: /^Arena plan/ })).not.toBeInTheDocument();
    await page.getByRole('checkbox', { name: /STM32 Nucleo-F446RE/ }).click();
    await page.getByRole('checkbox', { name: /Arduino Uno/ }).click();
    await page.getByRole('checkbox', { name: /STM32 Nucleo-F446RE/ }).click();
    await expect.element(page.getByRole('alert')).toHaveTextContent('Choose at least one target.');
  });

  it('re-estimates as layers are added, changed and removed in the layer editor', async () => {
    const { estimator } = start();
    estimator.chooseAccounting('paper');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    // conv 8 filters 3×3 stride 2 on 8×8×1 → 4×4×8, flatten, classifier: 72 + 8 + 1,280 + 10 = 1,370 B; the Uno keeps 2 KB of flash and 256 B of SRAM for the sketch
    await expect.element(verdicts()).toHaveTextContent('Arduino Uno (ATmega328P): model size 1,370 B of 30,720 B, working memory 192 B of 1,792 B');
    await page.getByRole('combobox', { name: 'New layer' }).selectOptions('dense');
    await page.getByRole('button', { name: 'Add layer' }).click();
    // conv 80 + dense 16 (128·16 + 16 = 2,064) + classifier 16·10 + 10 = 2,314 B
    await expect.element(verdicts()).toHaveTextContent('model size 2,314 B of 30,720 B');
    await page.getByRole('spinbutton', { name: 'units' }).fill('32'); // 80 + 4,128 + 330
    await expect.element(verdicts()).toHaveTextContent('model size 4,538 B of 30,720 B');
    await page.getByRole('button', { name: 'Remove layers[2]' }).click();
    await expect.element(verdicts()).toHaveTextContent('model size 1,370 B of 30,720 B');
    await page.getByRole('spinbutton', { name: 'filters' }).fill('0');
    await expect.element(page.getByRole('alert')).toHaveTextContent('layers[0] (conv)');
    expect(estimator.architecture).toBeUndefined();
  });

  it('names the layer at fault as text, never as HTML, and says when the JSON is broken', async () => {
    start();
    const editor = page.getByLabelText('Architecture JSON');
    await editor.fill(JSON.stringify({ input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'flatten' }, { type: '<img src=x onerror=alert(1)>' }] }));
    await expect.element(page.getByRole('alert')).toHaveTextContent('layers[1]: unknown layer type "<img src=x onerror=alert(1)>"');
    expect(document.querySelector('img')).toBeNull();
    await editor.fill('{"input": ');
    await expect.element(page.getByRole('alert')).toHaveTextContent('The architecture is not valid JSON');
  });

  it('"Train this architecture" hands over the architecture and its pruning, or says why it cannot', async () => {
    const { requests } = start();
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await page.getByRole('combobox', { name: 'Pruning' }).selectOptions('magnitude');
    await page.getByRole('spinbutton', { name: 'Sparsity' }).fill('0.7');
    await page.getByRole('button', { name: 'Train this architecture' }).click();
    expect(requests).toEqual([
      {
        architecture: { input: scratch.input, classes: 10, layers: [{ type: 'conv', filters: 8, kernel: 3, stride: 2, padding: 'same' }, { type: 'flatten' }] },
        pruning: { method: 'magnitude', sparsity: 0.7 },
      },
    ]);
    unmount(component!);
    document.body.innerHTML = '';
    start('Start or open a study first.');
    await expect.element(page.getByRole('button', { name: 'Train this architecture' })).toBeDisabled();
    await expect.element(page.getByText('Start or open a study first.')).toBeInTheDocument();
  });
});
