/** CSV image data: exact pixels and labels for the common layouts, and every problem named by file, row and column. */
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvOptions } from '../../src/data/csv.ts';
import { gzip, text } from './fixtures.ts';

const parse = (file: string, content: string, options?: CsvOptions) => parseCsv({ file, bytes: text(content) }, options);

describe('parseCsv', () => {
  it('reads label-first rows under a header as square gray images', async () => {
    const set = await parse('train.csv', 'label,p1,p2,p3,p4\n3,0,255,10,20\n1,5,6,7,8\n', { header: true });
    expect(set).toEqual({ height: 2, width: 2, channels: 1, count: 2, images: Uint8Array.from([0, 255, 10, 20, 5, 6, 7, 8]), labels: Uint8Array.from([3, 1]) });
  });

  it('reads label-last rows scaled from 0–16 (the UCI digits), gzip, CRLF and blank lines included', async () => {
    const csv = '0,8,16,4,1\r\n\r\n16,16,0,0,2\r\n';
    const set = await parseCsv({ file: 'digits.csv.gz', bytes: await gzip(text(csv)) }, { labelColumn: 'last', maxValue: 16 });
    // round(v × 255 / 16), halves up: 8 → 127.5 → 128, 4 → 63.75 → 64.
    expect([...set.images]).toEqual([0, 128, 255, 64, 255, 255, 0, 0]);
    expect([...set.labels]).toEqual([1, 2]);
  });

  it('reads 0–1 floats, quoted header names, another delimiter and a given shape', async () => {
    const set = await parse('rgb.csv', '"class";"r";"g";"b"\n2;0.5;1;0\n', { delimiter: ';', maxValue: 1, shape: { height: 1, width: 1, channels: 3 }, header: true });
    expect([set.height, set.width, set.channels]).toEqual([1, 1, 3]);
    expect([...set.images]).toEqual([128, 255, 0]);
    expect([...set.labels]).toEqual([2]);
  });

  it('treats a numeric first row as data unless told it is a header', async () => {
    expect((await parse('a.csv', '1,2,3,4,5\n0,0,0,0,0\n')).count).toBe(2);
    expect((await parse('a.csv', '1,2,3,4,5\n0,0,0,0,0\n', { header: true })).count).toBe(1);
  });

  // Issue 14: a typo in the first row ("O" for "0") made it a header, and the row was dropped silently.
  it('never guesses a header: a first row with non-numbers is refused, naming the columns, until it is confirmed as one', async () => {
    await expect(parse('mnist.csv', '1,0,O,0,0\n0,0,0,0,0\n1,5,5,5,5\n')).rejects.toThrow(
      'mnist.csv, row 1, column 3: the row has non-numbers in column 3 (first "O"); if it is a header, tick "first row is a header", otherwise correct the row',
    );
    await expect(parse('h.csv', '\n\nlabel,a,b,c,d,e,f,g\n')).rejects.toThrow(
      'h.csv, row 3, column 1: the row has non-numbers in columns 1, 2, 3, 4, 5 and 3 more (first "label"); if it is a header, tick "first row is a header", otherwise correct the row',
    );
    expect((await parse('mnist.csv', 'label,a,b,c,d\n0,0,0,0,0\n1,5,5,5,5\n', { header: true })).count).toBe(2);
  });

  // Issue 14: CR-only files (classic Mac OS, Excel's "CSV (Macintosh)") read as "a header but no data rows".
  it('ends rows at CR, LF or CRLF alike, mixed too, after a UTF-8 BOM', async () => {
    const expected = { height: 2, width: 2, channels: 1, count: 3, images: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), labels: Uint8Array.from([0, 1, 0]) };
    for (const end of ['\r', '\n', '\r\n']) {
      expect(await parse('a.csv', `\uFEFF0,0,1,2,3${end}1,4,5,6,7${end}0,8,9,10,11${end}`)).toEqual(expected);
      expect(await parse('a.csv', `\uFEFFlabel,a,b,c,d${end}0,0,1,2,3${end}1,4,5,6,7${end}0,8,9,10,11`, { header: true })).toEqual(expected);
    }
    expect(await parse('a.csv', '0,0,1,2,3\r1,4,5,6,7\r\n0,8,9,10,11\n')).toEqual(expected);
    // Row numbers still count lines as an editor does, whichever the line ending.
    await expect(parse('a.csv', '0,0,1,2,3\r\r1,4,x,6,7\r')).rejects.toThrow('a.csv, row 3, column 3: the pixel value "x"');
  });
});

describe('parseCsv errors name the file, the row (a line number) and the column', () => {
  it('a pixel that is not a number, or out of range', async () => {
    await expect(parse('digits.csv', 'label,a,b,c,d\n1,0,0,0,0\n2,0,0,abc,0\n', { header: true })).rejects.toThrow(
      'digits.csv, row 3, column 4: the pixel value "abc" is not a number from 0 to 255; set the maximum pixel value to match the file',
    );
    await expect(parse('digits.csv', '1,0,0,0,17\n', { maxValue: 16 })).rejects.toThrow(
      'digits.csv, row 1, column 5: the pixel value "17" is not a number from 0 to 16; set the maximum pixel value to match the file',
    );
  });

  it('a row with another number of fields, counted as a text editor counts lines', async () => {
    await expect(parse('x.csv', 'label,a,b,c,d\n1,0,0,0,0\n\n2,0,0,0\n', { header: true })).rejects.toThrow(
      'x.csv, row 4: the row has 4 fields, but row 2 has 5; every row must be a label and 4 pixel values',
    );
  });

  it('a label that is not a class number', async () => {
    await expect(parse('x.csv', '2.5,0,0,0,0\n')).rejects.toThrow(
      'x.csv, row 1, column 1: the label "2.5" is not a whole number from 0 to 255; labels must be class numbers (0, 1, 2…)',
    );
    await expect(parse('x.csv', '0,0,0,0,256\n', { labelColumn: 'last' })).rejects.toThrow('x.csv, row 1, column 5: the label "256" is not a whole number from 0 to 255');
  });

  it('a pixel count that fits no image', async () => {
    await expect(parse('x.csv', 'l,a,b,c\n1,0,0,0\n', { header: true })).rejects.toThrow(
      'x.csv, row 2: the row has 3 pixel values after the label, which is not a square gray image; give the image shape (height, width, channels) or check the delimiter',
    );
    await expect(parse('x.csv', '1,0,0,0,0\n', { shape: { height: 2, width: 2, channels: 3 } })).rejects.toThrow(
      'x.csv, row 1: the row has 4 pixel values after the label, but the shape 2×2×3 needs 12; give the image shape (height, width, channels) or check the delimiter',
    );
  });

  it('an empty file, and a header without data', async () => {
    await expect(parse('x.csv', '\n\n')).rejects.toThrow('x.csv, row 1: the file has no rows; each row should be a label and the pixel values of one image');
    await expect(parse('x.csv', '\nlabel,a\n', { header: true })).rejects.toThrow('x.csv, row 2: the file has a header but no data rows; add one row per image');
  });

  it('a binary file, at its first non-text byte', async () => {
    await expect(parseCsv({ file: 'x.csv', bytes: Uint8Array.from([0x31, 0x2c, 0xff, 0xfe, 0x00]) })).rejects.toThrow(
      'x.csv, byte 2: the file is not UTF-8 text, so it is not a CSV file; choose the CSV file (or the matching binary format)',
    );
  });
});
