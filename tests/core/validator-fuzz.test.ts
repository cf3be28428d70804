/**
 * A seeded fuzz pass over every validator of untrusted input (issue 14). Each starts from a valid
 * document of its kind and is given mutated copies: a field deleted, a wrong type, NaN- and
 * Infinity-like values, negative and huge numbers, 2^53 + 1, lists nested 10,000 deep, very long
 * strings, `__proto__` and `constructor` keys, repeated entries, and for the readers of files also
 * truncated text, random bytes and a byte-order mark. Every answer must be a parse or one of the
 * project's own errors whose message names where the problem is: never a TypeError, a RangeError, a
 * stack overflow or a hang. The tally is logged for the report.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/core/rng.ts';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { defaultSearchSpace, parseSearchSpace } from '../../src/core/search-space.ts';
import { defaultPruningSpace, parsePruningSpace } from '../../src/core/search/pruning-space.ts';
import { parseTargetSpec } from '../../src/core/targets.ts';
import { FieldError } from '../../src/core/untrusted.ts';
import { studyConfigAt } from '../../src/contracts/study-config-json.ts';
import { StudyDocumentError, parseStudyDocument, serializeStudyDocument } from '../../src/contracts/study-document.ts';
import { checkStudyConfig, checkStudyTrial } from '../../src/contracts/study-records.ts';
import type { StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { WeightsFileError, parseWeightsFile, serializeWeightsFile } from '../../src/contracts/weights-file.ts';
import { DatasetError } from '../../src/data/errors.ts';
import { parseManifest } from '../../src/data/manifest.ts';
import { config, customTarget, documentOf, trials } from '../contracts/study-fixture.ts';

// ---------------------------------------------------------------------------------------------
// Mutations. A mutated document is written as JSON text and read back with JSON.parse, as every
// real input is: so "__proto__" is an own key, 9007199254740993 reaches the validator as …992, and
// a list 10,000 deep exists (JSON.stringify could not write it, so it is spliced in as text).
// ---------------------------------------------------------------------------------------------

/** Keys that no validator may keep (src/core/untrusted.ts refuses them). */
const forbiddenKeys: readonly string[] = ['__proto__', 'constructor', 'prototype'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Raw JSON spliced in where a placeholder string stands. */
const fragments: readonly string[] = [
  '9007199254740993',
  '-9007199254740993',
  '1e20',
  '1e400',
  '-1e400',
  '-1',
  '-0.5',
  '0',
  '0.5',
  '1e-300',
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e999"',
  'null',
  'true',
  '""',
  '"12"',
  '[]',
  '{}',
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  JSON.stringify('x'.repeat(200_000)),
  JSON.stringify('\u0000\u001f\u202e<script>'),
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '[{"__proto__":[]}]',
];
const fragmentMark = '\u0001fragment:';
/** A key renamed in the text, so that the parsed object holds it as an own field. */
const keyMark = '\u0001key:';

type Path = (string | number)[];

/** Every path to a value inside `value` (the root included), iteratively. */
function pathsOf(value: Json): Path[] {
  const found: Path[] = [];
  const pending: { value: Json; path: Path }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    found.push(path);
    if (Array.isArray(current)) current.forEach((item, i) => pending.push({ value: item, path: [...path, i] }));
    else if (current !== null && typeof current === 'object') for (const [key, item] of Object.entries(current)) pending.push({ value: item, path: [...path, key] });
  }
  return found;
}

const at = (root: Json, path: Path): Json => path.reduce<Json>((node, key) => (node as Record<string, Json>)[key as string]!, root);

/** One mutation of a deep copy of `valid`, as JSON text. */
function mutate(valid: Json, rng: Rng): { text: string; what: string } {
  const copy = JSON.parse(JSON.stringify(valid)) as Json;
  const paths = pathsOf(copy);
  const path = rng.pick(paths);
  const where = path.join('.') || '(root)';
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const parent = path.length === 0 ? undefined : (at(copy, parentPath) as Record<string | number, Json>);
  const set = (value: Json): Json => (parent === undefined ? value : ((parent[key!] = value), copy));
  let root = copy;
  let what: string;
  const kind = rng.int(0, 6);
  if (kind === 0 && parent !== undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key!];
    what = `delete ${where}`;
  } else if (kind === 1) {
    const index = rng.int(0, fragments.length - 1);
    root = set(`${fragmentMark}${index}`);
    what = `${where} = ${fragments[index]!.slice(0, 30)}`;
  } else if (kind === 2) {
    // A forbidden key beside the others, in an object on the path.
    const objects = paths.map((p) => at(copy, p)).filter((v): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v));
    const target = rng.pick(objects);
    const name = rng.pick(forbiddenKeys);
    target[`${keyMark}${name}`] = { polluted: true };
    what = `add key ${name}`;
  } else if (kind === 3) {
    // A repeated entry: the same trial, target, method or choice twice.
    const lists = paths.map((p) => at(copy, p)).filter((v): v is Json[] => Array.isArray(v) && v.length > 0);
    if (lists.length > 0) {
      const list = rng.pick(lists);
      list.push(JSON.parse(JSON.stringify(list[rng.int(0, list.length - 1)])) as Json);
      what = 'repeat an entry';
    } else {
      root = set(null);
      what = `${where} = null`;
    }
  } else if (kind === 4) {
    const index = rng.int(0, fragments.length - 1);
    const wrapped: Json = rng.chance(0.5) ? [`${fragmentMark}${index}`] : { value: `${fragmentMark}${index}` };
    root = set(wrapped);
    what = `${where} = wrapped ${fragments[index]!.slice(0, 30)}`;
  } else if (kind === 6) {
    // An unknown key of 50,000 characters: a message may name it, but only cut short.
    const objects = paths.map((p) => at(copy, p)).filter((v): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v));
    rng.pick(objects)[`${keyMark}${'k'.repeat(50_000)}`] = 1;
    what = 'add a key of 50,000 characters';
  } else {
    const value = at(copy, path);
    const swapped: Json = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.length : Array.isArray(value) ? { length: value.length } : value === null ? 0 : [value];
    root = set(swapped);
    what = `${where}: wrong type`;
  }
  const text = JSON.stringify(root)
    .replace(/"\\u0001fragment:(\d+)"/g, (_, index: string) => fragments[Number(index)]!)
    .replace(/"\\u0001key:([A-Za-z_]+)"/g, (_, name: string) => JSON.stringify(name));
  return { text, what };
}

/** Damage to the text itself, for the readers of files. */
function damageText(text: string, rng: Rng): { text: string; what: string } {
  switch (rng.int(0, 3)) {
    case 0: {
      const cut = rng.int(0, text.length - 1);
      return { text: text.slice(0, cut), what: `truncated at ${cut}` };
    }
    case 1:
      return { text: Array.from({ length: rng.int(0, 64) }, () => String.fromCharCode(rng.int(0, 255))).join(''), what: 'random bytes' };
    case 2:
      return { text: `\uFEFF${text}`, what: 'a byte-order mark' };
    default:
      return { text: `${text}${'\u0000'.repeat(rng.int(1, 4))}`, what: 'trailing NUL' };
  }
}

// ---------------------------------------------------------------------------------------------
// The validators and their valid documents
// ---------------------------------------------------------------------------------------------

const projectErrors = [FieldError, StudyDocumentError, WeightsFileError, DatasetError] as const;
type ProjectError = InstanceType<(typeof projectErrors)[number]>;
const isProjectError = (error: unknown): error is ProjectError => projectErrors.some((type) => error instanceof type);

interface Validator {
  readonly name: string;
  readonly valid: Json;
  /** Reads the text as the product does: JSON.parse then the validator, or the file reader itself. */
  readonly read: (text: string) => unknown;
  /** For the readers of files: the text is theirs, so damaged text is tried too. */
  readonly readsText: boolean;
  /**
   * Returns fields it does not check as they are, forbidden keys and 10,000-deep lists included:
   * counted apart as a finding, not a crash. Only the dataset manifest, the project's own file, whose parser
   * (src/data/manifest.ts) checks only the fields the loaders rely on.
   */
  readonly keepsUncheckedFields?: true;
}

const plain = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;
const readJson = (file: string): Json => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as Json;

const weightsText = serializeWeightsFile({
  trialId: 'trial-1',
  studyId: 'study-1',
  ops: [
    { name: 'conv2d', kind: 'conv', kernelShape: [3, 3, 1, 2], kernel: new Float32Array(18).fill(0.5), bias: new Float32Array(2), mask: new Float32Array(18).fill(1), logSigma2: null },
    { name: 'dense', kind: 'dense', kernelShape: [4, 3], kernel: new Float32Array(12).fill(-0.25), bias: new Float32Array(3), mask: null, logSigma2: null },
  ],
});
const manifestText = readFileSync(new URL('../../static-datasets/manifest.json', import.meta.url), 'utf8');
const { studyId: _studyId, ...storedTrialFields } = trials[3]!;

const validators: readonly Validator[] = [
  { name: 'architecture (lenet-mnist)', valid: readJson('../../examples/lenet-mnist.json'), read: (t) => parseArchitecture(JSON.parse(t)), readsText: false },
  { name: 'architecture (with a keep mask)', valid: plain(trials[3]!.architecture), read: (t) => parseArchitecture(JSON.parse(t)), readsText: false },
  { name: 'search space', valid: plain(defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10)), read: (t) => parseSearchSpace(JSON.parse(t)), readsText: false },
  { name: 'pruning space', valid: plain(defaultPruningSpace), read: (t) => parsePruningSpace(JSON.parse(t)), readsText: false },
  { name: 'custom target', valid: plain(customTarget), read: (t) => parseTargetSpec(JSON.parse(t)), readsText: false },
  { name: 'preset with a reserve', valid: { id: 'arduino-uno', reserve: { sramBytes: 512, flashBytes: 4096 } }, read: (t) => parseTargetSpec(JSON.parse(t)), readsText: false },
  { name: 'study config', valid: plain(config), read: (t) => studyConfigAt(JSON.parse(t), 'config'), readsText: false },
  { name: 'stored study config', valid: plain(config), read: (t) => checkStudyConfig(JSON.parse(t) as StudyConfig), readsText: false },
  {
    name: 'stored study trial',
    valid: plain({ studyId: trials[3]!.studyId, ...storedTrialFields }),
    read: (t) => checkStudyTrial(JSON.parse(t) as StudyTrial, config),
    readsText: false,
  },
  { name: 'study document', valid: JSON.parse(serializeStudyDocument(documentOf())) as Json, read: (t) => parseStudyDocument(t, 'study.json'), readsText: true },
  { name: 'weights file', valid: JSON.parse(weightsText) as Json, read: (t) => parseWeightsFile(t, 'trial-1.json'), readsText: true },
  { name: 'dataset manifest', valid: JSON.parse(manifestText) as Json, read: (t) => parseManifest(new TextEncoder().encode(t)), readsText: true, keepsUncheckedFields: true },
];

// ---------------------------------------------------------------------------------------------
// The pass
// ---------------------------------------------------------------------------------------------

/** Far above what one parse takes here; a validator that loops would blow it. */
const perInputMs = 3000;

/** The first object inside `value` with a forbidden own key, as a path; iterative. */
function forbiddenKeyIn(value: unknown): string | undefined {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (typeof current !== 'object' || current === null || ArrayBuffer.isView(current)) continue;
    for (const [key, item] of Object.entries(current)) {
      if (forbiddenKeys.includes(key)) return `${path}.${key}`;
      pending.push({ value: item, path: `${path}.${key}` });
    }
  }
  return undefined;
}

const maxMessageLength = 1000;

/** What is wrong with how `error` was reported, or undefined when it is a clear error of ours. */
function unclear(error: unknown): string | undefined {
  if (!isProjectError(error)) return `${error instanceof Error ? error.name : typeof error}: ${String(error instanceof Error ? error.message : error).slice(0, 200)}`;
  const { message } = error;
  if (message.trim() === '' || /undefined|\[object /.test(message)) return `an unclear message: ${message.slice(0, 200)}`;
  // A message quotes what it refuses, cut short: never a 200,000-character string.
  if (message.length > maxMessageLength) return `a message of ${message.length} characters: ${message.slice(0, 200)}…`;
  if (error instanceof FieldError && !message.includes(error.path)) return `the message does not name its path ${error.path}: ${message.slice(0, 200)}`;
  if (error instanceof StudyDocumentError && !message.startsWith(`${error.fileName}: ${error.path}`)) return `the message does not name the file and path: ${message.slice(0, 200)}`;
  if (error instanceof WeightsFileError && !message.startsWith(`${error.fileName}: `)) return `the message does not name the file: ${message.slice(0, 200)}`;
  if (error instanceof DatasetError && !message.includes(error.file)) return `the message does not name the file: ${message.slice(0, 200)}`;
  return undefined;
}

const tally = { inputs: 0, accepted: 0, clearErrors: 0, crashes: 0, keptUncheckedFlaws: 0 };
const crashes: string[] = [];
const findings: string[] = [];

describe('every validator of untrusted input, fuzzed (issue 14)', () => {
  it.each(validators)('$name: each mutation is accepted or refused in words, never a crash or a hang', (validator) => {
    const rng = createRng(`validator-fuzz:${validator.name}`);
    // The valid document itself first, and with a byte-order mark where the reader takes text.
    const inputs: { text: string; what: string }[] = [{ text: JSON.stringify(validator.valid), what: 'the valid document' }];
    for (let i = 0; i < 50; i++) inputs.push(mutate(validator.valid, rng));
    if (validator.readsText) for (let i = 0; i < 10; i++) inputs.push(damageText(JSON.stringify(validator.valid), rng));
    expect(() => validator.read(inputs[0]!.text)).not.toThrow();

    for (const { text, what } of inputs) {
      tally.inputs++;
      const started = performance.now();
      let problem: string | undefined;
      try {
        const result = validator.read(text);
        const kept = forbiddenKeyIn(result);
        const unwritable = (() => {
          try {
            JSON.stringify(result);
            return undefined;
          } catch (error) {
            return String(error);
          }
        })();
        const flaw = kept !== undefined ? `kept the key ${kept}` : unwritable !== undefined ? `kept a value JSON.stringify cannot write (${unwritable})` : undefined;
        if (flaw === undefined) tally.accepted++;
        else if (validator.keepsUncheckedFields) {
          tally.keptUncheckedFlaws++;
          findings.push(`${validator.name}, ${what}: accepted, and ${flaw}`);
        } else problem = `accepted, and ${flaw}`;
      } catch (error) {
        problem = unclear(error);
        if (problem === undefined) tally.clearErrors++;
      }
      const elapsed = performance.now() - started;
      if (problem === undefined && elapsed > perInputMs) problem = `took ${Math.round(elapsed)} ms`;
      if (problem !== undefined) {
        tally.crashes++;
        crashes.push(`${validator.name}, ${what}: ${problem}`);
      }
    }
  }, 60_000);

  it('refuses inputs the random pass may miss, in words', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const weights = JSON.parse(weightsText) as Record<string, unknown>;
    // JSON.stringify of the refused value overflowed the stack.
    const deepFormat = JSON.stringify({ ...weights, format: '\u0001' }).replace('"\\u0001"', deep);
    expect(() => parseWeightsFile(deepFormat, 'w.json')).toThrow('w.json: format: must be "sparse-search-playground/trial-weights", got a list');
    const longFormat = JSON.stringify({ ...weights, format: 'x'.repeat(100_000) });
    expect(() => parseWeightsFile(longFormat, 'w.json')).toThrow(/^w\.json: format: must be .*, got "x{59}…$/);
    expect(() => parseWeightsFile(longFormat, 'w.json')).not.toThrow(/x{100}/);
  });

  it('reports the tally, with no crash', () => {
    console.log(`validator fuzz: ${JSON.stringify(tally)}`);
    if (crashes.length > 0) console.log(`crashes:\n${crashes.join('\n')}`);
    if (findings.length > 0) console.log(`findings:\n${findings.join('\n')}`);
    expect(tally.inputs).toBeGreaterThanOrEqual(150);
    expect(crashes).toEqual([]);
    expect(tally.crashes).toBe(0);
  });
});
