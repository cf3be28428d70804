/**
 * The charts in Chromium: accessible names, keyboard selection, labelled limits, marked front and
 * infeasible points, named peaks, text alternatives, and panels that stack at phone width.
 */
import { type Component, flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import type { PlotLimit, PlotPoint } from '../../src/ui/charts.ts';
import ArchitectureDiagram from '../../src/ui/ArchitectureDiagram.svelte';
import ExplainedNumber from '../../src/ui/ExplainedNumber.svelte';
import HypervolumeChart from '../../src/ui/HypervolumeChart.svelte';
import MemoryChart from '../../src/ui/MemoryChart.svelte';
import ArenaPlanChart from '../../src/ui/ArenaPlanChart.svelte';
import { tfliteGraph } from '../../src/core/tflite-graph.ts';
import { planArena } from '../../src/core/tflm-arena.ts';
import ParetoPlot from '../../src/ui/ParetoPlot.svelte';
import TrainingCurve from '../../src/ui/TrainingCurve.svelte';
import { explainEstimate } from '../../src/core/explain.ts';
import { designExample } from '../fixtures/design-example.ts';

let mounted: ReturnType<typeof mount> | undefined;
afterEach(async () => {
  if (mounted) unmount(mounted);
  mounted = undefined;
  document.body.innerHTML = '';
  await page.viewport(1280, 800);
});

function show<P extends Record<string, unknown>>(component: Component<P>, props: P): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  mounted = mount(component, { target, props });
  flushSync();
  return target;
}

// The DESIGN.md example network (examples/lenet-mnist.json).
const lenet = designExample;
const uno = findPresetTarget('arduino-uno')!;
const f446 = findPresetTarget('stm32f446re')!;
const example = estimate(lenet, [uno, f446]);

const points: PlotPoint[] = [
  { id: 't0', label: 'Trial 1', accuracy: 0.9125, flashBytes: 700, sramBytes: 320, feasible: true, onFront: true },
  { id: 't1', label: 'Trial 2', accuracy: 0.95, flashBytes: 4_000, sramBytes: 1_500, feasible: true, onFront: true },
  { id: 't2', label: 'Trial 3', accuracy: 0.8, flashBytes: 2_000, sramBytes: 900, feasible: true, onFront: false },
  { id: 't3', label: 'Trial 4', accuracy: 0.97, flashBytes: 40_000, sramBytes: 9_400, feasible: false, onFront: false },
];
const limits: PlotLimit[] = [{ name: 'Arduino Uno', flashBytes: 32_768, sramBytes: 2_048 }];

describe('ParetoPlot', () => {
  it('is a figure named "Pareto front" whose points say what they are, in shape as well as words', async () => {
    const root = show(ParetoPlot, { points, accounting: 'paper', limits });
    await expect.element(page.getByRole('figure', { name: 'Pareto front', exact: true })).toBeVisible();
    const front = page.getByRole('button', { name: 'Trial 1: accuracy 91.3 %, model size 700 B, working memory 320 B, on the Pareto front' }).first();
    await expect.element(front).toBeVisible();
    await expect.element(page.getByRole('button', { name: /^Trial 4: .*infeasible$/ }).first()).toBeVisible();
    await expect.element(page.getByRole('button', { name: /^Trial 3: .*feasible$/ }).first()).toBeVisible();
    // Two panels, each with one diamond per front point, a circle per feasible one and a cross per infeasible one.
    expect(root.querySelectorAll('[data-id="t0"] path.front')).toHaveLength(2);
    expect(root.querySelectorAll('[data-id="t2"] circle.feasible')).toHaveLength(2);
    expect(root.querySelectorAll('[data-id="t3"] path.infeasible')).toHaveLength(2);
    expect(root.querySelectorAll('path.step')).toHaveLength(2);
    const legend = page.getByRole('list', { name: 'Legend' });
    await expect.element(legend).toHaveTextContent('Pareto front of accuracy, model size and working memory together (diamond)');
    await expect.element(legend).toHaveTextContent("each panel's own front, accuracy against that memory alone (step line)");
    await expect.element(page.getByRole('group', { name: 'Accuracy against model size (log scale)' })).toBeVisible();
    await expect.element(page.getByRole('group', { name: 'Accuracy against working memory (log scale)' })).toBeVisible();
  });

  it('labels each limit line in the panel it belongs to', async () => {
    show(ParetoPlot, { points, accounting: 'deploy', limits });
    await expect.element(page.getByRole('group', { name: /Accuracy against flash/ })).toHaveTextContent('Arduino Uno: 32 KB flash');
    await expect.element(page.getByRole('group', { name: /Accuracy against SRAM/ })).toHaveTextContent('Arduino Uno: 2 KB SRAM');
    await expect.element(page.getByRole('button', { name: /^Trial 1: accuracy 91.3 %, flash 700 B, SRAM 320 B/ }).first()).toBeVisible();
  });

  it('selects a point by click, by Enter and Space, and moves between points with the arrow keys', async () => {
    const onSelect = vi.fn();
    const root = show(ParetoPlot, { points, accounting: 'paper', limits, onSelect });
    await page.getByRole('button', { name: /^Trial 3:/ }).first().click();
    expect(onSelect).toHaveBeenLastCalledWith('t2');

    // One tab stop per panel: the first point in x order (the smallest model).
    const stops = [...root.querySelectorAll<SVGElement>('[data-id][tabindex="0"]')];
    expect(stops.map((s) => s.dataset.id)).toEqual(['t0', 't0']);
    stops[0]!.focus();
    await userEvent.keyboard('{Enter}');
    expect(onSelect).toHaveBeenLastCalledWith('t0');
    await userEvent.keyboard('{ArrowRight}');
    await vi.waitFor(() => expect((document.activeElement as SVGElement).dataset.id).toBe('t2'));
    await userEvent.keyboard(' ');
    expect(onSelect).toHaveBeenLastCalledWith('t2');
    await userEvent.keyboard('{End}');
    await vi.waitFor(() => expect((document.activeElement as SVGElement).dataset.id).toBe('t3'));
    await userEvent.keyboard('{Enter}');
    expect(onSelect).toHaveBeenLastCalledWith('t3');
    expect(onSelect).toHaveBeenCalledTimes(4);
  });

  it('shows a tooltip on hover and marks the selected point', async () => {
    const root = show(ParetoPlot, { points, accounting: 'paper', limits, selectedId: 't1' });
    await page.getByRole('button', { name: /^Trial 2:/ }).first().hover();
    await expect.element(page.getByRole('tooltip')).toHaveTextContent(/^Trial 2\s*accuracy 95.0 %\s*model size 4,000 B\s*working memory 1,500 B\s*on the Pareto front$/);
    expect(root.querySelectorAll('[data-id="t1"][aria-pressed="true"] circle.ring')).toHaveLength(2);
  });

  it('has a table alternative with a select button per point', async () => {
    const onSelect = vi.fn();
    show(ParetoPlot, { points, accounting: 'paper', limits, onSelect });
    await page.getByText('Pareto front as a table').click();
    const row = page.getByRole('row', { name: /Trial 4/ });
    await expect.element(row).toHaveTextContent('Trial 497.0 %40,0009,400infeasible');
    await page.getByRole('button', { name: 'Select Trial 4' }).click();
    expect(onSelect).toHaveBeenCalledWith('t3');
  });

  it('puts the panels side by side at 1280 px and stacks them at phone width', async () => {
    const root = show(ParetoPlot, { points, accounting: 'paper', limits });
    const panels = () => [...root.querySelectorAll('.panel')].map((p) => p.getBoundingClientRect());
    const [a, b] = panels();
    expect(b!.top).toBe(a!.top);
    await page.viewport(375, 800);
    await vi.waitFor(() => {
      const [c, d] = panels();
      expect(d!.top).toBeGreaterThanOrEqual(c!.bottom);
      expect(c!.width).toBeLessThanOrEqual(375);
    });
  });

  // Issue 13: ticks in round KB, both accuracy axes from 0, each panel's own front as a staircase and
  // limit labels that do not overlap.
  const close: PlotPoint[] = [
    { id: 'a', label: 'Trial 1', accuracy: 0.9, flashBytes: 700, sramBytes: 300, feasible: true, onFront: true },
    { id: 'b', label: 'Trial 2', accuracy: 0.95, flashBytes: 1_900, sramBytes: 600, feasible: true, onFront: true },
    { id: 'c', label: 'Trial 3', accuracy: 0.93, flashBytes: 1_200, sramBytes: 900, feasible: true, onFront: true },
  ];
  const twoLimits: PlotLimit[] = [
    { name: 'Board A', flashBytes: 1_800, sramBytes: 1_000 },
    { name: 'Board B', flashBytes: 1_700, sramBytes: 1_024 },
  ];
  const panel = (root: HTMLElement, i: number): SVGSVGElement => root.querySelectorAll<SVGSVGElement>('.panel svg')[i]!;
  const tickTexts = (svg: SVGSVGElement): string[] => [...svg.querySelectorAll('.axis text')].map((t) => t.textContent!.trim());

  it('reads both byte axes in round steps and both accuracy axes from 0 to 100 %', async () => {
    const root = show(ParetoPlot, { points: close, accounting: 'paper', limits: twoLimits });
    // Model size 0 to 2,090 B; working memory 0 to 1,126 B.
    expect(tickTexts(panel(root, 0))).toEqual(['0%', '20%', '40%', '60%', '80%', '100%', '0', '0.5 KB', '1 KB', '1.5 KB', '2 KB', 'model size', 'validation accuracy']);
    expect(tickTexts(panel(root, 1))).toEqual(['0%', '20%', '40%', '60%', '80%', '100%', '0', '0.25 KB', '0.5 KB', '0.75 KB', '1 KB', 'working memory', 'validation accuracy']);
  });

  it("draws each panel's own front as a staircase: on working memory, Trial 3 is beaten by Trial 2", async () => {
    const root = show(ParetoPlot, { points: close, accounting: 'paper', limits: twoLimits });
    const corners = (i: number): number => panel(root, i).querySelector('path.step')!.getAttribute('d')!.split(/[HV]/).length - 1;
    // Model size: 3 points, across and up twice, then on to the edge; working memory: 2 points.
    expect([corners(0), corners(1)]).toEqual([5, 3]);
    // The 3-D front's points are still diamonds in both panels.
    expect(root.querySelectorAll('[data-id="c"] path.front')).toHaveLength(2);
  });

  it('stacks the labels of two close limits so that they do not overlap', async () => {
    const root = show(ParetoPlot, { points: close, accounting: 'paper', limits: twoLimits });
    for (const i of [0, 1]) {
      const [a, b] = [...panel(root, i).querySelectorAll('.limit text')].map((t) => t.getBoundingClientRect());
      const apart = a!.bottom <= b!.top || b!.bottom <= a!.top || a!.right <= b!.left || b!.right <= a!.left;
      expect(apart).toBe(true);
    }
  });

  it('says so when there are no points yet', async () => {
    show(ParetoPlot, { points: [], accounting: 'paper' });
    await expect.element(page.getByRole('figure', { name: 'Pareto front' })).toHaveTextContent('No trained trials yet');
  });
});

describe('HypervolumeChart', () => {
  it('is named "Hypervolume over time" and gives the latest value and a table', async () => {
    const root = show(HypervolumeChart, { series: [{ trial: 1, hypervolume: 0.1 }, { trial: 3, hypervolume: 0.42 }, { trial: 2, hypervolume: 0.25 }] });
    const figure = page.getByRole('figure', { name: 'Hypervolume over time', exact: true });
    await expect.element(figure).toHaveTextContent('Latest hypervolume: 0.4200 after trial 4.');
    expect(root.querySelectorAll('circle.dot')).toHaveLength(3);
    await page.getByText('Hypervolume as a table').click();
    await expect.element(page.getByRole('row', { name: /^3/ })).toHaveTextContent('30.2500');
  });

  it('says so before any trial is feasible', async () => {
    show(HypervolumeChart, { series: [] });
    await expect.element(page.getByRole('figure', { name: 'Hypervolume over time' })).toHaveTextContent('No hypervolume yet');
  });
});

describe('TrainingCurve', () => {
  it('is named "Training curve" and gives the latest loss and validation accuracy as text', async () => {
    const root = show(TrainingCurve, {
      epochs: 4,
      points: [
        { epoch: 0.5, loss: 2.1 },
        { epoch: 1, loss: 1.4, valAccuracy: 0.62 },
        { epoch: 1.5, loss: 0.9 },
        { epoch: 2, loss: 0.7, valAccuracy: 0.81 },
        { epoch: 2.25, loss: 0.65 },
      ],
    });
    await expect
      .element(page.getByRole('figure', { name: 'Training curve', exact: true }))
      .toHaveTextContent('Epoch 2.25 of 4: training loss 0.650, validation accuracy 81.0 % (epoch 2).');
    expect(root.querySelector('path.loss')!.getAttribute('d')!.split('L')).toHaveLength(5);
    expect(root.querySelectorAll('rect.accuracy-marker')).toHaveLength(2 + 1); // + the legend's
    await page.getByText('Training curve as a table').click();
    await expect.element(page.getByRole('row', { name: /^1\.5/ })).toHaveTextContent('1.50.9000—');
  });
});

describe('MemoryChart', () => {
  it('names the op that sets the SRAM peak under paper accounting, and what fills the model size', async () => {
    const root = show(MemoryChart, { estimate: example, accounting: 'paper' });
    const figure = page.getByRole('figure', { name: 'Memory per op (paper accounting)' });
    await expect.element(figure).toHaveTextContent(
      'SRAM peak set by layers[1] (maxPool): working memory 6,760 B (input + output activations, 1 byte each), of 1,792 B available on Arduino Uno.',
    );
    expect(root.querySelectorAll('.bars li')).toHaveLength(9);
    expect(root.querySelector('.bars li.peak')!.textContent).toMatch(/^\s*layers\[1\] \(maxPool\)\s*6,760 B — peak\s*$/);
    await expect.element(figure).toHaveTextContent('Model size: 19,758 B of 30,720 B available on Arduino Uno, made of:');
    await expect.element(figure).toHaveTextContent('layers[6] (dense): 18,464 B (93.5 %)');
  });

  it('shows the arena and the flash breakdown of the chosen target under deploy accounting, with a table', async () => {
    show(MemoryChart, { estimate: example, accounting: 'deploy', targetIndex: 1 });
    const figure = page.getByRole('figure', { name: 'Memory per op (deploy accounting on STM32 Nucleo-F446RE)' });
    await expect.element(figure).toHaveTextContent(
      "SRAM peak set by layers[1] (maxPool): TFLM's greedy planner lays the arena out in 6,768 B; with 2,204 B persistent, arena_used_bytes() is 8,972 B; " +
        'with a 576 B margin and 1,024 B for the runtime, SRAM is 10,572 B, of 126,976 B available on STM32 Nucleo-F446RE.',
    );
    await expect.element(figure).toHaveTextContent('Flash: 61,860 B (model.tflite 24,656 B + runtime code 37,204 B) of 491,520 B available on STM32 Nucleo-F446RE, made of:');
    await expect.element(figure).toHaveTextContent('runtime code: 37,204 B (60.1 %)');
    await expect.element(figure).toHaveTextContent('graph (tables, shapes, padding): 3,176 B');
    await page.getByText('Memory as a table').click();
    await expect.element(page.getByRole('row', { name: /layers\[1\] \(maxPool\)/ })).toHaveTextContent('6,768peak');
    await expect.element(page.getByRole('row', { name: /^weights/ })).toHaveTextContent('weights19,66431.8 %');
  });

  it('says that generated C on the Uno is an estimate only', async () => {
    show(MemoryChart, { estimate: example, accounting: 'deploy', targetIndex: 0 });
    const figure = page.getByRole('figure', { name: 'Memory per op (deploy accounting on Arduino Uno)' });
    await expect.element(figure).toHaveTextContent(
      'SRAM peak set by layers[1] (maxPool): activations 6,760 B; with 64 B for the runtime, SRAM is 6,824 B, of 1,792 B available on Arduino Uno.',
    );
    await expect.element(figure).toHaveTextContent('An estimate only: the playground has no export for 8-bit AVR yet.');
    await expect.element(figure).toHaveTextContent('op structs: 144 B');
  });
});

describe('ArenaPlanChart', () => {
  const graph = tfliteGraph(lenet);
  const plan = planArena(graph, 'im2col');

  it('draws each buffer from its first to its last operator at its offset, the top one named, with a table', async () => {
    const root = show(ArenaPlanChart, { graph, plan, caption: 'Arena plan on STM32 Nucleo-F446RE' });
    const figure = page.getByRole('figure', { name: 'Arena plan on STM32 Nucleo-F446RE' });
    await expect
      .element(figure)
      .toHaveTextContent(
        "The arena is the planner's high-water mark, 6,768 B, set by the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B.",
      );
    // The SVG is one image with a title and a description; the legend says how TFLM places buffers.
    const svg = page.getByRole('img', { name: "Arena plan on STM32 Nucleo-F446RE: where TFLM's greedy memory planner puts each buffer" });
    await expect.element(svg).toBeVisible();
    expect(root.querySelector('svg desc')!.textContent).toContain('16 buffers over 11 operators.');
    await expect.element(figure).toHaveTextContent('places the buffers largest first, each at the lowest offset that is free for its whole lifetime');
    await expect.element(figure).toHaveTextContent('A flatten (RESHAPE) copies into its own buffer');
    // One rectangle per buffer; the top one stands out, the high-water mark is a labelled dashed line.
    expect(root.querySelectorAll('rect.buffer')).toHaveLength(16);
    expect(root.querySelectorAll('rect.buffer.top')).toHaveLength(1);
    expect(root.querySelector('rect.buffer.top title')!.textContent).toBe(
      'output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8): 1,360 B at offset 5,408, alive during operators 1–2',
    );
    expect(root.querySelector('.top-label')!.textContent).toBe('on top: output of operator 1, 1,360 B at 5,408');
    expect(root.querySelector('.high-water text')!.textContent).toBe('high-water mark 6,768 B');
    // The x axis names the operators in execution order.
    // (number and builtin on the axis; the full name, with the layer, in each label's tooltip).
    const labels = [...root.querySelectorAll('.op-label')].map((t) => [t.lastChild!.textContent, t.querySelector('title')!.textContent]);
    expect(labels).toHaveLength(11);
    expect([labels[0], labels[7], labels[10]]).toEqual([
      ['0 CONV_2D', '0 CONV_2D · layers[0] (conv)'],
      ['7 RESHAPE', '7 RESHAPE · flatten'],
      ['10 SOFTMAX', '10 SOFTMAX'],
    ]);
    // The rectangle spans its lifetime: the conv's output lives through operators 0–1, twice the width of the input.
    const width = (tensor: number): number => Number(root.querySelectorAll('rect.buffer')[tensor]!.getAttribute('width'));
    expect(width(1) + 2).toBeCloseTo(2 * (width(0) + 2), 6);
    // Pointing at a buffer describes it.
    const rect = root.querySelectorAll('rect.buffer')[8]!;
    rect.dispatchEvent(new PointerEvent('pointerenter'));
    flushSync();
    expect(root.querySelector('.pointed')!.textContent).toBe('output of RESHAPE · flatten (a copy) (576): 576 B at offset 0, alive during operators 7–8');
    expect(rect.classList.contains('hovered')).toBe(true);
    await page.getByText('Arena plan as a table').click();
    await expect.element(page.getByRole('row', { name: /^output of MAX_POOL_2D/ })).toHaveTextContent(
      'output of MAX_POOL_2D · layers[1] (maxPool)13×13×81,360operators 1–2: MAX_POOL_2D · layers[1] (maxPool) to DEPTHWISE_CONV_2D · layers[2] (separableConv) depthwise5,408yes: 6,768 B',
    );
    expect(page.getByRole('row').elements()).toHaveLength(17);
  });

  it('keeps every operator label inside the picture', async () => {
    const root = show(ArenaPlanChart, { graph, plan });
    const svg = root.querySelector('svg')!.getBoundingClientRect();
    for (const label of root.querySelectorAll('.op-label')) {
      const box = label.getBoundingClientRect();
      expect(box.left).toBeGreaterThanOrEqual(svg.left - 1);
      expect(box.bottom).toBeLessThanOrEqual(svg.bottom + 1);
    }
  });
});

describe('ArchitectureDiagram', () => {
  it('is a list from the input through each layer to the classifier, with parameters and output shapes', async () => {
    show(ArchitectureDiagram, { architecture: lenet });
    const list = page.getByRole('list', { name: 'Architecture' });
    await expect.element(list).toBeVisible();
    const items = page.getByRole('listitem');
    expect(items.elements()).toHaveLength(lenet.layers.length + 2);
    await expect.element(items.nth(0)).toHaveTextContent(/^input\s*28×28×1$/);
    await expect.element(items.nth(1)).toHaveTextContent(/^conv\s*8 filters, 3×3, stride 1, valid\s*→ output 26×26×8$/);
    await expect.element(items.nth(4)).toHaveTextContent(/^downsampledConv\s*16 filters via 4, 3×3, stride 1, same\s*→ output 13×13×16$/);
    await expect.element(items.nth(6)).toHaveTextContent(/^flatten\s*→ output 576$/);
    await expect.element(items.nth(8)).toHaveTextContent(/^classifier\s*dense 10 \+ softmax\s*→ output 10 classes$/);
  });

  it('names the layer at fault, as text, when the architecture cannot run', async () => {
    show(ArchitectureDiagram, { architecture: { ...lenet, layers: [{ type: 'maxPool', size: 32 }, { type: 'flatten' }] } });
    await expect.element(page.getByRole('alert')).toHaveTextContent('layers[0] (maxPool): pool size 32 does not fit its 28×28 input');
  });
});

describe('ExplainedNumber', () => {
  it('shows the value and reveals its formula with the exact numbers, by mouse or keyboard', async () => {
    const wm = explainEstimate(example).workingMemory;
    show(ExplainedNumber, { explanation: wm });
    const button = page.getByRole('button', { name: /^6,760 B\s*: working memory, how it is computed$/ });
    await expect.element(button).toHaveAttribute('aria-expanded', 'false');
    await expect.element(page.getByText(/^working memory = max over ops/)).not.toBeVisible();
    await button.click();
    await expect.element(button).toHaveAttribute('aria-expanded', 'true');
    await expect
      .element(page.getByText(/^working memory = max over ops/))
      .toHaveTextContent(
        'working memory = max over ops of (input + output activations) × 1 B; peak at layers[1] (maxPool): input 26×26×8 = 5,408 B + output 13×13×8 = 1,352 B = 6,760 B',
      );
    await userEvent.keyboard('{Enter}');
    await expect.element(button).toHaveAttribute('aria-expanded', 'false');
  });
});
