import { describe, expect, it } from 'vitest';
import { confusionMatrix, matrixAccuracy, perClassAccuracy } from '../../src/core/confusion.ts';

describe('confusion matrix', () => {
  it('counts true classes in rows and predicted ones in columns', () => {
    // scikit-learn's documented example: confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]).
    const confusion = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3);
    expect(confusion).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(perClassAccuracy(confusion)).toEqual([1, 0, 2 / 3]);
    expect(matrixAccuracy(confusion)).toBe(4 / 6);
  });

  it('takes typed arrays, and leaves a class with no images without an accuracy', () => {
    const confusion = confusionMatrix(Uint8Array.of(0, 0, 1, 1, 1), Int32Array.of(0, 1, 1, 1, 0), 3);
    expect(confusion).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [0, 0, 0],
    ]);
    expect(perClassAccuracy(confusion)).toEqual([0.5, 2 / 3, undefined]);
    expect(matrixAccuracy(confusion)).toBe(3 / 5);
  });

  it('is all zeros with an accuracy of 0 for no images', () => {
    expect(confusionMatrix([], [], 2)).toEqual([[0, 0], [0, 0]]);
    expect(matrixAccuracy([[0, 0], [0, 0]])).toBe(0);
    expect(perClassAccuracy([[0, 0], [0, 0]])).toEqual([undefined, undefined]);
  });

  it('refuses, in words, a class out of range or a count that does not match', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow('confusion matrix: label 3 of image 1 is not one of the 3 classes (0 to 2)');
    expect(() => confusionMatrix([0, 1], [0, -1], 3)).toThrow('confusion matrix: prediction -1 of image 1 is not one of the 3 classes (0 to 2)');
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow('confusion matrix: 2 labels but 1 predictions; there must be one prediction per label');
    expect(() => confusionMatrix([], [], 0)).toThrow('confusion matrix: the number of classes must be a whole number of at least 1, got 0');
  });
});
