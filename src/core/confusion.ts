/**
 * The confusion matrix of a classifier on a labelled set, and what the trial detail reads off it:
 * the accuracy of each class and of the whole set. Rows are the true class, columns the predicted
 * one (scikit-learn's `confusion_matrix` convention), so row c sums to the images of class c.
 */

/** counts[true][predicted] for `classes` classes; throws in words on a label or prediction out of range. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`confusion matrix: the number of classes must be a whole number of at least 1, got ${classes}`);
  if (labels.length !== predictions.length) {
    throw new Error(`confusion matrix: ${labels.length} labels but ${predictions.length} predictions; there must be one prediction per label`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const predicted = predictions[i]!;
    for (const [what, value] of [['label', label], ['prediction', predicted]] as const) {
      if (!Number.isInteger(value) || value < 0 || value >= classes) {
        throw new Error(`confusion matrix: ${what} ${value} of image ${i} is not one of the ${classes} classes (0 to ${classes - 1})`);
      }
    }
    counts[label]![predicted]! += 1;
  }
  return counts;
}

/**
 * The share of each class's images that were predicted as that class (its recall): the diagonal
 * over the row. A class with no images has no accuracy (undefined), rather than 0 or NaN.
 */
export function perClassAccuracy(confusion: readonly (readonly number[])[]): (number | undefined)[] {
  return confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? undefined : row[c]! / total;
  });
}

/** The share of all images on the diagonal; 0 for an empty matrix. */
export function matrixAccuracy(confusion: readonly (readonly number[])[]): number {
  let total = 0;
  let correct = 0;
  confusion.forEach((row, c) => {
    for (const n of row) total += n;
    correct += row[c] ?? 0;
  });
  return total === 0 ? 0 : correct / total;
}
