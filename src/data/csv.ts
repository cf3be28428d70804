/**
 * CSV image data, one image per row: a label and the pixel values, in the layouts found in the wild
 * (the "MNIST in CSV" files put the label first; UCI's optdigits and scikit-learn's digits.csv.gz put
 * it last). Raw or .gz (detected by content). Rows are numbered like a text editor numbers lines
 * (from 1, the header and blank lines included), so an error's row is the line to look at.
 */
import type { ImportBudget } from './budget.ts';
import type { ImageSet } from './dataset.ts';
import { formatCount } from '../core/units.ts';
import { DatasetError, errorAt, type NamedBytes } from './errors.ts';
import { decompressIfGzip } from './gzip.ts';

export interface CsvOptions {
  /** The column of the label: 'first' (default) or 'last'. Labels are whole numbers 0–255. */
  readonly labelColumn?: 'first' | 'last';
  /**
   * Whether the first row names the columns (false by default). Never guessed: a typo in the first
   * data row ("1,0,O,0") would make it a header and drop the row silently, so a first row that is
   * not all numbers is refused, and the message says to tick "first row is a header" if it is one.
   */
  readonly header?: boolean;
  /** The image shape; by default a square gray image, which needs a square pixel count (784 → 28×28). */
  readonly shape?: { readonly height: number; readonly width: number; readonly channels: number };
  /**
   * The value meaning full intensity: 255 (default) for bytes, 16 for the UCI digits, 1 for 0–1
   * floats. Values are scaled to 0–255 as round(value × 255 / maxValue), halves rounded up.
   */
  readonly maxValue?: number;
  /** The field separator, ',' by default (';' and '\t' are common too). */
  readonly delimiter?: string;
}

/** A decimal number as CSV writers print one: no hex, no "Infinity", no empty field. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** An image set from CSV text; throws a DatasetError naming the file and the row (and column) of the first problem. */
export async function parseCsv(input: NamedBytes, options: CsvOptions = {}, budget?: ImportBudget): Promise<ImageSet> {
  const source = await decompressIfGzip(input, budget);
  const { file } = source;
  const delimiter = options.delimiter ?? ',';
  const maxValue = options.maxValue ?? 255;
  if (!(maxValue > 0 && Number.isFinite(maxValue))) throw new Error(`parseCsv: maxValue must be a positive number, got ${maxValue}`);
  const atRow = (row: number, problem: string, column?: number) => new DatasetError(file, column === undefined ? { row } : { row, column }, problem);

  // Fields are split one row at a time: a 60,000-row MNIST CSV has 47 million of them, too many to hold as strings.
  // CRLF (Windows), LF (Unix) and a lone CR (classic Mac OS, and Excel for Mac's "CSV (Macintosh)") all end a row.
  const lines = decodeText(source).split(/\r\n|\r|\n/);
  const rowLines = lines.flatMap((text, i) => (text.trim() === '' ? [] : [i]));
  const fieldsOf = (i: number): string[] => lines[i]!.split(delimiter).map(unquote);
  const firstLine = rowLines[0];
  if (firstLine === undefined) throw atRow(1, 'the file has no rows; each row should be a label and the pixel values of one image');
  const hasHeader = options.header === true;
  if (!hasHeader) {
    const fields = fieldsOf(firstLine);
    const columns = fields.flatMap((field, i) => (NUMBER.test(field) ? [] : [i + 1]));
    if (columns.length > 0) {
      const shown = columns.slice(0, 5).join(', ') + (columns.length > 5 ? ` and ${columns.length - 5} more` : '');
      throw atRow(
        firstLine + 1,
        `the row has non-numbers in ${columns.length === 1 ? 'column' : 'columns'} ${shown} (first "${fields[columns[0]! - 1]}"); if it is a header, tick "first row is a header", otherwise correct the row`,
        columns[0],
      );
    }
  }
  const dataLines = hasHeader ? rowLines.slice(1) : rowLines;
  const firstData = dataLines[0];
  if (firstData === undefined) throw atRow(firstLine + 1, 'the file has a header but no data rows; add one row per image');

  const columns = fieldsOf(firstData).length;
  const pixels = columns - 1;
  const shape = options.shape ?? squareShape(pixels);
  if (shape === undefined || shape.height * shape.width * shape.channels !== pixels) {
    const wanted = shape === undefined ? 'which is not a square gray image' : `but the shape ${shape.height}×${shape.width}×${shape.channels} needs ${shape.height * shape.width * shape.channels}`;
    throw atRow(firstData + 1, `the row has ${pixels} pixel values after the label, ${wanted}; give the image shape (height, width, channels) or check the delimiter`);
  }

  const labelAt = options.labelColumn === 'last' ? pixels : 0;
  const pixelStart = labelAt === 0 ? 1 : 0;
  budget?.take(file, dataLines.length * pixels, `holds ${formatCount(dataLines.length)} images of ${shape.height}×${shape.width}×${shape.channels}, which take`);
  const images = new Uint8Array(dataLines.length * pixels);
  const labels = new Uint8Array(dataLines.length);
  dataLines.forEach((i, n) => {
    const row = i + 1;
    const fields = fieldsOf(i);
    if (fields.length !== columns) {
      throw atRow(row, `the row has ${fields.length} fields, but row ${firstData + 1} has ${columns}; every row must be a label and ${pixels} pixel values`);
    }
    const label = fields[labelAt]!;
    if (!/^\d+$/.test(label) || Number(label) > 255) {
      throw atRow(row, `the label "${label}" is not a whole number from 0 to 255; labels must be class numbers (0, 1, 2…)`, labelAt + 1);
    }
    labels[n] = Number(label);
    for (let p = 0; p < pixels; p++) {
      const field = fields[pixelStart + p]!;
      const value = NUMBER.test(field) ? Number(field) : Number.NaN;
      if (!(value >= 0 && value <= maxValue)) {
        throw atRow(row, `the pixel value "${field}" is not a number from 0 to ${maxValue}; set the maximum pixel value to match the file`, pixelStart + p + 1);
      }
      // Halves round up (Math.round), e.g. 8 of 16 → 127.5 → 128.
      images[n * pixels + p] = Math.round((value * 255) / maxValue);
    }
  });
  return { ...shape, count: dataLines.length, images, labels };
}

function squareShape(pixels: number): { height: number; width: number; channels: number } | undefined {
  const side = Math.round(Math.sqrt(pixels));
  return side > 0 && side * side === pixels ? { height: side, width: side, channels: 1 } : undefined;
}

const unquote = (field: string): string => field.trim().replace(/^"(.*)"$/, '$1').trim();

function decodeText(source: NamedBytes): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(source.bytes).replace(/^\uFEFF/, '');
  } catch {
    // TextDecoder does not say where; the first non-ASCII byte is where a binary file usually shows itself.
    const offset = source.bytes.findIndex((byte) => byte >= 0x80);
    throw errorAt(source, Math.max(offset, 0), 'the file is not UTF-8 text, so it is not a CSV file; choose the CSV file (or the matching binary format)');
  }
}
