/**
 * The train command, callable from tests; src/cli/train.ts runs it as a script.
 *
 * `npm run train -- --arch FILE --dataset ID [--epochs N] [--seed S] [--prune magnitude|channels|svd|bc]
 *  [--sparsity X] [--fine-tune-epochs N] [--batch-size N] [--learning-rate X] [--schedule cosine|step]
 *  [--target ID ...] [--backend wasm|cpu|auto] [--export DIR [--export-target ID]] [--json]`
 *
 * Trains in Node (on tfjs's WASM backend unless told otherwise), with a progress bar on stderr, and
 * prints the trial record. With --export, it also writes the microcontroller bundle (README:
 * "From the search to the chip").
 */
import * as tf from '@tensorflow/tfjs';
import { type PruningMethod, pruningMethods } from '../core/pruning.ts';
import { formatBytes } from '../core/units.ts';
import { presetTargetIds } from '../core/targets.ts';
import type { LrSchedule, TrialRecord } from '../contracts/trial.ts';
import { epochsPerTrial, fineTuneEpochsFor, trainingRecipe } from '../core/training-recipe.ts';
import { isBuiltinDatasetId, loadBuiltinDataset } from '../data/builtin.ts';
import { BUILTIN_DATASET_IDS } from '../data/manifest.ts';
import { nodeReader } from '../data/read-node.ts';
import { chooseExportTarget, exportNetwork } from '../engine/export-trial.ts';
import { TrialConfigError, type TrialProgress, runTrainingTrial } from '../engine/train-trial.ts';
import { whyNoExport } from '../deploy/export.ts';
import { exportSummary, writeBundle } from './export-files.ts';
import { backendUsage, parseBackendOption, startCliBackend } from './backend-option.ts';
import { CliError, numberOption, parseCommandArgs, readArchitectureFile, wholeFrom } from './common.ts';
import { resolveTarget } from './estimate-command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: npm run train -- --arch FILE --dataset ID [options]

  --arch FILE              architecture JSON (see README: "Architecture JSON")
  --dataset ID             ${BUILTIN_DATASET_IDS.join(', ')}
  --epochs N               training epochs (default: about ${trainingRecipe.stepsPerTrial} steps, e.g. 15 on digits, 2 on MNIST;
                           early stopping may end sooner)
  --seed S                 seed of the weights, the shuffling and the noise (default 1)
  --prune METHOD           magnitude, channels, svd or bc (Bayesian Compression) (default: no pruning)
  --sparsity X             fraction of weights (magnitude, svd) or channels (channels) to remove, or the
                           strength of bc (its KL scaled by 10^(0.5 + 1.5X)), 0 ≤ X < 1 (default 0.5)
  --fine-tune-epochs N     epochs of fine-tuning after pruning, or of SVD training (default: half of --epochs)
  --batch-size N           default ${trainingRecipe.batchSize}
  --learning-rate X        Adam's learning rate (default ${trainingRecipe.learningRate}, after ${trainingRecipe.warmupEpochs} epoch of warm-up)
  --schedule NAME          cosine (default) or step
  --target ID              preset (${presetTargetIds.join(', ')}) or custom target file; repeatable (default arduino-uno)
  --backend NAME           ${backendUsage}
  --export DIR             write the microcontroller bundle to DIR: model.tflite, the C array, test samples,
                           expect.json, export.json and example programs for TensorFlow Lite Micro
  --export-target ID       the target the bundle's predictions are for (default: the first --target that
                           runs TFLite Micro, else nano33-ble)
  --json                   print the trial record as JSON`;

export interface TrainIo {
  /** Where the progress bar goes; stderr when run as a script. */
  readonly progress?: NodeJS.WriteStream;
}

/** Runs the command on `argv` (without node and the script); returns what it prints on stdout. */
export async function runTrain(argv: readonly string[], io: TrainIo = {}): Promise<string> {
  const values = parseCommandArgs(argv, {
    arch: { type: 'string' },
    dataset: { type: 'string' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    prune: { type: 'string' },
    sparsity: { type: 'string' },
    'fine-tune-epochs': { type: 'string' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    schedule: { type: 'string' },
    target: { type: 'string', multiple: true },
    backend: { type: 'string' },
    export: { type: 'string' },
    'export-target': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return `${usage}\n`;
  if (!values.arch) throw new CliError('missing --arch FILE (see --help)', 2);
  if (!values.dataset) throw new CliError('missing --dataset ID (see --help)', 2);
  if (!isBuiltinDatasetId(values.dataset)) throw new CliError(`unknown dataset "${values.dataset}"; built-in datasets are ${BUILTIN_DATASET_IDS.join(', ')}`, 2);
  const epochsOption = numberOption(values.epochs, 'epochs', wholeFrom(1), 'a whole number of at least 1');
  const seed = numberOption(values.seed, 'seed', wholeFrom(0), 'a whole number of at least 0') ?? 1;
  const method = (values.prune ?? 'none') as PruningMethod;
  if (!pruningMethods.includes(method)) throw new CliError(`--prune must be magnitude, channels, svd or bc, got "${values.prune}"`, 2);
  const sparsity = numberOption(values.sparsity, 'sparsity', (n) => n >= 0 && n < 1, 'a number from 0 up to (not including) 1') ?? 0.5;
  const fineTuneOption = numberOption(values['fine-tune-epochs'], 'fine-tune-epochs', wholeFrom(0), 'a whole number');
  const batchSize = numberOption(values['batch-size'], 'batch-size', wholeFrom(1), 'a whole number of at least 1') ?? trainingRecipe.batchSize;
  const learningRate = numberOption(values['learning-rate'], 'learning-rate', (n) => n > 0 && n < 10, 'a positive number below 10') ?? trainingRecipe.learningRate;
  const schedule = (values.schedule ?? 'cosine') as LrSchedule;
  if (schedule !== 'cosine' && schedule !== 'step') throw new CliError(`--schedule must be cosine or step, got "${values.schedule}"`, 2);
  const targets = (values.target ?? ['arduino-uno']).map(resolveTarget);
  const backend = parseBackendOption(values.backend);
  if (values['export-target'] !== undefined && values.export === undefined) throw new CliError('--export-target needs --export DIR', 2);
  const exportChoice = values.export === undefined ? undefined : values['export-target'] === undefined ? chooseExportTarget(targets) : { target: resolveTarget(values['export-target']) };
  if (exportChoice) {
    const refused = whyNoExport(exportChoice.target);
    if (refused !== undefined) throw new CliError(`--export-target ${values['export-target']}: ${refused}`, 2);
  }

  const architecture = readArchitectureFile(values.arch);

  // Production mode: no debug checks, and no banner asking for tfjs-node (which cannot be installed here).
  tf.enableProdMode();
  const dataset = await loadBuiltinDataset(values.dataset, nodeReader());
  const epochs = epochsOption ?? epochsPerTrial(dataset.train.count, batchSize);
  const fineTuneEpochs = fineTuneOption ?? fineTuneEpochsFor(epochs);
  const choice = await startCliBackend(backend, { input: architecture.input, classes: architecture.classes, batchSize });
  const bar = new TrialBar(io.progress ?? process.stderr);
  let trial;
  try {
    trial = await runTrainingTrial({
      id: `train-${dataset.id}-${seed}`,
      architecture,
      dataset,
      targets,
      epochs,
      batchSize,
      learningRate,
      schedule,
      seed,
      pruning: { method, sparsity, fineTuneEpochs },
      backend: { name: choice.backend, reason: choice.reason },
      onProgress: (p) => bar.update(p),
    });
  } catch (error) {
    if (error instanceof TrialConfigError) throw new CliError(`architecture file "${values.arch}": ${error.message}`);
    throw error;
  } finally {
    bar.done();
  }
  let exported = '';
  try {
    if (exportChoice && values.export !== undefined) {
      const result = await exportNetwork(trial.network, dataset, {
        target: exportChoice.target,
        seed,
        source: { dataset: dataset.id, trial: trial.record.id },
        createdBy: `sparse-search-playground npm run train (tfjs ${tf.version.tfjs}, ${choice.backend})`,
      });
      writeBundle(result, values.export);
      exported = exportSummary(result, values.export, exportChoice.note);
    }
  } finally {
    trial.network.dispose();
  }
  if (values.json) return `${JSON.stringify(trial.record, null, 2)}\n`;
  return exported ? `${summary(trial.record)}${exported}\n` : summary(trial.record);
}

/** One progress bar per phase (training, fine-tuning), on the stream given. */
class TrialBar {
  #bar: ProgressBar | undefined;
  #phase = '';
  constructor(readonly stream: NodeJS.WriteStream) {}

  update(p: TrialProgress): void {
    if (p.phase === 'evaluating') return this.done();
    if (p.phase !== this.#phase) {
      this.done();
      this.#phase = p.phase;
      this.#bar = new ProgressBar(p.phase, p.epochs * p.batches, this.stream);
    }
    const done = (p.epoch - 1) * p.batches + p.batch;
    const note = [`epoch ${p.epoch}/${p.epochs}`, p.loss === undefined ? '' : `loss ${p.loss.toFixed(3)}`, p.valAccuracy === undefined ? '' : `val ${(100 * p.valAccuracy).toFixed(1)} %`]
      .filter(Boolean)
      .join(' · ');
    this.#bar?.set(done, note);
  }

  done(): void {
    this.#bar?.done();
    this.#bar = undefined;
  }
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

function summary(r: TrialRecord): string {
  const { metrics: m, resources: res, hyperparameters: h } = r;
  const lines = [
    `${r.dataset}: ${m.epochsRun} epochs on ${r.backend.name} (${r.backend.reason}), ${Math.round(r.timings.samplesPerSecond)} samples/s, ${(r.timings.totalMs / 1000).toFixed(1)} s`,
    `test accuracy ${percent(m.testAccuracy)} (int8 ${percent(m.int8TestAccuracy)}), validation ${percent(m.valAccuracy)}` +
      (h.pruning.method === 'none' ? '' : `; before ${h.pruning.method} pruning ${percent(m.testAccuracyBeforePruning)}`),
    `weights ${m.nonzeroWeights.toLocaleString('en-US')} non-zero of ${m.totalWeights.toLocaleString('en-US')} (sparsity ${percent(m.sparsity)}), ${res.params.toLocaleString('en-US')} params, ${res.macs.toLocaleString('en-US')} MACs`,
    `paper: model size ${formatBytes(res.modelSizeBytes)}, working memory ${formatBytes(res.workingMemoryBytes)}`,
    ...res.targets.map(
      (t) =>
        `${t.id}: deploy flash ${formatBytes(t.flashBytes)}, SRAM ${formatBytes(t.sramBytes)}, ≈ ${t.latencyMs.toFixed(1)} ms; ` +
        `fits (paper) ${t.feasible.paper ? 'yes' : 'no'}, fits (deploy) ${t.feasible.deploy ? 'yes' : 'no'}`,
    ),
  ];
  if (r.sampledArchitecture) lines.push(`channel pruning shrank the architecture: ${JSON.stringify(r.architecture.layers)}`);
  return `${lines.join('\n')}\n`;
}
