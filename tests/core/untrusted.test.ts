import { describe as group, expect, it } from 'vitest';
import { ArchitectureError } from '../../src/core/architecture.ts';
import { PruningSpaceError } from '../../src/core/search/pruning-space.ts';
import { SearchSpaceError, defaultSearchSpace, parseSearchSpace } from '../../src/core/search-space.ts';
import { TargetError, parseCustomTarget } from '../../src/core/targets.ts';
import {
  FieldError,
  type Wording,
  booleanAt,
  checkDepth,
  childPath,
  choiceAt,
  countAt,
  describeJson,
  documentWording,
  expectAt,
  firstRepeat,
  fractionBelowOneAt,
  idAt,
  integerAt,
  isoTimeAt,
  itemPath,
  knownFieldsAt,
  listAt,
  mustBe,
  nonNegativeAt,
  numberAt,
  objectAt,
  patternAt,
  positiveNumberAt,
  rangeAt,
  recordAt,
  rethrowFieldErrors,
  seedAt,
  textAt,
  unknownField,
} from '../../src/core/untrusted.ts';

/** The message of what `read` throws; fails when it throws nothing or not a FieldError. */
function messageOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return (error as FieldError).message;
  }
  throw new Error('expected a FieldError, but nothing was thrown');
}

group('FieldError', () => {
  it('puts the path before the reason, and only the reason at the root', () => {
    const error = new FieldError('trials[3].index', 'must be an integer from 0 to 9, got -1');
    expect([error.name, error.path, error.reason, error.message]).toEqual([
      'FieldError',
      'trials[3].index',
      'must be an integer from 0 to 9, got -1',
      'trials[3].index: must be an integer from 0 to 9, got -1',
    ]);
    expect(new FieldError('', 'is not valid JSON').message).toBe('is not valid JSON');
  });

  it('is the class of every parser error, which keeps its old name and field names', () => {
    const space = new SearchSpaceError('searchSpace.kernels', 'r');
    const pruning = new PruningSpaceError('pruning.methods', 'r');
    const architecture = new ArchitectureError('layers[2] (conv)', 'r', 2);
    for (const error of [space, pruning, architecture]) expect(error).toBeInstanceOf(FieldError);
    expect([space.name, space.field, space.message]).toEqual(['SearchSpaceError', 'searchSpace.kernels', 'searchSpace.kernels: r']);
    expect([pruning.name, pruning.field]).toEqual(['PruningSpaceError', 'pruning.methods']);
    expect([architecture.name, architecture.where, architecture.layerIndex, architecture.message]).toEqual(['ArchitectureError', 'layers[2] (conv)', 2, 'layers[2] (conv): r']);
  });

  it('quotes the field first in a target error, as the setup form expects', () => {
    const error = new TargetError('reserve.sramBytes', '(4096) leaves no SRAM');
    expect(error).toBeInstanceOf(FieldError);
    expect([error.name, error.path, error.reason, error.message]).toEqual(['TargetError', 'reserve.sramBytes', '(4096) leaves no SRAM', '"reserve.sramBytes" (4096) leaves no SRAM']);
    expect(new TargetError('', 'a target must be a JSON object').message).toBe('a target must be a JSON object');
  });
});

group('paths', () => {
  it('joins keys and items, quoting keys that are not identifiers', () => {
    expect(childPath('', 'study')).toBe('study');
    expect(childPath('study', 'config')).toBe('study.config');
    expect(childPath('study', 'odd key')).toBe('study["odd key"]');
    expect(childPath('x', 'k-'.repeat(25))).toBe(`x["${'k-'.repeat(20)}…"]`);
    expect(itemPath('trials', 3)).toBe('trials[3]');
  });
});

group('wording', () => {
  const core: Wording = { describe: describeJson, namesMissing: false, oneOf: true, error: SearchSpaceError };

  it('says "is missing" for an absent value in the document wording, "got nothing" otherwise', () => {
    expect(mustBe('an integer from 1 to 3', undefined)).toBe('is missing; it must be an integer from 1 to 3');
    expect(mustBe('an integer from 1 to 3', [1, 2])).toBe('must be an integer from 1 to 3, got a list');
    expect(mustBe('an integer from 1 to 3', undefined, core)).toBe('must be an integer from 1 to 3, got nothing');
    expect(mustBe('an integer from 1 to 3', [1, 2], core)).toBe('must be an integer from 1 to 3, got [1,2]');
  });

  it('throws the wording’s own error class', () => {
    let thrown: unknown;
    try {
      integerAt(0, 'searchSpace.classes', 2, 10, core);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SearchSpaceError);
    expect((thrown as SearchSpaceError).message).toBe('searchSpace.classes: must be an integer from 2 to 10, got 0');
  });

  it('lists the known fields with or without "one of"', () => {
    expect(messageOf(() => knownFieldsAt({ a: 1, b: 2 }, 'x', ['a'], 'a thing'))).toBe('x.b: is not a field of a thing; expected a');
    expect(messageOf(() => knownFieldsAt({ b: 2 }, 'x', ['a', 'c'], 'the search space', core))).toBe('x.b: is not a field of the search space; expected one of a, c');
    expect(unknownField({ a: 1, b: 2 }, ['a', 'b'])).toBeUndefined();
  });
});

group('readers', () => {
  it('return the value they accept', () => {
    expect(objectAt({ a: 1 }, 'x', 'a thing', ['a'], ['b'])).toEqual({ a: 1 });
    expect(listAt([1, 2], 'x', 2)).toEqual([1, 2]);
    expect(numberAt(0.5, 'x', 0, 1)).toBe(0.5);
    expect(fractionBelowOneAt(0, 'x')).toBe(0);
    expect(positiveNumberAt(10, 'x', 10)).toBe(10);
    expect(integerAt(3, 'x', 3, 3)).toBe(3);
    expect(countAt(Number.MAX_SAFE_INTEGER, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(nonNegativeAt(0, 'x')).toBe(0);
    expect(seedAt(-7, 'x')).toBe(-7);
    expect(booleanAt(false, 'x')).toBe(false);
    expect(choiceAt('step', 'x', ['cosine', 'step'])).toBe('step');
    expect(patternAt('ab', 'x', /^[a-z]+$/, 'letters')).toBe('ab');
    expect(textAt('two\nlines', 'x', { maxLength: 9, multiline: true })).toBe('two\nlines');
    expect(idAt('study-1.a:b_c', 'x')).toBe('study-1.a:b_c');
    expect(isoTimeAt('2026-11-05T09:30:00.000Z', 'x')).toBe('2026-11-05T09:30:00.000Z');
    expect(recordAt({}, 'x', 'an object')).toEqual({});
    expect(expectAt('a', 'x', (v): v is string => typeof v === 'string', 'text')).toBe('a');
    expect(rangeAt({ min: 1, max: 1 }, 'x', (v, p) => integerAt(v, p, 0, 5))).toEqual({ min: 1, max: 1 });
  });

  it.each<[string, () => unknown, string]>([
    ['objectAt, not an object', () => objectAt([], 'study', 'the study', ['id']), 'study: must be an object (the study), got a list'],
    ['objectAt, missing', () => objectAt(undefined, 'study', 'the study', ['id']), 'study: is missing; it must be an object (the study)'],
    ['objectAt, an unknown field', () => objectAt({ id: 1, colour: 2 }, 'study', 'the study', ['id'], ['name']), 'study.colour: is not a field of the study; expected id, name'],
    ['listAt, not a list', () => listAt('x', 'trials', 3, 'a list of trials'), 'trials: must be a list of trials, got "x"'],
    ['listAt, too long', () => listAt([1, 2, 3, 4], 'trials', 3), 'trials: has 4 entries; at most 3 are allowed'],
    ['numberAt, out of range', () => numberAt(1.5, 'accuracy', 0, 1), 'accuracy: must be a number from 0 to 1, got 1.5'],
    ['numberAt, not finite', () => numberAt(Infinity, 'accuracy', 0, Infinity), 'accuracy: must be a number from 0 to Infinity, got Infinity'],
    ['fractionBelowOneAt, 1', () => fractionBelowOneAt(1, 'sparsity'), 'sparsity: must be a number at least 0 and below 1, got 1'],
    ['positiveNumberAt, 0', () => positiveNumberAt(0, 'learningRate', 10), 'learningRate: must be a number above 0 and at most 10, got 0'],
    ['integerAt, a fraction', () => integerAt(2.5, 'epochs', 1, 10), 'epochs: must be an integer from 1 to 10, got 2.5'],
    ['integerAt, text', () => integerAt('3', 'epochs', 1, 10), 'epochs: must be an integer from 1 to 10, got "3"'],
    ['countAt, negative', () => countAt(-5, 'bytes', 'bytes'), 'bytes: must be a whole number of bytes (0 or more), got -5'],
    // JSON.parse reads 9007199254740993 as …992: the message must not print digits the file never had.
    ['countAt, unsafe', () => countAt(JSON.parse('9007199254740993'), 'params'), 'params: must be a whole number (0 or more), got a number above 9,007,199,254,740,991, too large to hold exactly'],
    ['nonNegativeAt, NaN', () => nonNegativeAt(Number.NaN, 'rate'), 'rate: must be a finite number, 0 or more, got NaN'],
    ['seedAt, a fraction', () => seedAt(0.5, 'seed'), 'seed: must be a whole number (the seed), got 0.5'],
    ['booleanAt, text', () => booleanAt('true', 'earlyStopping'), 'earlyStopping: must be true or false, got "true"'],
    ['choiceAt, unknown', () => choiceAt('linear', 'schedule', ['cosine', 'step']), 'schedule: must be one of "cosine", "step", got "linear"'],
    ['patternAt, no match', () => patternAt('A b', 'dataset', /^[a-z]+$/, 'a dataset id'), 'dataset: must be a dataset id, got "A b"'],
    ['textAt, not text', () => textAt(3, 'name', { maxLength: 5 }), 'name: must be text, got 3'],
    ['textAt, empty', () => textAt('', 'name', { maxLength: 5 }), 'name: must not be empty'],
    ['textAt, too long', () => textAt('abcdef', 'name', { maxLength: 5 }), 'name: is 6 characters long; at most 5 are allowed'],
    ['textAt, a line break', () => textAt('a\nb', 'name', { maxLength: 5 }), 'name: contains the control character U+000A at position 1; only plain text is allowed'],
    ['idAt, a space', () => idAt('a b', 'id'), 'id: must be an id of 1 to 200 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit), got "a b"'],
    ['isoTimeAt, no zone', () => isoTimeAt('2026-11-05T09:30:00', 'createdAt'), 'createdAt: must be an ISO 8601 time such as "2026-11-05T09:30:00.000Z", got "2026-11-05T09:30:00"'],
    ['recordAt, null', () => recordAt(null, '', 'a JSON object'), 'must be a JSON object, got null'],
    ['rangeAt, min above max', () => rangeAt({ min: 3, max: 1 }, 'convLayers', (v, p) => integerAt(v, p, 0, 5)), 'convLayers: min (3) must not be greater than max (1)'],
    ['rangeAt, a bad max', () => rangeAt({ min: 3 }, 'convLayers', (v, p) => integerAt(v, p, 0, 5)), 'convLayers.max: is missing; it must be an integer from 0 to 5'],
    ['checkDepth', () => checkDepth({ a: [{ b: 1 }] }, 'x', 2), 'x.a[0]: is nested more than 2 levels deep'],
  ])('%s', (_, read, message) => {
    expect(messageOf(read)).toBe(message);
  });

  it('finds the first repeated entry of a list', () => {
    expect(firstRepeat([1, 2, 3])).toBe(-1);
    expect(firstRepeat(['a', 'b', 'a', 'b'])).toBe(2);
  });
});

group('rethrowFieldErrors', () => {
  it('wraps a FieldError, and lets other errors and results through', () => {
    const wrap = (error: FieldError) => new Error(`file.json: ${error.message}`);
    expect(() => rethrowFieldErrors(() => integerAt(0, 'a', 1, 2), wrap)).toThrow('file.json: a: must be an integer from 1 to 2, got 0');
    expect(() => rethrowFieldErrors(() => { throw new RangeError('other'); }, wrap)).toThrow(RangeError);
    expect(rethrowFieldErrors(() => 5, wrap)).toBe(5);
  });
});

group('the document wording is the default', () => {
  it('is FieldError with short descriptions', () => {
    expect(documentWording.error).toBe(FieldError);
    expect(documentWording.describe({ a: 1 })).toBe('an object');
  });
});

group('parseCustomTarget', () => {
  it('accepts only a core or runtime of its own tables, not an inherited name such as "toString"', () => {
    const board = { id: 'b', name: 'B', core: 'avr8', clockMhz: 8, sramBytes: 2048, flashBytes: 32_768 };
    expect(() => parseCustomTarget({ ...board, core: 'toString' })).toThrow('"core" must be one of avr8, cortex-m0, cortex-m0plus, cortex-m4f, cortex-m7, xtensa-lx6, got "toString"');
    expect(() => parseCustomTarget({ ...board, runtime: 'constructor' })).toThrow(/^"runtime" must be one of .*, got "constructor"$/);
  });
});

group('untrusted keys and numbers (issue 14)', () => {
  const forbidden = 'is a field name that is never accepted (it could change how JavaScript treats the object); remove it';

  it.each(['__proto__', 'constructor', 'prototype'])('recordAt refuses a field named %s (objectAt, as an unknown field)', (key) => {
    const record: unknown = JSON.parse(`{"id":1,"${key}":{"x":1}}`);
    expect(messageOf(() => recordAt(record, 'study', 'an object'))).toBe(`study.${key}: ${forbidden}`);
    expect(messageOf(() => objectAt(record, 'study', 'the study', ['id']))).toBe(`study.${key}: is not a field of the study; expected id`);
  });

  it('checkDepth refuses a forbidden key anywhere in a kept value, and a depth of 10,000 without a stack overflow', () => {
    expect(messageOf(() => checkDepth(JSON.parse('{"a":[{"__proto__":{}}]}'), 'x', 10))).toBe(`x.a[0].__proto__: ${forbidden}`);
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(messageOf(() => checkDepth(deep, 'x', 16))).toMatch(/is nested more than 16 levels deep$/);
  });

  it('integerAt refuses a whole number beyond 2^53 − 1 even when its own bound is larger', () => {
    expect(messageOf(() => integerAt(JSON.parse('9007199254740993'), 'n', 0, Number.MAX_VALUE))).toBe(
      `n: must be an integer from 0 to ${Number.MAX_VALUE}, got a number above 9,007,199,254,740,991, too large to hold exactly`,
    );
    expect(integerAt(Number.MAX_SAFE_INTEGER, 'n', 0, Number.MAX_VALUE)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('describeJson and childPath stay short whatever they are given', () => {
    // JSON.stringify overflowed the stack on a deep list, so parseSearchSpace threw a RangeError.
    const deep: unknown = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(describeJson(deep)).toBe('a list');
    expect(messageOf(() => parseSearchSpaceWith({ heads: ['flatten', deep] }))).toBe('searchSpace.heads: unknown head a list; expected one of "flatten", "globalAvgPool"');
    expect(childPath('a', 'k'.repeat(50_000))).toBe(`a["${'k'.repeat(40)}…"]`);
  });

  it('describeJson names a number beyond 2^53 − 1 in a list without its digits', () => {
    expect(describeJson(JSON.parse('[4, 1e20]'))).toBe('[4,"(above 9,007,199,254,740,991)"]');
    expect(describeJson(JSON.parse('[-1e20]'))).toBe('["(below −9,007,199,254,740,991)"]');
    expect(describeJson(JSON.parse('-1e20'))).toBe('a number below −9,007,199,254,740,991, too large to hold exactly');
  });
});

/** The default 8×8 space with some fields replaced, as parsed JSON. */
function parseSearchSpaceWith(fields: Record<string, unknown>): unknown {
  return parseSearchSpace({ ...JSON.parse(JSON.stringify(defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 10))), ...fields });
}
