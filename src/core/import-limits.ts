/**
 * The limits of an import that the page and the worker share: the default budget for the decoded
 * bytes of an import (from `navigator.deviceMemory` where the browser has it) and the page's check
 * of a chosen file's size before reading it. src/data/budget.ts counts against the budget while
 * decoding; this file only names the numbers, so that the page can use them without the importers.
 *
 * Pure: the caller passes `navigator.deviceMemory` (Chromium's Device Memory API, which rounds the
 * RAM down to a power of two, 0.25 to 8 GiB, to limit fingerprinting; other browsers and Node do not
 * have it, and pass undefined).
 */
import { formatCount, shortBytes } from './units.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/**
 * The largest budget: a tab's JavaScript heap and ArrayBuffers share a few GB at most, and an import
 * holds its files, their decoded bytes and the splits at once, so 1 GiB of decoded bytes is already
 * about 3 GiB in the tab at the peak.
 */
export const maxImportBudgetBytes = GiB;
/** The smallest budget a request may set: below it even the built-in digits would not fit. */
export const minImportBudgetBytes = MiB;
/** A quarter of the device's memory (the rest is the browser's, the page's and the training's). */
const DEVICE_SHARE = 4;
/** Without `navigator.deviceMemory` (Firefox, Safari, Node): a quarter of a 2 GiB device, which any machine that trains has. */
const UNKNOWN_DEVICE_BUDGET = 512 * MiB;

/**
 * The default budget: min(deviceMemory / 4, 1 GiB) when the device's memory in GiB is known, 512 MiB
 * when it is not. Full MNIST (47 MB of pixels, 55 MB inflated from its .gz files) and CIFAR-10's six
 * batches (184 MB) fit either way.
 */
export function defaultImportBudget(deviceMemoryGiB: unknown): number {
  if (typeof deviceMemoryGiB !== 'number' || !(deviceMemoryGiB > 0) || !Number.isFinite(deviceMemoryGiB)) return UNKNOWN_DEVICE_BUDGET;
  return Math.max(minImportBudgetBytes, Math.min(maxImportBudgetBytes, Math.floor((deviceMemoryGiB * GiB) / DEVICE_SHARE)));
}

/** A byte count in words: "2 MB (2,097,152 bytes)". */
export const bytesInWords = (bytes: number): string => `${shortBytes(bytes)} (${formatCount(bytes)} bytes)`;

/** The page's check of a chosen file's size before reading it: a sentence naming the file, its size and the limit, or undefined when it fits. */
export function fileTooLarge(file: { readonly name: string; readonly size: number }, limit: number, what: string): string | undefined {
  if (file.size <= limit) return undefined;
  return `${file.name} is ${bytesInWords(file.size)}, more than the ${bytesInWords(limit)} ${what}; choose a smaller file.`;
}
