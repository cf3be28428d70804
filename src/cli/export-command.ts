/**
 * The export command, callable from tests; src/cli/export.ts runs it as a script.
 *
 * `npm run export -- --study S.json --trial ID --out DIR [--target ID] [--samples N] [--backend NAME]`
 * `npm run export -- --storage postgres://… --study NAME --out S.json [--force]` (export-shared.ts)
 *
 * Turns a trained trial of a study written by `npm run search` into the microcontroller bundle:
 * its weights come from `S.weights/ID.json` (the search keeps those of its Pareto front), its
 * dataset is loaded again to calibrate and to write the test samples.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trainingRecipe } from '../core/training-recipe.ts';
import { resolveTargetSpec } from '../contracts/study-objectives.ts';
import { parseStudyDocument, StudyDocumentError } from '../contracts/study-document.ts';
import { maxWeightsFileBytes, parseWeightsFile, WeightsFileError } from '../contracts/weights-file.ts';
import { isBuiltinDatasetId, loadBuiltinDataset } from '../data/builtin.ts';
import { nodeReader } from '../data/read-node.ts';
import { whyNoExport } from '../deploy/export.ts';
import { chooseExportTarget, exportNetwork } from '../engine/export-trial.ts';
import { Network } from '../tf/network.ts';
import { backendUsage, parseBackendOption, startCliBackend } from './backend-option.ts';
import { CliError, numberOption, parseCommandArgs, wholeFrom } from './common.ts';
import { resolveTarget } from './estimate-command.ts';
import { exportSummary, writeBundle } from './export-files.ts';
import { weightsFolderOf } from './study-file.ts';
import { exportSharedStudy } from './export-shared.ts';

const usage = `Usage: npm run export -- --study FILE --trial ID --out DIR [options]
       npm run export -- --storage postgres://USER@HOST/DB --study NAME --out FILE [--force]

  --study FILE     a study document written by npm run search (its trials' weights are in FILE.weights/)
  --trial ID       the trial to export (one of the study's Pareto front, whose weights were kept)
  --out DIR        where to write the bundle: model.tflite, model_data.h/.cc, test_samples.bin,
                   expect.json, export.json and example programs for TensorFlow Lite Micro
  --target ID      the target the bundle's predictions are for (default: the study's first target
                   that runs TFLite Micro, else nano33-ble)
  --samples N      test images in the bundle (default 100)
  --backend NAME   ${backendUsage}

  --storage URL    write the shared study NAME of this PostgreSQL database (npm run search
                   --storage) to the study document FILE, which the playground imports, and the
                   weights of its Pareto front to FILE.weights/; --force overwrites FILE`;

function readText(path: string, what: string, limit: number): string {
  try {
    const size = statSync(path).size;
    if (size > limit) throw new CliError(`${what} "${path}" is ${size} bytes; the limit is ${limit}`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${what} "${path}": ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Runs the command on `argv` (without node and the script); returns what it prints on stdout. */
export async function runExport(argv: readonly string[]): Promise<string> {
  const values = parseCommandArgs(argv, {
    study: { type: 'string' },
    trial: { type: 'string' },
    out: { type: 'string' },
    target: { type: 'string' },
    samples: { type: 'string' },
    backend: { type: 'string' },
    storage: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return `${usage}\n`;
  if (values.storage !== undefined) {
    if (!values.study) throw new CliError('missing --study NAME: the study in the database to write out (see --help)', 2);
    if (!values.out) throw new CliError('missing --out FILE: the study document to write (see --help)', 2);
    const extra = (['trial', 'target', 'samples', 'backend'] as const).filter((option) => values[option] !== undefined);
    if (extra.length > 0) {
      throw new CliError(`--${extra[0]} is for a bundle from a study file; with --storage the command writes the study document: export it first, then run npm run export -- --study FILE --trial ID --out DIR`, 2);
    }
    return exportSharedStudy({ storage: values.storage, study: values.study, out: values.out, force: values.force === true });
  }
  if (values.force) throw new CliError('--force is for --storage: a bundle folder is written in place', 2);
  if (!values.study) throw new CliError('missing --study FILE (see --help)', 2);
  if (!values.trial) throw new CliError('missing --trial ID (see --help)', 2);
  if (!values.out) throw new CliError('missing --out DIR (see --help)', 2);
  const samples = numberOption(values.samples, 'samples', wholeFrom(1), 'a whole number of at least 1');
  const backend = parseBackendOption(values.backend);

  let doc;
  try {
    doc = parseStudyDocument(readText(values.study, 'study file', 64 * 1024 * 1024), values.study);
  } catch (error) {
    if (error instanceof StudyDocumentError) throw new CliError(error.message);
    throw error;
  }
  const trial = doc.trials.find((t) => t.id === values.trial);
  if (!trial) throw new CliError(`study file "${values.study}" has no trial "${values.trial}"; its trials are ${doc.trials.map((t) => t.id).join(', ') || 'none'}`);
  if (trial.status !== 'completed') throw new CliError(`trial "${trial.id}" is ${trial.status}; only a completed trial has trained weights to export`);
  const weightsPath = join(weightsFolderOf(values.study), `${trial.id}.json`);
  if (!existsSync(weightsPath)) {
    throw new CliError(`no weights for trial "${trial.id}" at ${weightsPath}: npm run search keeps the weights of the Pareto front only; export a trial of the front`);
  }
  let weights;
  try {
    weights = parseWeightsFile(readText(weightsPath, 'weights file', maxWeightsFileBytes), weightsPath);
  } catch (error) {
    if (error instanceof WeightsFileError) throw new CliError(error.message);
    throw error;
  }
  if (weights.trialId !== trial.id) throw new CliError(`${weightsPath} holds the weights of trial "${weights.trialId}", not "${trial.id}"`);
  const datasetId = doc.study.config.dataset;
  if (!isBuiltinDatasetId(datasetId)) throw new CliError(`the study's dataset "${datasetId}" is not built in; export its trials from the page, where the dataset is stored`);

  let choice: { target: ReturnType<typeof resolveTarget>; note?: string };
  if (values.target !== undefined) {
    const target = resolveTarget(values.target);
    const refused = whyNoExport(target);
    if (refused !== undefined) throw new CliError(`--target ${values.target}: ${refused}`, 2);
    choice = { target };
  } else choice = chooseExportTarget(doc.study.config.targets.map((spec) => resolveTargetSpec(spec)));

  tf.enableProdMode();
  const dataset = await loadBuiltinDataset(datasetId, nodeReader());
  const { architecture } = trial;
  const started = await startCliBackend(backend, { input: architecture.input, classes: architecture.classes, batchSize: trainingRecipe.batchSize });
  const network = Network.create(architecture);
  try {
    try {
      network.setWeights(weights.ops);
    } catch (error) {
      throw new CliError(`${weightsPath}: the weights do not fit trial "${trial.id}"'s architecture (${(error as Error).message})`);
    }
    const result = await exportNetwork(network, dataset, {
      target: choice.target,
      seed: trial.hyperparameters.seed,
      source: { dataset: datasetId, study: doc.study.id, trial: trial.id },
      samples,
      createdBy: `sparse-search-playground npm run export (tfjs ${tf.version.tfjs}, ${started.backend})`,
    });
    writeBundle(result, values.out, '--out');
    return `${exportSummary(result, values.out, choice.note)}\n`;
  } finally {
    network.dispose();
  }
}
