/**
 * The glossary (issue 13): every term the page uses that a student may not know, in plain, short
 * sentences. Glossary.svelte lists them under #glossary, one anchor per entry (`glossary-<id>`), and
 * Term.svelte links a word of the page to its entry with the definition as its title. Sources: the
 * README, DESIGN.md and the papers named in an entry.
 */
import type { Accounting } from '../core/resources.ts';
import type { StrategyName } from '../core/search/strategy.ts';

export interface GlossaryEntry {
  /** The anchor's name after `glossary-`: lower case words joined by hyphens. */
  readonly id: string;
  /** The term as a heading shows it. */
  readonly term: string;
  /** One or two sentences: what it is. Also the link's tooltip. */
  readonly definition: string;
  /** Optional: how it is computed or where it comes from, for the glossary only. */
  readonly more?: string;
}

export const glossary: readonly GlossaryEntry[] = [
  {
    id: 'trial',
    term: 'Trial',
    definition: 'One network the search tries: it is sampled, checked against the memory limits, then trained, pruned and measured.',
    more: 'Trials are numbered from 1 in the order the search proposed them.',
  },
  {
    id: 'epoch',
    term: 'Epoch',
    definition: 'One pass of training over every image of the training set.',
  },
  {
    id: 'early-stopping',
    term: 'Early stopping',
    definition: 'Stopping a trial after an epoch when it is already worse than earlier trials of at most its size were at that epoch, so the time goes to promising networks.',
    more: 'It needs 3 such earlier trials to compare with. A trial stopped early keeps its numbers but never joins the Pareto front.',
  },
  {
    id: 'pareto-front',
    term: 'Pareto front',
    definition: 'The trials that no other trial beats on every goal at once: none is both more accurate and smaller in memory.',
    more: 'Moving along the front trades accuracy for memory. Only trials that fit every target can be on it.',
  },
  {
    id: 'hypervolume',
    term: 'Hypervolume',
    definition: 'One number for how good the whole Pareto front is: the share of the space of (error, model size, working memory) that the front beats. Higher is better, at most 1.',
    more:
      'Formula: each memory is divided by the target\'s limit, so every goal runs from 0 to 1, and the reference point is (1, 1, 1). ' +
      'The hypervolume is the volume of the union of the boxes between each feasible trial and that point. ' +
      'It can only grow as trials are added.',
  },
  {
    id: 'paper-accounting',
    term: "SpArSe's metrics (paper accounting)",
    definition: 'The memory counts of the SpArSe paper: model size is 1 byte per non-zero weight and bias; working memory is the largest input plus output of any layer, 1 byte per value.',
    more: 'They compare networks simply and do not depend on the chip or its software.',
  },
  {
    id: 'deploy-accounting',
    term: 'Deploy (int8) accounting',
    definition: 'The memory the exported int8 model really takes on the chip: the exact .tflite file and runtime code in flash, the planned arena and the runtime in SRAM.',
  },
  {
    id: 'model-size',
    term: 'Model size (flash)',
    definition: 'The bytes the network takes in flash, the chip\'s program memory that keeps its contents without power: the weights, and under deploy accounting the runtime code too.',
  },
  {
    id: 'working-memory',
    term: 'Working memory (SRAM)',
    definition: 'The bytes the network needs in SRAM, the chip\'s small, fast memory, while it runs: the values between layers that must exist at the same time.',
  },
  {
    id: 'arena',
    term: 'Arena',
    definition: 'One block of SRAM that TensorFlow Lite Micro reserves for every value a network makes while it runs; buffers that are not needed at the same time share bytes.',
  },
  {
    id: 'reserve',
    term: 'Reserve',
    definition: "Memory of a target kept back for your own program, so the network's limit is the chip's memory minus the reserve.",
  },
  {
    id: 'int8',
    term: 'Int8 quantisation',
    definition: 'Storing each weight and value as an 8-bit integer (−128 to 127) with a scale, instead of a 32-bit float: four times smaller, usually almost as accurate.',
  },
  {
    id: 'pruning',
    term: 'Pruning',
    definition: 'Removing weights or whole channels a trained network hardly uses, then training a little more, so it needs less memory.',
  },
  {
    id: 'sparsity',
    term: 'Sparsity',
    definition: 'The share of weights that are zero: 0.8 means 80 % of the weights were pruned.',
  },
  {
    id: 'spvd',
    term: 'Sparse variational dropout (SpVD)',
    definition: 'A pruning method that learns how noisy each weight may be; weights that can be pure noise are set to zero.',
    more: 'Molchanov, Ashukha & Vetrov, ICML 2017. One of the two methods SpArSe uses.',
  },
  {
    id: 'bayesian-compression',
    term: 'Bayesian compression',
    definition: 'A pruning method that learns a noisy gate per channel and removes the channels whose gate is mostly noise, so whole filters go.',
    more: 'Louizos, Ullrich & Welling, NeurIPS 2017. The other method SpArSe uses.',
  },
  {
    id: 'magnitude-pruning',
    term: 'Magnitude pruning',
    definition: 'A pruning method that sets the weights closest to zero to zero, a little more every step, until the sparsity is reached.',
  },
  {
    id: 'channel-pruning',
    term: 'Channel pruning',
    definition: 'A pruning method that removes whole filters with the smallest weights, so the network really gets narrower and its flash smaller.',
  },
  {
    id: 'bayesian-optimisation',
    term: 'Bayesian optimisation',
    definition: "SpArSe's search strategy: it learns from the trials so far how error and memory depend on the network, and picks the next network that looks most promising.",
    more: 'It fits Gaussian processes to the trials and weighs the goals at random each time, so the whole front is explored.',
  },
  {
    id: 'aging-evolution',
    term: 'Aging evolution',
    definition: 'A search strategy that changes a small part of one of the best recent networks, and forgets the oldest, as μNAS does.',
  },
  {
    id: 'random-search',
    term: 'Random search',
    definition: 'A search strategy that draws every network at random: the baseline the others must beat.',
  },
  {
    id: 'backend',
    term: 'Backend (WASM, WebGPU)',
    definition: 'The engine that does the arithmetic of training: WebAssembly (WASM) on the processor, or WebGPU and WebGL on the graphics card.',
  },
  {
    id: 'tflite-micro',
    term: 'TensorFlow Lite Micro',
    definition: "Google's small runtime that runs a .tflite model on a 32-bit microcontroller, with its values in one arena.",
  },
  {
    id: 'bare-c',
    term: 'Generated C runtime',
    definition: 'Plain C code written for one network, with no interpreter: what fits an 8-bit chip like the Arduino Uno. The playground estimates it; it does not export it yet.',
  },
];

/** The entry of each search strategy. */
export const strategyTerm: Readonly<Record<StrategyName, string>> = { mobo: 'bayesian-optimisation', random: 'random-search', evolution: 'aging-evolution' };

/** The entry of each accounting. */
export const accountingTerm: Readonly<Record<Accounting, string>> = { paper: 'paper-accounting', deploy: 'deploy-accounting' };

const byId = new Map(glossary.map((entry) => [entry.id, entry]));

/** The entry of `id`; throws for an id the glossary does not have (a test checks every one used). */
export function glossaryEntry(id: string): GlossaryEntry {
  const entry = byId.get(id);
  if (!entry) throw new Error(`The glossary has no entry "${id}"`);
  return entry;
}

/** The anchor of an entry. */
export const glossaryAnchor = (id: string): string => `glossary-${id}`;
