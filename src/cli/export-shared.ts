/**
 * `npm run export -- --storage postgres://… --study NAME --out S.json [--force]`: writes a shared
 * study (issue 15) as the usual study document, which the page imports and `npm run export --study
 * S.json --trial ID` turns into a microcontroller bundle: the weights of its Pareto front go to
 * S.weights/, as `npm run search --out` keeps them. A study still running is written as it stands
 * (its running trials as running, which an import reads as a stopped study).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paretoFrontIds } from '../contracts/study-objectives.ts';
import { buildStudyDocument, serializeStudyDocument } from '../contracts/study-document.ts';
import { serializeWeightsFile } from '../contracts/weights-file.ts';
import { messageOf } from '../core/error-message.ts';
import { PgStudyStore, redactUrl } from '../pg/store.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { CliError } from './common.ts';
import { weightsFolderOf } from './study-file.ts';

export interface SharedExportOptions {
  readonly storage: string;
  readonly study: string;
  readonly out: string;
  readonly force: boolean;
}

/** Writes the document and the front's weights; returns what the command prints. */
export async function exportSharedStudy(options: SharedExportOptions): Promise<string> {
  const { storage, study: name, out } = options;
  if (!/^postgres(?:ql)?:\/\//.test(storage)) throw new CliError(`--storage must be a PostgreSQL URL such as postgres://USER@HOST:5432/DATABASE, got "${redactUrl(storage)}"`, 2);
  if (existsSync(out)) {
    if (statSync(out).isDirectory()) throw new CliError(`--out "${out}" is a folder; with --storage, --out names the study file to write, e.g. "${join(out, 'study.json')}"`, 2);
    if (!options.force) throw new CliError(`"${out}" already exists; add --force to overwrite it (and ${weightsFolderOf(out)}/)`, 2);
  }
  let store: PgStudyStore;
  try {
    store = await PgStudyStore.open(storage);
  } catch (error) {
    throw new CliError(`cannot use the database ${messageOf(error)}`);
  }
  try {
    let study;
    try {
      study = await store.findStudy(name);
    } catch (error) {
      throw new CliError(messageOf(error));
    }
    if (!study) {
      const names = await store.studyNames().catch(() => []);
      throw new CliError(`the database has no study named "${name}"; ${names.length > 0 ? `its studies are ${names.map((n) => `"${n}"`).join(', ')}` : 'it holds no study yet'}`);
    }
    const trials = await store.listTrials(study.id);
    const front = paretoFrontIds(trials, study.config);
    const weights = await store.trialWeights(front);
    const backends = [...new Set(trials.flatMap((t) => (t.backend ? [t.backend.name] : [])))];
    const environment = {
      tfjsVersion: tf.version.tfjs,
      backend: backends.join(', ') || 'none',
      userAgent: `Node.js ${process.version} (${process.platform}), exported from PostgreSQL study "${name}"`,
    };
    let text: string;
    try {
      text = serializeStudyDocument(buildStudyDocument(study, trials, front, environment));
    } catch (error) {
      throw new CliError(`the study "${name}" cannot be written as a study document: ${messageOf(error)}`);
    }
    const folder = weightsFolderOf(out);
    try {
      if (weights.length > 0) mkdirSync(folder, { recursive: true });
      for (const w of weights) writeFileAtomic(join(folder, `${w.trialId}.json`), serializeWeightsFile(w));
      writeFileAtomic(out, text);
    } catch (error) {
      throw new CliError(`cannot write "${out}": ${messageOf(error)}`);
    }
    const count = (status: string): number => trials.filter((t) => t.status === status).length;
    return [
      `wrote the study "${name}" (${study.status}${study.statusReason ? `: ${study.statusReason}` : ''}) to ${out}: ${trials.length} trials (${count('completed')} completed, ${count('stopped')} stopped early, ${count('failed')} failed, ${count('skipped')} skipped, ${count('running')} running, ${count('queued')} queued)`,
      `the weights of its Pareto front (${weights.length} of ${front.length} trials) to ${folder}/`,
      '',
    ].join('\n');
  } finally {
    await store.close().catch(() => undefined);
  }
}
