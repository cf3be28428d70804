/**
 * The playground's session state in Node, over the real search API in-process: real training on
 * digits (tfjs cpu), fake-indexeddb for storage, the built-in datasets fetched over HTTP as the
 * worker fetches them. Only the worker thread and comlink are left out (tested in Chromium).
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import type { SearchApi } from '../../src/contracts/search-worker.ts';
import type { StudyConfig } from '../../src/contracts/study.ts';
import { serveBuiltinDatasets } from '../fixtures/datasets-server.ts';
import { oneConvSpace } from '../fixtures/tiny-study.ts';
import { type SearchPort, PlaygroundState, fileNameOf, undoWindowMs } from '../../src/state/playground.svelte.ts';
import { ModelCheckState } from '../../src/state/model-check.svelte.ts';
import { createSearchApi } from '../../src/workers/search-api.ts';

const datasets = serveBuiltinDatasets();

/** The API the worker exposes, called in-process: the same SearchPort the page's client is. */
function inProcessPort(api: SearchApi): SearchPort {
  return {
    backend: async (request) => api.backend(request),
    startStudy: async (config, callbacks, backend, run) => api.startStudy(config, callbacks, backend, run),
    resumeStudy: async (studyId, callbacks, backend, run) => api.resumeStudy(studyId, callbacks, backend, run),
    pause: async () => api.pause(),
    unpause: async () => api.unpause(),
    stop: async () => api.stop(),
    listStudies: async () => api.listStudies(),
    studiesRunningElsewhere: async () => api.studiesRunningElsewhere(),
    storageNotes: async () => api.storageNotes(),
    dismissStorageNote: async (id) => api.dismissStorageNote(id),
    getStudy: async (id) => api.getStudy(id),
    exportStudy: async (id, userAgent) => api.exportStudy(id, userAgent),
    importStudy: async (text, name) => api.importStudy(text, name),
    deleteStudy: async (id) => api.deleteStudy(id),
    takeStudy: async (id) => api.takeStudy(id),
    restoreStudy: async (deleted) => api.restoreStudy(deleted),
    extendStudy: async (id, extension, callbacks, backend, run) => api.extendStudy(id, extension, callbacks, backend, run),
    getWeights: async (id) => api.getWeights(id),
    queueTrial: async (id, request) => api.queueTrial(id, request),
    exportModel: async (id) => api.exportModel(id),
    exportForMicrocontroller: async (id) => api.exportForMicrocontroller(id),
    checkTrial: async (id) => api.checkTrial(id),
    predict: async (id, input) => api.predict(id, input),
    tensorCount: async () => api.tensorCount(),
    listDatasets: async () => api.listDatasets(),
    importDataset: async (request) => api.importDataset(request),
    deleteDataset: async (id) => api.deleteDataset(id),
  };
}

const config: StudyConfig = {
  name: 'Digits on an Uno',
  dataset: 'digits',
  targets: ['arduino-uno'],
  accounting: 'paper',
  searchSpace: oneConvSpace({ strides: [2], denseUnits: [16], pooling: { types: ['maxPool'], sizes: [2], probability: 0 } }),
  pruning: { methods: ['none'], sparsity: { min: 0, max: 0 } },
  strategy: 'random',
  budget: { trials: 2 },
  epochs: 1,
  batchSize: 64,
  learningRate: 3e-3,
  seed: 5,
};

const database = `playground-${Date.now()}`;
const session = (): PlaygroundState => new PlaygroundState(inProcessPort(createSearchApi({ datasetsUrl: datasets.url(), databaseName: database, backends: ['cpu'], progressIntervalMs: 0 })));

describe('PlaygroundState', { timeout: 120_000 }, () => {
  let first: PlaygroundState;

  it('starts empty, runs a search live, and ends with its trials judged', async () => {
    first = session();
    await first.load();
    expect(first.studies).toEqual([]);
    expect(first.current).toBeUndefined();
    expect(first.datasets.map((d) => [d.id, d.builtin])).toEqual([['digits', true], ['mnist', true], ['fashion-mnist', true]]);
    const seen: string[] = [];
    const tensors = tf.memory().numTensors;
    const run = first.startStudy(config);
    expect(first.running).toBe(true);
    await run;
    expect(tf.memory().numTensors).toBe(tensors); // the whole study leaks no tensor
    expect(first.running).toBe(false);
    expect(first.alert).toBeUndefined();
    expect(first.notice).toBe('Search finished.');
    expect(first.backend?.backend).toBe('cpu');
    const current = first.current!;
    expect(current.study.status).toBe('completed');
    expect(current.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed'], [1, 'completed']]);
    expect(first.studies.map((s) => s.id)).toEqual([current.id]);
    for (const row of current.rows) seen.push(row.trial.id);
    expect(seen).toEqual([`${current.id}.0`, `${current.id}.1`]);
    expect(current.evaluation.hypervolume.map((p) => p.trial)).toEqual([0, 1]);
    expect(current.evaluation.paretoFront.size).toBeGreaterThan(0);
    expect(current.progress).toBeUndefined();
  });

  it('sorts the trial table by a metric, best first, and reverses on a second choice', () => {
    const current = first.current!;
    current.sortBy('valAccuracy');
    const accuracies = current.rows.map((r) => r.trial.metrics!.valAccuracy);
    expect(accuracies).toEqual([...accuracies].sort((a, b) => b - a));
    current.sortBy('valAccuracy');
    expect(current.rows.map((r) => r.trial.metrics!.valAccuracy)).toEqual([...accuracies].reverse());
  });

  it('after a reload, lists the study and opens it with its trials', async () => {
    const reloaded = session();
    await reloaded.load();
    expect(reloaded.studies.map((s) => s.id)).toEqual([first.current!.id]);
    expect(reloaded.current!.trials).toEqual(first.current!.trials);
  });

  it('exports the study, refuses a broken file with the reason and changes nothing, and imports a good one', async () => {
    const file = (await first.exportCurrent('vitest'))!;
    expect(file.fileName).toBe('digits-on-an-uno.study.json');
    const before = first.studies;
    const original = first.current!.trials;
    expect(await first.importFile('broken.json', (file.data as string).replace('"schemaVersion": 1', '"schemaVersion": 9'))).toBe(false);
    expect(first.importError).toBe('broken.json: schemaVersion: is 9, from a newer version of the playground; this one reads version 1');
    expect(first.studies).toEqual(before);
    expect(await first.importFile('study.json', file.data as string)).toBe(true);
    expect(first.importError).toBeUndefined();
    expect(first.studies).toHaveLength(2);
    expect(first.current!.id).not.toBe(before[0]!.id);
    expect(first.current!.trials.map((t) => t.metrics)).toEqual(original.map((t) => t.metrics));
    expect(first.notice).toBe('Imported "Digits on an Uno" from study.json.');
  });

  it('trains a chosen architecture in the open study, and refuses one for another dataset in words', async () => {
    await first.open(first.studies.at(-1)!.id);
    const studyId = first.current!.id;
    const architecture = { input: { height: 8, width: 8, channels: 1 }, classes: 10, layers: [{ type: 'conv' as const, filters: 4, kernel: 3, stride: 2, padding: 'same' as const }, { type: 'flatten' as const }] };
    expect(await first.trainArchitecture({ architecture: { ...architecture, input: { height: 28, width: 28, channels: 1 } }, pruning: { method: 'none', sparsity: 0 } })).toBe(false);
    expect(first.alert).toBe(
      `This architecture cannot be trained in "Digits on an Uno": the architecture takes 28×28×1 inputs and 10 classes; this study's dataset has 8×8×1 and 10`,
    );
    expect(await first.trainArchitecture({ architecture, pruning: { method: 'magnitude', sparsity: 0.5 } })).toBe(true);
    await first.idle();
    expect(first.current!.id).toBe(studyId);
    const added = first.current!.trials.at(-1)!;
    expect([added.index, added.status, added.architecture]).toEqual([2, 'completed', architecture]);
    expect(added.hyperparameters.pruning.method).toBe('magnitude');
  });

  it('downloads a Pareto-front model as tfjs files, and says why another has none', async () => {
    const current = first.current!;
    const frontId = [...current.evaluation.paretoFront][0]!;
    const files = await first.modelDownloads(frontId);
    expect(files.map((f) => f.fileName)).toEqual([`${frontId}.model.json`, `${frontId}.weights.bin`]);
    expect(JSON.parse(files[0]!.data as string).format).toBe('layers-model');
    const off = current.trials.find((t) => t.status === 'completed' && !current.evaluation.paretoFront.has(t.id));
    if (off) {
      expect(await first.modelDownloads(off.id)).toEqual([]);
      expect(first.alert).toBe('The weights of this trial were not kept: only trials on the Pareto front keep theirs.');
    }
  });

  it('downloads a Pareto-front model for the microcontroller as a zip, with its numbers for a TFLM target', async () => {
    const current = first.current!;
    const frontId = [...current.evaluation.paretoFront][0]!;
    const file = await first.microcontrollerDownload(frontId);
    expect(file).toMatchObject({ fileName: `${frontId}-microcontroller.zip`, type: 'application/zip' });
    const entries = unzipSync(new Uint8Array(file!.data as ArrayBuffer));
    const folder = `${frontId}-microcontroller`;
    expect(Object.keys(entries)).toContain(`${folder}/model.tflite`);
    const manifest = JSON.parse(strFromU8(entries[`${folder}/export.json`]!));
    expect(manifest.tfliteBytes).toBe(entries[`${folder}/model.tflite`]!.length);
    // The study's only target is the Uno, which has no export: the notice says whose numbers these are.
    expect(manifest.target.id).toBe('nano33-ble');
    expect(first.notice).toMatch(
      new RegExp(`^Exported ${folder}\\.zip: model\\.tflite [\\d,]+ B, int8 test accuracy \\d+\\.\\d %, tensor arena [\\d,]+ B for Arduino Nano 33 BLE; built in \\d+\\.\\d s\\. Arduino Uno runs the Generated C \\(no interpreter\\) runtime: estimate only, there is no export for 8-bit AVR yet; pick a 32-bit target that runs TensorFlow Lite Micro; the bundle's numbers are for Arduino Nano 33 BLE\\.$`),
    );
    const off = current.trials.find((t) => t.status === 'completed' && !current.evaluation.paretoFront.has(t.id));
    if (off) {
      expect(await first.microcontrollerDownload(off.id)).toBeUndefined();
      expect(first.alert).toBe('The weights of this trial were not kept: only trials on the Pareto front keep theirs.');
    }
  });

  it('checks a Pareto-front model on the test set: its int8 confusion matrix has the recorded int8 accuracy', async () => {
    const current = first.current!;
    const frontId = [...current.evaluation.paretoFront][0]!;
    const trial = current.trials.find((t) => t.id === frontId)!;
    const tensors = tf.memory().numTensors;
    const check = new ModelCheckState(first, { trialId: frontId, datasetId: 'digits', input: trial.architecture.input, random: () => 0.5 });
    await check.runCheck();
    expect(check.checkError).toBeUndefined();
    const result = check.check!;
    expect(result.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(result.testCount).toBe(360);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(360);
    // The digits' test split is stratified (each class in its share, to within one image): row c counts class c.
    const perClass = [36, 37, 35, 37, 36, 36, 36, 36, 35, 36];
    expect(result.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(perClass);
    expect(result.perClassAccuracy).toEqual(result.confusion.map((row, c) => row[c]! / perClass[c]!));
    expect(result.accuracy).toBe(trial.metrics!.int8TestAccuracy);

    // "Try it" on every test image answers what the matrix counted, image by image.
    const recounted = result.confusion.map((row) => row.map(() => 0));
    for (let index = 0; index < 360; index++) {
      const prediction = (await first.predict(frontId, { testImage: index }))!;
      recounted[prediction.testImage!.label]![prediction.predicted]! += 1;
    }
    expect(recounted).toEqual(result.confusion);

    // A test image (the middle one, as random() says 0.5) and the same pixels sent as a drawing get the same answer.
    await check.tryTestImage();
    const tried = check.prediction!;
    expect(tried.testImage).toMatchObject({ index: 180, count: 360 });
    expect([tried.height, tried.width, tried.channels, tried.pixels.length]).toEqual([8, 8, 1, 64]);
    expect(tried.probabilities).toHaveLength(10);
    for (const p of tried.probabilities) expect(Number.isInteger(p * 256)).toBe(true);
    expect(Math.abs(tried.probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(10 / 256);
    expect(tried.probabilities.indexOf(Math.max(...tried.probabilities))).toBe(tried.predicted);
    await check.predictPixels(tried.pixels);
    expect(check.prediction).toMatchObject({ predicted: tried.predicted, probabilities: tried.probabilities });
    expect(check.prediction!.testImage).toBeUndefined();
    check.clear();
    expect(check.prediction).toBeUndefined();
    await check.predictPixels(new Uint8Array(10));
    expect(check.predictError).toBe('The picture became 10 pixels, but the model takes 8×8×1.');
    await expect(first.predict(frontId, { testImage: 360 })).rejects.toThrow('there is no test image 360: the test set holds 360 (0 to 359)');
    expect(tf.memory().numTensors).toBe(tensors);

    const off = current.trials.find((t) => t.status === 'completed' && !current.evaluation.paretoFront.has(t.id));
    if (off) {
      const offCheck = new ModelCheckState(first, { trialId: off.id, datasetId: 'digits', input: off.architecture.input });
      await offCheck.runCheck();
      expect(offCheck.check).toBeUndefined();
      expect(offCheck.checkError).toBe('The weights of this trial were not kept, so its model cannot be checked: only trials on the Pareto front keep theirs.');
      expect(await first.predict(off.id, { testImage: 0 })).toBeUndefined();
    }
  });

  it('stops a running search between batches and queues the interrupted trial; its study cannot be deleted while it runs', async () => {
    const stopping = session();
    const run = stopping.startStudy({ ...config, name: 'to stop', epochs: 20 });
    // The loss reaches the page at the end of an epoch (the trainer reads nothing back per batch).
    while (!stopping.current?.curve.length) await new Promise((resolve) => setTimeout(resolve, 20));
    await stopping.remove(stopping.current.id);
    expect(stopping.alert).toBe('Stop the search before you delete its study.');
    await stopping.stop();
    await run;
    expect(stopping.notice).toBe('Search stopped. Resume it whenever you like.');
    expect(stopping.current!.study.status).toBe('stopped');
    expect(stopping.current!.trials.map((t) => t.status)).toEqual(['queued']);
    expect(stopping.current!.curve.length).toBeGreaterThan(0);
  });

  it('the worker API refuses to choose another backend while a study trains, and says why', async () => {
    const api = createSearchApi({ datasetsUrl: datasets.url(), databaseName: `${database}-busy`, backends: ['cpu'], progressIntervalMs: 0 });
    let refused: unknown;
    const study = await api.startStudy({ ...config, budget: { trials: 1 } }, {
      onTrial: (trial) => {
        if (trial.status === 'running' && refused === undefined) refused = api.backend({ preference: 'wasm', dataset: 'digits', batchSize: 64 }).catch((error: unknown) => error);
      },
    });
    expect(study.status).toBe('completed');
    expect(String(await refused)).toBe('Error: a study is training; the backend can be chosen again when it has stopped');
    // Afterwards it may choose again.
    expect((await api.backend({ preference: 'wasm', dataset: 'digits', batchSize: 64 })).backend).toBe('wasm');
  });

  it('deletes a study at once, and Undo brings it back exactly: same id, every trial, the kept weights (issue 13)', async () => {
    await first.load();
    const count = first.studies.length;
    const doomed = first.studies.at(-1)!;
    await first.open(doomed.id);
    const trials = first.current!.trials;
    const frontId = [...first.current!.evaluation.paretoFront][0]!;
    const weights = await first.modelDownloads(frontId);
    const removing = first.remove(doomed.id);
    // Hidden at once, before the worker answers.
    expect(first.studies.map((s) => s.id)).not.toContain(doomed.id);
    await removing;
    expect(first.studies).toHaveLength(count - 1);
    expect(first.current).toBeUndefined();
    expect(first.undoOffer).toEqual({ studyId: doomed.id, name: 'Digits on an Uno' });
    expect(first.recentlyDeleted).toEqual([{ studyId: doomed.id, name: 'Digits on an Uno' }]);
    expect(await first.undoDelete()).toBe(true);
    expect(first.undoOffer).toBeUndefined();
    expect(first.recentlyDeleted).toEqual([]);
    expect(first.notice).toBe('Brought back "Digits on an Uno".');
    expect(first.studies.find((s) => s.id === doomed.id)).toEqual(doomed);
    expect(first.current!.id).toBe(doomed.id);
    expect(first.current!.trials).toEqual(trials);
    expect(await first.modelDownloads(frontId)).toEqual(weights);
    // Once brought back, there is nothing more to undo.
    expect(await first.undoDelete(doomed.id)).toBe(false);
  });

  it('offers Undo for a few seconds, and the deleted study for as long as the page is open', async () => {
    const deleting = session();
    await deleting.load();
    const doomed = deleting.studies.at(-1)!;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await deleting.remove(doomed.id);
      expect(deleting.undoOffer?.studyId).toBe(doomed.id);
      vi.advanceTimersByTime(undoWindowMs - 1);
      expect(deleting.undoOffer?.studyId).toBe(doomed.id);
      vi.advanceTimersByTime(1);
      expect(deleting.undoOffer).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
    expect(deleting.recentlyDeleted.map((e) => e.studyId)).toEqual([doomed.id]);
    expect(await deleting.undoDelete(doomed.id)).toBe(true);
    expect(deleting.studies.map((s) => s.id)).toContain(doomed.id);
  });

  it('keeps an imported finished study finished, and extends it by trials: N more than it trained (issue 13)', async () => {
    const extending = session();
    await extending.load();
    const source = extending.studies.find((s) => s.status === 'completed' && s.config.budget.trials === 2)!;
    await extending.open(source.id);
    const file = (await extending.exportCurrent('vitest'))!;
    expect(await extending.importFile('finished.json', file.data as string)).toBe(true);
    const imported = extending.current!;
    expect(imported.study.status).toBe('completed');
    const trained = imported.trials.length;
    const before = imported.trials.map((t) => t.status);
    const tensors = tf.memory().numTensors;
    await extending.extendStudy(imported.id, { trials: 1 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(extending.alert).toBeUndefined();
    expect(extending.notice).toBe('Search finished.');
    const extended = extending.current!;
    expect(extended.id).toBe(imported.id);
    expect(extended.study.status).toBe('completed');
    expect(extended.study.config.budget).toEqual({ trials: trained + 1 });
    expect(before.every((status) => status === 'completed')).toBe(true);
    expect(extended.trials.map((t) => t.status)).toEqual([...before, 'completed']);
    // A time budget: N more minutes from now, not N more than the minutes it had (10 here).
    const timed = JSON.parse(file.data as string) as { study: { config: { budget: unknown } } };
    timed.study.config.budget = { minutes: 10 };
    expect(await extending.importFile('timed.json', JSON.stringify(timed))).toBe(true);
    const timedStudy = extending.current!;
    expect(timedStudy.study.status).toBe('completed');
    const started = Date.now();
    await extending.extendStudy(timedStudy.id, { minutes: 0.005 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(extending.current!.study.config.budget).toEqual({ minutes: 10.005 });
    expect(extending.current!.study.status).toBe('completed');
    expect(extending.current!.trials.length).toBeGreaterThan(2);
    await extending.open(extended.id);
    // More minutes would train nothing once the trial budget is spent: refused in words.
    await extending.extendStudy(extended.id, { minutes: 1 });
    expect(extending.alert).toBe(`The search stopped with an error: "Digits on an Uno" has trained its ${trained + 1} trials: extend it by trials, or more minutes would train none`);
  });

  it('names files after the study, safely', () => {
    expect(fileNameOf('Digits on an Uno', '.study.json')).toBe('digits-on-an-uno.study.json');
    expect(fileNameOf('<script>../../', '.json')).toBe('script.json');
    expect(fileNameOf('', '.json')).toBe('study.json');
  });

  it('says so, in words, when storage cannot be read (e.g. blocked in a private window)', async () => {
    const real = inProcessPort(createSearchApi({ datasetsUrl: datasets.url(), databaseName: `${database}-blocked`, backends: ['cpu'] }));
    const blocked = new PlaygroundState({ ...real, listDatasets: () => Promise.reject(new Error('The user denied permission to access the database.')) });
    await blocked.load();
    expect(blocked.alert).toBe('The stored studies could not be read (is storage blocked for this page?): The user denied permission to access the database.');
    expect(blocked.studies).toEqual([]);
  });

  it('shows what an upgrade of the stored database set aside until the user dismisses it (issue 14)', async () => {
    const notes = [
      { id: 1, text: 'Trial "s.9" had index 0, as trial "s.0" did; it was set aside.', at: '2026-12-01T03:00:00.000Z' },
      { id: 2, text: 'Trial "s.8" had index 1, as trial "s.1" did; it was set aside.', at: '2026-12-01T03:00:00.000Z' },
    ];
    const dismissed: number[] = [];
    const real = inProcessPort(createSearchApi({ datasetsUrl: datasets.url(), databaseName: `${database}-notes`, backends: ['cpu'] }));
    const state = new PlaygroundState({ ...real, storageNotes: async () => notes, dismissStorageNote: async (id) => void dismissed.push(id) });
    await state.load();
    expect(state.storageNotes).toEqual(notes);
    await state.dismissStorageNote(1);
    expect(dismissed).toEqual([1]);
    expect(state.storageNotes).toEqual([notes[1]]);
    expect(state.alert).toBeUndefined();
  });
});
