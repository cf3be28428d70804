/** Resize (area, bilinear), grayscale and class selection, each checked against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { resizeImageSet } from '../../src/data/resize.ts';
import { classSelection, toGrayscale, transformImages } from '../../src/data/transform.ts';
import { imageSet } from './fixtures.ts';

const gray = (height: number, width: number, values: number[]) => imageSet(height, width, 1, [0], (_, i) => values[i]!);

describe('resizeImageSet', () => {
  it('area: halving averages 2×2 blocks, halves rounded up', () => {
    const set = gray(4, 4, Array.from({ length: 16 }, (_, i) => i));
    // Blocks {0,1,4,5} → 2.5, {2,3,6,7} → 4.5, {8,9,12,13} → 10.5, {10,11,14,15} → 12.5.
    expect([...resizeImageSet(set, { height: 2, width: 2 }).images]).toEqual([3, 5, 11, 13]);
  });

  it('area: a pixel partly covered counts by the covered fraction', () => {
    // 3 → 2: output 0 covers input [0, 1.5): (0 · 1 + 30 · 0.5) / 1.5 = 10; output 1: (30 · 0.5 + 60 · 1) / 1.5 = 50.
    expect([...resizeImageSet(gray(1, 3, [0, 30, 60]), { height: 1, width: 2, method: 'area' }).images]).toEqual([10, 50]);
  });

  it('bilinear: half-pixel centres, clamped at the borders', () => {
    // 2 → 4: sources −0.25 (→ 0), 0.25, 0.75, 1.25 (→ 1).
    expect([...resizeImageSet(gray(1, 2, [0, 100]), { height: 1, width: 4, method: 'bilinear' }).images]).toEqual([0, 25, 75, 100]);
    // 2 → 3 on both axes: sources 0, 0.5, 1.
    expect([...resizeImageSet(gray(2, 2, [0, 30, 60, 90]), { height: 3, width: 3, method: 'bilinear' }).images]).toEqual([0, 15, 30, 30, 45, 60, 60, 75, 90]);
  });

  it('keeps channels apart and labels as they were', () => {
    const rgb = imageSet(2, 2, 3, [4], (_, i) => [10, 20, 30, 50][Math.floor(i / 3)]! + (i % 3));
    const small = resizeImageSet(rgb, { height: 1, width: 1 });
    // Means of 10, 20, 30, 50 (+0, +1, +2 per channel): 27.5 → 28, 28.5 → 29, 29.5 → 30.
    expect([small.height, small.width, small.channels, [...small.images], [...small.labels]]).toEqual([1, 1, 3, [28, 29, 30], [4]]);
  });

  it('rejects sizes no image can have', () => {
    expect(() => resizeImageSet(gray(1, 1, [0]), { height: 0, width: 4 })).toThrow('resize: the height must be a whole number from 1 to 4,096, got 0');
  });
});

describe('toGrayscale', () => {
  it('uses BT.601 luma on whole numbers, halves rounded up, and drops alpha', () => {
    const colours = [[255, 0, 0, 9], [0, 255, 0, 9], [0, 0, 255, 9], [255, 255, 255, 9], [10, 20, 30, 9], [0, 0, 250, 9]];
    const rgba = imageSet(1, 6, 4, [1], (_, i) => colours[Math.floor(i / 4)]![i % 4]!);
    // 0.299 · 255 = 76.245 → 76; 0.587 · 255 = 149.685 → 150; 0.114 · 255 = 29.07 → 29; 18.15 → 18; 0.114 · 250 = 28.5 → 29.
    const result = toGrayscale(rgba);
    expect([result.channels, [...result.images], [...result.labels]]).toEqual([1, [76, 150, 29, 255, 18, 29], [1]]);
  });

  it('keeps the gray of gray + alpha', () => {
    expect([...toGrayscale(imageSet(1, 2, 2, [0], (_, i) => [7, 255, 8, 0][i]!)).images]).toEqual([7, 8]);
  });
});

describe('class selection', () => {
  const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const set = imageSet(1, 1, 1, [0, 1, 2, 3, 1], (n) => 10 * n);

  it('keeps a subset, relabelled in the order given', () => {
    const { set: kept, classNames } = transformImages({ set, classNames: names }, { classes: [3, 1] });
    expect(classNames).toEqual(['cat', 'automobile']);
    expect([...kept.labels]).toEqual([1, 0, 1]);
    expect([...kept.images]).toEqual([10, 30, 40]);
  });

  it('merges classes into named groups (CIFAR-10 as vehicles against animals)', () => {
    const choices = [
      { name: 'vehicle', classes: [0, 1, 8, 9] },
      { name: 'animal', classes: [2, 3, 4, 5, 6, 7] },
    ];
    const { set: binary, classNames } = transformImages({ set, classNames: names }, { classes: choices });
    expect(classNames).toEqual(['vehicle', 'animal']);
    expect([...binary.labels]).toEqual([0, 0, 1, 1, 0]);
  });

  it('rejects classes that do not exist or are chosen twice', () => {
    expect(() => classSelection(names, [10])).toThrow('There is no class 10: this dataset has classes 0 to 9.');
    expect(() => classSelection(names, [3, { name: 'pets', classes: [3, 5] }])).toThrow('Class 3 (cat) is chosen twice; each class can go to one group only.');
    expect(() => classSelection(names, [])).toThrow('Choose at least one class to keep.');
  });

  it('applies classes, then grayscale, then resize, and leaves the input alone', () => {
    const rgb = imageSet(2, 2, 3, [0, 5], (n) => (n === 0 ? 200 : 100));
    const before = rgb.images.slice();
    const { set: result, classNames } = transformImages({ set: rgb, classNames: names }, { classes: [5], grayscale: true, resize: { height: 1, width: 1 } });
    expect([classNames, result.count, result.height, result.channels, [...result.images], [...result.labels]]).toEqual([['dog'], 1, 1, 1, [100], [0]]);
    expect(rgb.images).toEqual(before);
  });
});
