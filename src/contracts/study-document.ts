/**
 * The shareable study document (issue 4, DESIGN.md §6): its validator for untrusted files, its
 * stable serialisation and its builder. Import reads every field and rebuilds the document from
 * what it checked, so nothing unchecked gets through; export runs the same checks, so the
 * playground never writes a file that it would refuse to read back.
 */
import { type Study, type StudyDocument, type StudyTrial, statusReasonMaxLength } from './study.ts';
import { studyConfigAt, studyLimits } from './study-config-json.ts';
import { type DocumentTrial, documentTrialAt } from './study-trial-json.ts';
import { FieldError, childPath, choiceAt, describe, firstRepeat, idAt, isRecord, isoTimeAt, itemPath, listAt, objectAt, rethrowFieldErrors, textAt } from '../core/untrusted.ts';
import { formatCount } from '../core/units.ts';

export const studyDocumentSchemaVersion = 1;
export const studyDocumentKind = 'sparse-search-study';
/** What `study.status` may say (optional, added within schema version 1; 'failed' and `statusReason` later). */
const documentStatuses = ['completed', 'stopped', 'failed'] as const;
/** The statuses an export writes: how a study ended. A stopped or running one is imported as 'stopped' anyway. */
const writtenStatuses: readonly string[] = ['completed', 'failed'];


/** 50 MB (1 MB = 1,048,576 bytes): far above any real study, low enough to parse in a tab. */
export const maxStudyDocumentBytes = 50 * 1024 * 1024;

/** A study document that cannot be read: names the file, the JSON path of the first problem and why. */
export class StudyDocumentError extends Error {
  override readonly name = 'StudyDocumentError';
  constructor(
    readonly fileName: string,
    /** JSON path of the first problem (`trials[3].metrics.testAccuracy`); empty for the whole file. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? `${fileName}: ${reason}` : `${fileName}: ${path}: ${reason}`);
  }
}

export type StudyEnvironment = StudyDocument['environment'];

/** Throws unless a file of `bytes` bytes may be a study document; call it on a File's size before reading it. */
export function checkStudyDocumentSize(bytes: number, fileName: string): void {
  if (bytes > maxStudyDocumentBytes) {
    throw new StudyDocumentError(
      fileName,
      '',
      `is ${formatCount(bytes)} bytes; a study document may be at most 50 MB (${formatCount(maxStudyDocumentBytes)} bytes)`,
    );
  }
}

/** UTF-8 size of `text`, without encoding it (a copy of up to 50 MB for a number). */
function utf8Bytes(text: string): number {
  // Every UTF-16 code unit takes 1 to 3 bytes, and a surrogate pair 4: count only when it matters.
  if (text.length * 3 <= maxStudyDocumentBytes) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function documentAt(value: unknown): StudyDocument {
  if (!isRecord(value)) throw new FieldError('', `must be a JSON object (a study export), got ${describe(value)}`);
  // Version and kind first: a newer file should say so rather than fail on a field added later.
  const version = value.schemaVersion;
  if (version === undefined) throw new FieldError('schemaVersion', 'is missing; this is not a study export of the playground');
  if (typeof version === 'number' && Number.isInteger(version) && version > studyDocumentSchemaVersion) {
    throw new FieldError('schemaVersion', `is ${version}, from a newer version of the playground; this one reads version ${studyDocumentSchemaVersion}`);
  }
  if (version !== studyDocumentSchemaVersion) throw new FieldError('schemaVersion', `must be ${studyDocumentSchemaVersion}, got ${describe(version)}`);
  if (value.kind !== studyDocumentKind) {
    throw new FieldError('kind', `must be "${studyDocumentKind}", got ${describe(value.kind)}; this is not a study export of the playground`);
  }
  const root = objectAt(value, '', 'a study document', ['schemaVersion', 'kind', 'study', 'trials', 'paretoFront', 'environment']);

  const studyRecord = objectAt(root.study, 'study', 'the study', ['id', 'createdAt', 'config'], ['status', 'statusReason']);
  const id = idAt(studyRecord.id, 'study.id');
  const createdAt = isoTimeAt(studyRecord.createdAt, 'study.createdAt');
  const { config, targetIds } = studyConfigAt(studyRecord.config, 'study.config');
  const status = studyRecord.status === undefined ? undefined : choiceAt(studyRecord.status, 'study.status', documentStatuses);
  if (studyRecord.statusReason !== undefined && status === undefined) {
    throw new FieldError('study.statusReason', 'says why a study ended, and this one has no status; a statusReason comes with a status');
  }
  const statusReason =
    studyRecord.statusReason === undefined ? undefined : textAt(studyRecord.statusReason, 'study.statusReason', { maxLength: statusReasonMaxLength, multiline: true });

  const trials: DocumentTrial[] = [];
  const byId = new Map<string, number>();
  const byIndex = new Map<number, number>();
  listAt(root.trials, 'trials', studyLimits.trials, 'a list of trials').forEach((item, position) => {
    const path = itemPath('trials', position);
    const trial = documentTrialAt(item, path, config.searchSpace, targetIds);
    const sameId = byId.get(trial.id);
    if (sameId !== undefined) throw new FieldError(`${path}.id`, `"${trial.id}" is also the id of trials[${sameId}]; trial ids must be unique`);
    const sameIndex = byIndex.get(trial.index);
    if (sameIndex !== undefined) throw new FieldError(`${path}.index`, `${trial.index} is also the index of trials[${sameIndex}]; each trial has its own index`);
    byId.set(trial.id, position);
    byIndex.set(trial.index, position);
    trials.push(trial);
  });

  const paretoFront = listAt(root.paretoFront, 'paretoFront', studyLimits.trials, 'a list of trial ids').map((item, position) => {
    const path = itemPath('paretoFront', position);
    const trialId = idAt(item, path);
    const trial = trials[byId.get(trialId) ?? -1];
    if (trial === undefined) throw new FieldError(path, `"${trialId}" is not the id of a trial in this document`);
    if (trial.status !== 'completed') {
      throw new FieldError(path, `trial "${trialId}" is "${trial.status}"; only completed trials can be on the Pareto front`);
    }
    return trialId;
  });
  const repeated = firstRepeat(paretoFront);
  if (repeated >= 0) throw new FieldError(itemPath('paretoFront', repeated), `"${paretoFront[repeated]}" is listed twice`);

  const environmentRecord = objectAt(root.environment, 'environment', 'the environment', ['tfjsVersion', 'backend', 'userAgent']);
  const environment: StudyEnvironment = {
    tfjsVersion: textAt(environmentRecord.tfjsVersion, childPath('environment', 'tfjsVersion'), { maxLength: 64 }),
    backend: textAt(environmentRecord.backend, childPath('environment', 'backend'), { maxLength: 64 }),
    userAgent: textAt(environmentRecord.userAgent, childPath('environment', 'userAgent'), { maxLength: 1000 }),
  };
  return {
    schemaVersion: studyDocumentSchemaVersion,
    kind: studyDocumentKind,
    study: { id, createdAt, config, ...(status !== undefined ? { status } : {}), ...(statusReason !== undefined ? { statusReason } : {}) },
    trials,
    paretoFront,
    environment,
  };
}

/**
 * Checks an already parsed value as a study document and returns a fresh copy built from the
 * checked fields, in the schema's key order. Throws a StudyDocumentError naming the first problem.
 */
export function validateStudyDocument(value: unknown, fileName: string): StudyDocument {
  return rethrowFieldErrors(() => documentAt(value), (error) => new StudyDocumentError(fileName, error.path, error.reason));
}

/**
 * Reads an untrusted study file. `fileName` is how the user knows the file; every message starts
 * with it, e.g. `study.json: trials[3].metrics.testAccuracy: must be a number from 0 to 1, got 1.5`.
 */
export function parseStudyDocument(text: string, fileName: string): StudyDocument {
  checkStudyDocumentSize(utf8Bytes(text), fileName);
  let value: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new StudyDocumentError(fileName, '', `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return validateStudyDocument(value, fileName);
}

/** Pretty JSON with a fixed key order and a final newline: the same document gives the same text. */
export function serializeStudyDocument(doc: StudyDocument): string {
  return `${JSON.stringify(validateStudyDocument(doc, 'the study export'), null, 2)}\n`;
}

/**
 * The document of a study: its trials in order of proposal (without their studyId), the ids on its
 * Pareto front, and where it ran. Throws a StudyDocumentError if any of it would not read back.
 */
export function buildStudyDocument(study: Study, trials: readonly StudyTrial[], paretoFront: readonly string[], environment: StudyEnvironment): StudyDocument {
  const foreign = trials.findIndex((trial) => trial.studyId !== study.id);
  if (foreign >= 0) {
    throw new StudyDocumentError('the study export', itemPath('trials', foreign), `belongs to study "${trials[foreign]!.studyId}", not to "${study.id}"`);
  }
  const ordered = [...trials].sort((a, b) => a.index - b.index).map(({ studyId: _studyId, ...trial }) => trial);
  return validateStudyDocument(
    {
      schemaVersion: studyDocumentSchemaVersion,
      kind: studyDocumentKind,
      // Only a study that ended (completed or failed) says so, and why: an import of one stopped or
      // still running is 'stopped' anyway.
      study: {
        id: study.id,
        createdAt: study.createdAt,
        config: study.config,
        ...(writtenStatuses.includes(study.status) ? { status: study.status, ...(study.statusReason !== undefined ? { statusReason: study.statusReason } : {}) } : {}),
      },
      trials: ordered,
      paretoFront,
      environment,
    },
    'the study export',
  );
}
