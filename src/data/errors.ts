/**
 * The one error type of src/data. Every problem with a file says where it is: the file name and the
 * byte offset (binary formats) or the row (CSV), so a user can find it with a hex editor or a text
 * editor, and the message ends with what to do about it.
 */

/** Where in a file a problem is: a byte offset (0-based) or a CSV row (1-based line number). */
export type FileLocation = { readonly offset: number; readonly decompressed?: boolean } | { readonly row: number; readonly column?: number };

export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    /** The file's name as the user knows it (not a full path). */
    readonly file: string,
    readonly location: FileLocation | undefined,
    /** What is wrong and what to do, as one or two sentences. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${describeLocation(location)}: ${problem}`, options);
  }
}

/**
 * ", byte 16", ", byte 16 of the decompressed data" (offsets inside a .gz file's content are not
 * offsets in the file on disk, so say which), ", row 3" or ", row 3, column 5".
 */
function describeLocation(location: FileLocation | undefined): string {
  if (location === undefined) return '';
  if ('offset' in location) return `, byte ${location.offset}${location.decompressed ? ' of the decompressed data' : ''}`;
  return `, row ${location.row}${location.column === undefined ? '' : `, column ${location.column}`}`;
}

/** A file's content with the name to use in messages and whether it came out of a gzip stream. */
export interface NamedBytes {
  readonly file: string;
  readonly bytes: Uint8Array;
  /** True when `bytes` is the content of a .gz file, so offsets are reported "of the decompressed data". */
  readonly decompressed?: boolean;
}

/** A DatasetError at a byte offset of `source`. */
export function errorAt(source: NamedBytes, offset: number, problem: string): DatasetError {
  return new DatasetError(source.file, { offset, decompressed: source.decompressed ?? false }, problem);
}
