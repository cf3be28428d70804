/** Seeded stratified splits, and building a Dataset out of parsed user data. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { classCounts } from '../../src/data/image-set.ts';
import { importDataset } from '../../src/data/import-dataset.ts';
import { splitCounts, splitImageSet, stratifiedOrder } from '../../src/data/split.ts';
import { imageSet } from './fixtures.ts';

/** 100 images, 70 of class 0 and 30 of class 1; pixel value = image index, so images can be traced. */
const labels = Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 1));
const pool = imageSet(1, 1, 1, labels, (n) => n);

describe('stratifiedOrder', () => {
  it('is a permutation in which every prefix holds each class in its share, to within one image', () => {
    const order = stratifiedOrder(pool.labels, createRng(1));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    let ones = 0;
    order.forEach((index, i) => {
      ones += pool.labels[index]!;
      expect(Math.abs(ones - 0.3 * (i + 1))).toBeLessThanOrEqual(1);
    });
  });

  it('depends on the seed only', () => {
    expect(stratifiedOrder(pool.labels, createRng('a'))).toEqual(stratifiedOrder(pool.labels, createRng('a')));
    expect(stratifiedOrder(pool.labels, createRng('a'))).not.toEqual(stratifiedOrder(pool.labels, createRng('b')));
  });
});

describe('splitImageSet', () => {
  it('splits into disjoint, stratified train, validation and test sets of the rounded shares', () => {
    const { train, validation, test } = splitImageSet(pool, { validation: 0.1, test: 0.2 }, 7);
    expect([train.count, validation.count, test.count]).toEqual([70, 10, 20]);
    expect(classCounts(test.labels, 2)).toEqual([14, 6]);
    expect(classCounts(validation.labels, 2)).toEqual([7, 3]);
    const all = [...train.images, ...validation.images, ...test.images].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Each image keeps its own label.
    for (const set of [train, validation, test]) set.images.forEach((id, i) => expect(set.labels[i]).toBe(labels[id]));
  });

  it('gives the same splits for the same seed', () => {
    expect(splitImageSet(pool, { validation: 0.1, test: 0.2 }, 'x')).toEqual(splitImageSet(pool, { validation: 0.1, test: 0.2 }, 'x'));
  });

  it('refuses shares that leave nothing to train on', () => {
    expect(() => splitCounts(3, { validation: 0.5, test: 0.5 })).toThrow(
      'With 3 images, a validation share of 0.5 and a test share of 0.5 leave none to train on; lower the shares or add images.',
    );
    expect(() => splitCounts(3, { validation: 1, test: 0 })).toThrow('The validation share must be from 0 to less than 1, got 1.');
  });
});

describe('importDataset', () => {
  it('takes validation and test out of one pool, with class names 0 … k − 1 by default', () => {
    const dataset = importDataset({ train: pool }, { id: 'mine', name: 'Mine', validation: 0.1, test: 0.2, seed: 3 });
    expect([dataset.id, dataset.name, dataset.classNames]).toEqual(['mine', 'Mine', ['0', '1']]);
    expect([dataset.train.count, dataset.validation.count, dataset.test.count]).toEqual([70, 10, 20]);
  });

  it('keeps a given test set and takes validation out of the training data', () => {
    const test = imageSet(1, 1, 1, [1, 0], (n) => 200 + n);
    const dataset = importDataset({ train: pool, test }, { id: 'm', name: 'M', classNames: ['no', 'yes'], validation: 0.2, seed: 3 });
    expect([dataset.train.count, dataset.validation.count]).toEqual([80, 20]);
    expect(dataset.test).toEqual(test);
    expect(() => importDataset({ train: pool, test }, { id: 'm', name: 'M', validation: 0.2, test: 0.1, seed: 3 })).toThrow(
      'The data has its own test set, so no test share can be taken; leave the test share out.',
    );
  });

  it('applies class selection and resizing before splitting', () => {
    const dataset = importDataset({ train: imageSet(2, 2, 1, [0, 1, 2, 2, 1, 0], (n) => n) }, { id: 'm', name: 'M', classes: [2, 1], resize: { height: 1, width: 1 }, validation: 0.25, seed: 1 });
    expect(dataset.classNames).toEqual(['2', '1']);
    expect([dataset.train.count + dataset.validation.count, dataset.train.height]).toEqual([4, 1]);
  });

  it('asks for a name for every class', () => {
    expect(() => importDataset({ train: pool }, { id: 'm', name: 'M', classNames: ['only'], validation: 0.1, seed: 1 })).toThrow(
      'The train data has label 1, but only 1 class names are given; give a name for every class.',
    );
  });
});
