/**
 * One memory budget for the decoded bytes of an import. Every step that makes bytes out of a user's
 * file counts against it before (or, for streams, while) it makes them: a zip entry as it inflates,
 * a gzip stream as its chunks arrive (a .gz inside a .zip counts against the same budget as the
 * zip), the pixels a parser allocates, and the images a folder of pictures decodes to and is resized
 * to. So a small file that would inflate to gigabytes is refused in words, naming the file, what it
 * would have become and the limit, before the tab runs out of memory or a typed array's length
 * overflows (a RangeError nobody can act on).
 *
 * The default budget and the byte wording live in src/core/import-limits.ts, shared with the page.
 */
import { bytesInWords, defaultImportBudget } from '../core/import-limits.ts';
import { DatasetError } from './errors.ts';

/**
 * The running count of an import's decoded bytes. `take` counts bytes about to be made; `fits`
 * checks bytes that are made and dropped again (one decoded picture at a time) without keeping them.
 */
export class ImportBudget {
  #used = 0;

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`ImportBudget: the limit must be a whole number of bytes ≥ 1, got ${limit}`);
  }

  get used(): number {
    return this.#used;
  }

  get left(): number {
    return this.limit - this.#used;
  }

  /** Counts `bytes` more for `file`; throws a DatasetError when they would pass the limit. `what` says what they are ("inflates to", …). */
  take(file: string, bytes: number, what: string): void {
    this.check(file, bytes, what);
    this.#used += bytes;
  }

  /** Throws a DatasetError when `bytes` more would pass the limit, without counting them. */
  check(file: string, bytes: number, what: string): void {
    if (!(bytes <= this.left)) throw this.refusal(file, bytes, what);
  }

  /**
   * The error for `file`, which `what` `bytes` ("inflates to" 2 MB), or, for a stream stopped as soon
   * as it passed the limit, `what` more than the limit.
   */
  refusal(file: string, bytes: number | undefined, what: string): DatasetError {
    const before = this.#used > 0 ? ` (${bytesInWords(this.#used)} of it taken by the files before)` : '';
    const limit = `${bytesInWords(this.limit)} this import may decode on this device${before}`;
    const problem = bytes === undefined ? `${what} more than the ${limit}, so it was stopped there` : `${what} ${bytesInWords(bytes)}, more than the ${limit}`;
    return new DatasetError(file, undefined, `${problem}; import fewer or smaller files, or a smaller image size`);
  }
}

/** The default budget for the device this code runs on (page or worker alike; 512 MiB in Node). */
export const deviceImportBudget = (): number => defaultImportBudget((globalThis as { navigator?: { deviceMemory?: unknown } }).navigator?.deviceMemory);

/** A budget of `limit` bytes, or the device's default. */
export const importBudget = (limit?: number): ImportBudget => new ImportBudget(limit ?? deviceImportBudget());

