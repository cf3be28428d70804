/// <reference types="svelte" />
// (The reference gives tsc the rune declarations that src/state/setup.svelte.ts compiles against.)
/** The search setup: defaults, validation, custom targets, the share link and "run again". */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { studyConfigAt } from '../../src/contracts/study-config-json.ts';
import type { StudyConfig } from '../../src/contracts/study.ts';
import { SetupState, builtinDatasetChoices } from '../../src/state/setup.svelte.ts';
import { expectedDuration } from '../../src/state/setup-config.ts';

const defaultConfig: StudyConfig = {
  name: 'Bayesian optimisation (SpArSe) on MNIST for Arduino Uno',
  dataset: 'mnist',
  targets: ['arduino-uno'],
  // What the chip needs judges by default (issue 13).
  accounting: 'deploy',
  searchSpace: defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10),
  pruning: { methods: ['none', 'magnitude', 'channels', 'svd', 'bc'], sparsity: { min: 0.3, max: 0.9 } },
  strategy: 'mobo',
  budget: { minutes: 2 },
  epochs: 2,
  batchSize: 32,
  learningRate: 0.01,
  seed: 1,
  earlyStopping: true,
};

const defaultHash =
  'name=&dataset=mnist&custom=&targets=arduino-uno&reserve=&accounting=deploy&strategy=mobo&backend=auto&trials=&minutes=2&epochs=2&stop=on&seed=1&batch=32&lr=0.01' +
  '&pruning=none,magnitude,channels,svd,bc&spmin=0.3&spmax=0.9&convmin=1&convmax=4&densemin=0&densemax=2' +
  '&convtypes=conv,separableConv,downsampledConv&filters=4,8,16,32,64&kernels=1,3,5&strides=1,2&paddings=same,valid' +
  '&bottlenecks=2,4,8,16&units=16,32,64,128&pools=maxPool,avgPool&poolsizes=2&poolp=0.5&heads=flatten,globalAvgPool';

const board = { name: 'My board', sramBytes: 4096, flashBytes: 65_536, reserveSramBytes: 512 };
const boardSpec = { id: 'my-board', name: 'My board', core: 'cortex-m4f', clockMhz: 64, sramBytes: 4096, flashBytes: 65_536, reserve: { sramBytes: 512, flashBytes: 0 } };

/** A setup where nearly every setting differs from the defaults. */
function customised(): SetupState {
  const setup = new SetupState();
  setup.update('dataset', 'fashion-mnist');
  expect(setup.addCustomTarget(board)).toEqual([]);
  setup.toggle('targets', 'stm32f446re', true);
  setup.toggle('targets', 'arduino-uno', false);
  setup.update('accounting', 'paper');
  setup.setReserve('stm32f446re', { sramBytes: 8192 });
  setup.update('strategy', 'evolution');
  setup.update('trials', undefined);
  setup.update('minutes', 7.5);
  setup.update('epochs', 4);
  setup.update('seed', 987_654_321);
  setup.update('batch', 64);
  setup.update('lr', 1e-4);
  setup.toggle('pruning', 'svd', false);
  setup.update('spmin', 0.25);
  setup.update('spmax', 0.95);
  setup.update('convmin', 2);
  setup.update('convmax', 3);
  setup.update('densemin', 1);
  setup.update('densemax', 1);
  setup.toggle('convtypes', 'downsampledConv', false);
  setup.toggle('heads', 'globalAvgPool', false);
  setup.enterText('filters', '6, 12, 24');
  setup.enterText('kernels', '3');
  setup.enterText('units', '10, 20');
  setup.update('poolp', 0.125);
  setup.update('name', 'Fashion on <b>two</b> boards');
  expect(setup.errors).toEqual([]);
  return setup;
}

describe('SetupState defaults', () => {
  it('lists the built-in datasets as static-datasets/manifest.json describes them', () => {
    const manifest = JSON.parse(readFileSync('static-datasets/manifest.json', 'utf8')) as {
      datasets: { id: string; name: string; shape: { height: number; width: number; channels: number }; classes: number; splits: { train: number } }[];
    };
    expect(builtinDatasetChoices).toEqual(manifest.datasets.map((d) => ({ id: d.id, name: d.name, input: d.shape, classes: d.classes, trainCount: d.splits.train })));
  });

  it('gives a useful run on MNIST for the Arduino Uno with nothing changed', () => {
    const setup = new SetupState();
    expect(setup.errors).toEqual([]);
    expect(setup.config).toEqual(defaultConfig);
    expect(() => studyConfigAt(setup.config, 'config')).not.toThrow();
    expect(setup.toHash()).toBe(defaultHash);
  });

  it('follows the chosen dataset with the search space input and classes, imported datasets included', () => {
    const setup = new SetupState();
    setup.update('dataset', 'digits');
    expect(setup.config?.searchSpace.input).toEqual({ height: 8, width: 8, channels: 1 });
    expect(setup.config?.name).toBe('Bayesian optimisation (SpArSe) on Digits 8×8 for Arduino Uno');
    setup.replaceDatasets([...builtinDatasetChoices, { id: 'my-photos', name: 'My photos', input: { height: 16, width: 16, channels: 3 }, classes: 4, trainCount: 320 }]);
    setup.update('dataset', 'my-photos');
    expect(setup.config?.searchSpace).toEqual(defaultSearchSpace({ height: 16, width: 16, channels: 3 }, 4));
  });

  it('gives each dataset about 500 training steps per trial: epochs follow the chosen dataset', () => {
    const setup = new SetupState();
    // 7,000 MNIST images in batches of 32: 219 steps an epoch, so 2 epochs.
    expect(setup.settings.epochs).toBe(2);
    setup.update('dataset', 'digits');
    // 1,077 images: 34 steps an epoch, so 15 epochs.
    expect(setup.settings.epochs).toBe(15);
    setup.replaceDatasets([...builtinDatasetChoices, { id: 'my-photos', name: 'My photos', input: { height: 16, width: 16, channels: 3 }, classes: 4, trainCount: 320 }]);
    setup.update('dataset', 'my-photos');
    // 10 steps an epoch: 50 epochs would do, but a trial has at most 30.
    expect(setup.settings.epochs).toBe(30);
    setup.update('dataset', 'fashion-mnist');
    expect(setup.settings.epochs).toBe(2);
  });
});

describe('SetupState validation', () => {
  it('needs a budget of minutes and/or trials', () => {
    const setup = new SetupState();
    setup.update('minutes', undefined);
    expect(setup.errors).toEqual([{ field: 'Search for (minutes)', message: 'set how many minutes to search, a number of trials (under Advanced), or both' }]);
    expect(setup.config).toBeUndefined();
    setup.update('minutes', 5);
    expect(setup.config?.budget).toEqual({ minutes: 5 });
    setup.update('trials', 3);
    expect(setup.config?.budget).toEqual({ trials: 3, minutes: 5 });
  });

  it('names the field of each bad number', () => {
    const setup = new SetupState();
    setup.update('epochs', Number.NaN);
    setup.update('seed', -1);
    setup.update('lr', 0);
    setup.update('minutes', 0);
    expect(setup.errors).toEqual([
      { field: 'Search for (minutes)', message: 'must be a number above 0 and at most 10080, got 0' },
      { field: 'Epochs', message: 'is empty or not a number; it must be a whole number from 1 to 10000' },
      { field: 'Seed', message: 'must be a whole number from 0 to 9007199254740991, got -1' },
      { field: 'Learning rate', message: 'must be a number above 0 and at most 10, got 0' },
    ]);
    expect(setup.config).toBeUndefined();
  });

  it('checks targets, dataset and pruning', () => {
    const setup = new SetupState();
    setup.toggle('targets', 'arduino-uno', false);
    setup.update('dataset', 'cifar-100');
    for (const method of ['none', 'magnitude', 'channels', 'svd', 'bc'] as const) setup.toggle('pruning', method, false);
    expect(setup.errors).toEqual([
      { field: 'Dataset', message: '"cifar-100" is not available here; choose one of digits, mnist, fashion-mnist' },
      { field: 'Target', message: 'choose at least one target' },
    ]);
    setup.update('dataset', 'mnist');
    setup.toggle('targets', 'esp32', true);
    expect(setup.errors).toEqual([{ field: 'Pruning methods', message: 'must be a non-empty list of "none", "magnitude", "channels", "svd", "bc", got []' }]);
    setup.toggle('pruning', 'magnitude', true);
    setup.update('spmin', 0.8);
    setup.update('spmax', 0.5);
    expect(setup.errors).toEqual([{ field: 'Sparsity', message: 'min (0.8) must not be greater than max (0.5)' }]);
  });

  it('validates the search space with parseSearchSpace, named by the form label', () => {
    const setup = new SetupState();
    setup.update('convmin', 3);
    setup.update('convmax', 2);
    expect(setup.errors).toEqual([{ field: 'Conv layers', message: 'min (3) must not be greater than max (2)' }]);
    setup.update('convmin', 1);
    setup.update('convmax', 2);
    setup.enterText('kernels', ' ');
    expect(setup.errors).toEqual([{ field: 'Kernel sizes', message: 'must be a non-empty list of integers from 1 to 31, got []' }]);
    setup.enterText('kernels', '3, 5');
    setup.toggle('heads', 'flatten', false);
    setup.toggle('heads', 'globalAvgPool', false);
    expect(setup.errors).toEqual([{ field: 'Heads', message: 'must be a non-empty list of "flatten", "globalAvgPool", got []' }]);
  });

  it('keeps the text of a list as typed, and the last good list while the text is bad', () => {
    const setup = new SetupState();
    setup.enterText('filters', '4, x');
    expect(setup.text('filters')).toBe('4, x');
    expect(setup.errors).toEqual([{ field: 'Filters', message: '"x" is not one of the whole numbers from 1 to 4096' }]);
    expect(setup.settings.space.filters).toEqual([4, 8, 16, 32, 64]);
    setup.enterText('filters', '4, 8,');
    expect(setup.text('filters')).toBe('4, 8,');
    expect(setup.errors).toEqual([]);
    expect(setup.config?.searchSpace.filters).toEqual([4, 8]);
    setup.enterText('strides', '1, 1');
    expect(setup.errors).toEqual([{ field: 'Strides', message: 'lists 1 more than once; each choice must appear once' }]);
  });
});

describe('SetupState custom targets', () => {
  it('adds, selects and removes a custom target, which travels in the config as its JSON', () => {
    const setup = new SetupState();
    expect(setup.addCustomTarget(board)).toEqual([]);
    expect(setup.settings.targets).toEqual(['arduino-uno', 'my-board']);
    expect(setup.customTargets.map((t) => [t.id, t.name, t.sramBytes, t.reserve.sramBytes, t.runtime])).toEqual([['my-board', 'My board', 4096, 512, 'tflm-cmsis-nn']]);
    expect(setup.config?.targets).toEqual(['arduino-uno', boardSpec]);
    expect(setup.config?.name).toBe('Bayesian optimisation (SpArSe) on MNIST for Arduino Uno, My board');
    expect(setup.addCustomTarget({ ...board, core: 'cortex-m0', clockMhz: 48 })).toEqual([]);
    expect(setup.settings.targets).toEqual(['arduino-uno', 'my-board', 'my-board-2']);
    setup.removeCustomTarget('my-board');
    expect(setup.settings.targets).toEqual(['arduino-uno', 'my-board-2']);
    expect(setup.customTargets.map((t) => [t.id, t.core, t.clockMhz])).toEqual([['my-board-2', 'cortex-m0', 48]]);
  });

  it('reports a bad field by its label and changes nothing', () => {
    const setup = new SetupState();
    const before = setup.toHash();
    expect(setup.addCustomTarget({ ...board, sramBytes: 0 })).toEqual([
      { field: 'SRAM (bytes)', message: 'must be a whole number of bytes from 1 to 1073741824, got 0' },
    ]);
    expect(setup.addCustomTarget({ ...board, flashBytes: Number.NaN })).toEqual([{ field: 'Flash (bytes)', message: 'is empty or not a number' }]);
    expect(setup.addCustomTarget({ ...board, name: '  ' })).toEqual([{ field: 'Name', message: 'is empty; give the target a name' }]);
    expect(setup.addCustomTarget({ ...board, reserveSramBytes: 4096 })).toEqual([
      { field: 'Reserved SRAM (bytes)', message: '(4096) leaves no SRAM of the 4096 bytes for the model' },
    ]);
    expect(setup.addCustomTarget({ ...board, clockMhz: -1 })).toEqual([{ field: 'Clock (MHz)', message: 'must be a clock in MHz above 0 and at most 10000, got -1' }]);
    expect(setup.toHash()).toBe(before);
    expect(setup.customTargets).toEqual([]);
  });

  it('keeps markup in a name as text and makes a safe id of it', () => {
    const setup = new SetupState();
    expect(setup.addCustomTarget({ ...board, name: '<script>alert(1)</script>' })).toEqual([]);
    expect(setup.customTargets[0]).toMatchObject({ id: 'script-alert-1-script', name: '<script>alert(1)</script>' });
  });
});

describe('SetupState share link', () => {
  it('round-trips every setting exactly', () => {
    const setup = customised();
    const hash = setup.toHash();
    const copy = new SetupState();
    expect(copy.applyHash(`#${hash}`)).toEqual([]);
    expect(copy.config).toEqual(setup.config);
    expect(copy.toHash()).toBe(hash);
    expect(copy.config).toMatchObject({
      name: 'Fashion on <b>two</b> boards',
      // A preset with a reserve of the user's own travels with it, so the worker judges the same.
      targets: [boardSpec, { id: 'stm32f446re', reserve: { sramBytes: 8192, flashBytes: 32_768 } }],
      budget: { minutes: 7.5 },
      learningRate: 1e-4,
      seed: 987_654_321,
    });
    // Back to the defaults from the customised state: every key is written, so nothing lingers.
    expect(copy.applyHash(defaultHash)).toEqual([]);
    expect(copy.config).toEqual(defaultConfig);
  });

  it("keeps each preset's reserve for your code: visible, editable, in the link and in the study (issue 13)", () => {
    const setup = new SetupState();
    // The Uno's default: 256 B of SRAM and 2 KB of flash for the sketch (targets.ts); it need not travel.
    expect(setup.reserveOf('arduino-uno')).toEqual({ sramBytes: 256, flashBytes: 2048 });
    setup.setReserve('arduino-uno', { sramBytes: 512 });
    expect(setup.reserveOf('arduino-uno')).toEqual({ sramBytes: 512, flashBytes: 2048 });
    expect(setup.toHash()).toContain('&reserve=arduino-uno%3A512%3A2048&');
    expect(setup.config?.targets).toEqual([{ id: 'arduino-uno', reserve: { sramBytes: 512, flashBytes: 2048 } }]);
    // "Run again" and a share link give it back.
    const again = new SetupState();
    expect(again.fromConfig(setup.config!)).toEqual([]);
    expect(again.reserveOf('arduino-uno')).toEqual({ sramBytes: 512, flashBytes: 2048 });
    expect(again.customTargets).toEqual([]);
    const linked = new SetupState();
    expect(linked.applyHash(setup.toHash())).toEqual([]);
    expect(linked.config).toEqual(setup.config);
    // Back at the default, it is forgotten, and the preset travels as its id.
    setup.setReserve('arduino-uno', { sramBytes: 256 });
    expect(setup.settings.reserves).toEqual({});
    expect(setup.config?.targets).toEqual(['arduino-uno']);
    // A reserve that leaves nothing, or is no number, names its field and the board.
    setup.setReserve('arduino-uno', { sramBytes: 2048 });
    expect(setup.errors).toEqual([{ field: 'Kept for your code', message: 'Arduino Uno: the SRAM kept for your code must be a whole number of bytes from 0 to 2,047' }]);
    setup.setReserve('arduino-uno', { sramBytes: 256, flashBytes: Number.NaN });
    expect(setup.errors).toEqual([{ field: 'Kept for your code', message: 'Arduino Uno: the flash kept for your code must be a whole number of bytes from 0 to 32,767' }]);
    expect(new SetupState().applyHash('reserve=pdp-11:1:1,arduino-uno:x')).toEqual([
      { field: 'Kept for your code', message: `must be entries such as "arduino-uno:256:2048" (preset id, SRAM bytes, flash bytes), got "arduino-uno:x"; the share link's value was ignored` },
    ]);
    expect(new SetupState().applyHash('reserve=pdp-11:1:1')).toEqual([
      { field: 'Kept for your code', message: `"pdp-11" is not a preset; a custom target has its reserve in its own fields; the share link's value was ignored` },
    ]);
  });

  it('reports wrong types, unknown keys and repeats, and applies the valid entries', () => {
    const setup = new SetupState();
    const problems = setup.applyHash('#trials=abc&epochs=5&strategy=greedy&evil=1&seed=1e400&epochs=6&lr=0x10&filters=4,-8&pruning=none,svd');
    expect(problems).toEqual([
      { field: 'Share link', message: 'unknown setting "evil"; it was ignored' },
      { field: 'Epochs', message: 'is given more than once in the share link; the first value was used' },
      { field: 'Strategy', message: `must be one of "random", "mobo", "evolution", got "greedy"; the share link's value was ignored` },
      { field: 'Trials', message: `must be a number, got "abc"; the share link's value was ignored` },
      { field: 'Seed', message: `is too large to use, got "1e400"; the share link's value was ignored` },
      { field: 'Learning rate', message: `must be a number, got "0x10"; the share link's value was ignored` },
      { field: 'Filters', message: `"-8" is not one of the whole numbers from 1 to 4096; the share link's value was ignored` },
    ]);
    expect(setup.config).toEqual({ ...defaultConfig, epochs: 5, pruning: { ...defaultConfig.pruning, methods: ['none', 'svd'] } });
  });

  it('keeps markup as text and rejects script, prototype keys and bad JSON', () => {
    const setup = new SetupState();
    const polluting = JSON.stringify([{ ...boardSpec, polluting: { polluted: true } }]).replace('"polluting"', '"__proto__"');
    const custom = encodeURIComponent(polluting);
    const problems = setup.applyHash(`dataset=%3Cscript%3Ealert(1)%3C%2Fscript%3E&custom=${custom}&targets=my-board&name=%3Cimg%20src%3Dx%3E&%E0%A4%A=1`);
    expect(problems).toEqual([
      { field: 'Share link', message: 'unknown setting "%E0%A4%A"; it was ignored' },
      { field: 'Dataset', message: `must be a dataset id such as "mnist", got "<script>alert(1)</script>"; the share link's value was ignored` },
      {
        field: 'Custom targets',
        message: expect.stringMatching(/^custom target 1: unknown field "__proto__"; expected id, .*; the share link's value was ignored$/) as string,
      },
      { field: 'Target', message: `unknown target "my-board"; expected a preset id or the id of a custom target; the share link's value was ignored` },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(setup.settings.name).toBe('<img src=x>');
    expect(setup.applyHash('custom=%5B%7B%22id%22%3A')).toEqual([{ field: 'Custom targets', message: `is not valid JSON; the share link's value was ignored` }]);
    expect(setup.applyHash('custom=%7B%7D')).toEqual([
      { field: 'Custom targets', message: `must be a JSON list of custom target objects; the share link's value was ignored` },
    ]);
  });

  it('caps what it reads', () => {
    const setup = new SetupState();
    expect(setup.applyHash(`#trials=5&${'x'.repeat(100_000)}`)).toEqual([
      { field: 'Share link', message: 'is 100009 characters long; at most 16000 are read, so it was ignored' },
    ]);
    // Nothing was applied: the default (no trial count) stays.
    expect(setup.settings.trials).toBeUndefined();
    expect(setup.applyHash(`filters=${'1,'.repeat(400)}`)).toEqual([
      { field: 'Filters', message: "the share link's value is 800 characters long; it was ignored" },
    ]);
    const many = setup.applyHash(`${'trials=3&'.repeat(70)}`);
    expect(many[0]).toEqual({ field: 'Share link', message: 'has 70 entries; only the first 66 were read' });
    expect(setup.settings.trials).toBe(3);
    expect(setup.applyHash('custom=' + encodeURIComponent(JSON.stringify(Array.from({ length: 17 }, (_, i) => ({ ...boardSpec, id: `b${i}` })))))).toEqual([
      { field: 'Custom targets', message: "has 17 custom targets; at most 16 are allowed; the share link's value was ignored" },
    ]);
  });

  it('replaces a half-typed list when a link sets it', () => {
    const setup = new SetupState();
    setup.enterText('filters', '4, x');
    expect(setup.applyHash('filters=8,16')).toEqual([]);
    expect(setup.text('filters')).toBe('8, 16');
    expect(setup.errors).toEqual([]);
  });
});

describe('SetupState fromConfig ("run again")', () => {
  it('loads a stored config back exactly', () => {
    const config = customised().config!;
    const again = new SetupState();
    again.enterText('filters', 'oops');
    expect(again.fromConfig(config)).toEqual([]);
    expect(again.config).toEqual(config);
    expect(again.settings.name).toBe('Fashion on <b>two</b> boards');
    expect(again.toHash()).toBe(customised().toHash());
  });

  it('keeps the automatic name automatic, and says when the input differs from the dataset', () => {
    const again = new SetupState();
    expect(again.fromConfig({ ...defaultConfig, dataset: 'digits', name: 'Bayesian optimisation (SpArSe) on Digits 8×8 for Arduino Uno' })).toEqual([
      { field: 'Dataset', message: "the study's input 28×28×1 with 10 classes differs from Digits 8×8's 8×8×1 with 10; the dataset's is used" },
    ]);
    expect(again.settings.name).toBeUndefined();
    again.update('strategy', 'random');
    expect(again.config?.name).toBe('Random on Digits 8×8 for Arduino Uno');
    expect(again.config?.searchSpace.input).toEqual({ height: 8, width: 8, channels: 1 });
  });
});

describe('expectedDuration', () => {
  const digits = builtinDatasetChoices[0]!;
  it('says the time budget, or trials at the measured speed, in words', () => {
    expect(expectedDuration({ minutes: 1, trials: undefined, epochs: 15 }, digits)).toBe('about 1 min: the time budget, plus the trial running when it ends');
    expect(expectedDuration({ minutes: 2.5, trials: undefined, epochs: 15 }, digits, 5000)).toBe('about 3 min: the time budget, plus the trial running when it ends');
    // 10 × 15 × 1,077 = 161,550 images at 5,000/s: 32.3 s.
    expect(expectedDuration({ minutes: undefined, trials: 10, epochs: 15 }, digits, 5000)).toBe('about 30 s at the training speed measured here (5,000 images/s), if no trial stops early');
    expect(expectedDuration({ minutes: 10, trials: 10, epochs: 15 }, digits, 5000)).toBe('about 30 s (10 trials at the speed measured here), at most 10 min');
    expect(expectedDuration({ minutes: undefined, trials: 10, epochs: 15 }, digits)).toBe('depends on this machine: 10 trials of 15 epochs over 1,077 training images each');
    // 100 × 2 × 7,000 at 1,500/s: 933 s.
    expect(expectedDuration({ minutes: undefined, trials: 100, epochs: 2 }, builtinDatasetChoices[1], 1500)).toBe('about 16 min at the training speed measured here (1,500 images/s), if no trial stops early');
    expect(expectedDuration({ minutes: undefined, trials: 1000, epochs: 2 }, builtinDatasetChoices[1], 1500)).toBe('about 2 h 36 min at the training speed measured here (1,500 images/s), if no trial stops early');
    expect(expectedDuration({ minutes: undefined, trials: undefined, epochs: 2 }, digits)).toBe('no budget set');
  });
});
