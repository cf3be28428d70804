/**
 * The ZIP reader: an archive written by Info-ZIP's zip 3.0 (Debian), archives written here with one
 * field damaged at a time, and the refusals (ZIP64, encryption, other methods, traversal, bombs).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/data/crc32.ts';
import { isZip, readZip } from '../../src/data/zip.ts';
import { text } from './fixtures.ts';
import { writeZip } from './zip-writer.ts';

const meow = 'meow\n'.repeat(50);
const counting = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 251);
const decoder = new TextDecoder();

describe('readZip', () => {
  it('reads an archive made by Info-ZIP: data descriptors, extra fields, folders, a UTF-8 name without the UTF-8 flag', async () => {
    // Made with `zip -q -r -n .bin - pets | cat > infozip-stream.zip` (zip 3.0, Debian): writing to a
    // pipe makes zip put each entry's CRC and sizes in a data descriptor after its data.
    const bytes = new Uint8Array(readFileSync(new URL('./zip-fixtures/infozip-stream.zip', import.meta.url)));
    expect(isZip(bytes)).toBe(true);
    const entries = await readZip({ file: 'pets.zip', bytes });
    expect(entries.map((entry) => entry.path)).toEqual(['pets/dog/bytes.bin', 'pets/dog/été.txt', 'pets/cat/meow.txt']);
    expect(entries[0]!.bytes).toEqual(counting);
    expect(decoder.decode(entries[1]!.bytes)).toBe('summer\n');
    expect(decoder.decode(entries[2]!.bytes)).toBe(meow);
  });

  it('reads stored and deflated entries written here, with a comment after the end record', async () => {
    const zip = await writeZip(
      [
        { path: 'a/stored.bin', bytes: counting, method: 'stored' },
        { path: 'a/deflated.txt', bytes: text(meow) },
        { path: 'empty.txt', bytes: new Uint8Array() },
      ],
      'a comment holding PK\x05\x06 to mislead a naive search',
    );
    const entries = await readZip({ file: 'a.zip', bytes: zip.bytes });
    expect(entries).toEqual([
      { path: 'a/stored.bin', bytes: counting },
      { path: 'a/deflated.txt', bytes: text(meow) },
      { path: 'empty.txt', bytes: new Uint8Array() },
    ]);
  });

  it('reads a name in code page 437 and normalises backslashes and "./"', async () => {
    // "Ä" is 0x8e in CP437 and not valid UTF-8 on its own.
    const zip = await writeZip([
      { path: '', rawName: Uint8Array.from([...text('cat\\'), 0x8e, ...text('.png')]), bytes: text('x') },
      { path: './dog//b.png', bytes: text('y') },
    ]);
    expect((await readZip({ file: 'a.zip', bytes: zip.bytes })).map((entry) => entry.path)).toEqual(['cat/Ä.png', 'dog/b.png']);
  });

  it('reads an empty archive', async () => {
    expect(await readZip({ file: 'empty.zip', bytes: (await writeZip([])).bytes })).toEqual([]);
  });

  it('says when a file is not a ZIP archive, or a truncated one', async () => {
    await expect(readZip({ file: 'notes.txt', bytes: text('hello, this is text') })).rejects.toThrow(
      'notes.txt, byte 0: this is not a ZIP archive (no end-of-central-directory record was found); choose a .zip file, or the files themselves',
    );
    const zip = await writeZip([{ path: 'a.txt', bytes: text(meow) }]);
    await expect(readZip({ file: 'cut.zip', bytes: zip.bytes.subarray(0, zip.end - 3) })).rejects.toThrow(
      'cut.zip, byte 0: the ZIP archive has no end-of-central-directory record, so it is truncated; download or copy it again',
    );
  });

  it('finds a damaged entry by its CRC-32 and names it', async () => {
    const zip = await writeZip([{ path: 'ok.bin', bytes: counting, method: 'stored' }, { path: 'cat/bad.bin', bytes: counting, method: 'stored' }]);
    const damaged = zip.bytes.slice();
    damaged[zip.entries[1]!.data + 5]! ^= 0xff;
    const expected = crc32(Uint8Array.from(counting, (b, i) => (i === 5 ? b ^ 0xff : b)));
    await expect(readZip({ file: 'd.zip', bytes: damaged })).rejects.toThrow(
      `d.zip, byte ${zip.entries[1]!.local}: the entry "cat/bad.bin" is damaged: its CRC-32 is 0x${expected.toString(16).padStart(8, '0')}, but the archive says 0x${crc32(counting).toString(16).padStart(8, '0')}; download or copy the archive again`,
    );
  });

  it('says where deflate data is corrupt', async () => {
    const zip = await writeZip([{ path: 'a.txt', bytes: text(meow) }]);
    const damaged = zip.bytes.slice();
    damaged[zip.entries[0]!.data] = 0xff; // block type 3: reserved, an error in every inflater
    await expect(readZip({ file: 'd.zip', bytes: damaged })).rejects.toThrow(
      `d.zip, byte ${zip.entries[0]!.data}: the entry "a.txt" is corrupt: its compressed data could not be inflated; download or copy the archive again`,
    );
  });

  it('refuses encrypted entries, other methods and ZIP64, naming the archive and the entry', async () => {
    const encrypted = await writeZip([{ path: 'secret/a.png', bytes: text('x'), flags: 0x1 }]);
    await expect(readZip({ file: 'e.zip', bytes: encrypted.bytes })).rejects.toThrow(
      `e.zip, byte ${encrypted.entries[0]!.central}: the entry "secret/a.png" is encrypted; encrypted archives cannot be read here, so zip the files again without a password`,
    );
    const bzip2 = await writeZip([{ path: 'a.png', bytes: text('x') }]);
    new DataView(bzip2.bytes.buffer).setUint16(bzip2.entries[0]!.central + 10, 12, true);
    await expect(readZip({ file: 'b.zip', bytes: bzip2.bytes })).rejects.toThrow(
      'the entry "a.png" is compressed with bzip2; only stored and deflated entries (what zip tools write by default) can be read, so zip the files again with the default method',
    );
    const zip64 = await writeZip([{ path: 'big.bin', bytes: text('x') }]);
    new DataView(zip64.bytes.buffer).setUint32(zip64.entries[0]!.central + 24, 0xffffffff, true);
    await expect(readZip({ file: 'z.zip', bytes: zip64.bytes })).rejects.toThrow(
      `z.zip, byte ${zip64.entries[0]!.central}: the entry "big.bin" needs ZIP64 (a file over 4 GB, or an archive that large), which cannot be read here; zip fewer or smaller files`,
    );
    // A ZIP64 end-of-central-directory locator just before the end record.
    const plain = await writeZip([{ path: 'a.bin', bytes: text('x') }]);
    const withLocator = new Uint8Array(plain.bytes.length + 20);
    withLocator.set(plain.bytes.subarray(0, plain.end));
    new DataView(withLocator.buffer).setUint32(plain.end, 0x07064b50, true);
    withLocator.set(plain.bytes.subarray(plain.end), plain.end + 20);
    await expect(readZip({ file: 'l.zip', bytes: withLocator })).rejects.toThrow(
      `l.zip, byte ${plain.end}: this is a ZIP64 archive (for archives over 4 GB or 65,535 files), which cannot be read here; zip fewer or smaller files`,
    );
  });

  it('refuses names that are absolute or climb out with ".."', async () => {
    for (const path of ['../evil.png', 'cat/../../evil.png', 'cat\\..\\evil.png']) {
      const zip = await writeZip([{ path, bytes: text('x') }]);
      await expect(readZip({ file: 't.zip', bytes: zip.bytes })).rejects.toThrow(
        `t.zip, byte ${zip.entries[0]!.central}: the entry "${path}" has ".." in its path, which would point outside the archive; the archive is damaged or malicious`,
      );
    }
    for (const path of ['/etc/passwd', 'C:/evil.png', '\\evil.png']) {
      const zip = await writeZip([{ path, bytes: text('x') }]);
      await expect(readZip({ file: 't.zip', bytes: zip.bytes })).rejects.toThrow(
        `the entry "${path}" has an absolute path; archives hold relative paths only, so this one is damaged or malicious`,
      );
    }
  });

  it('refuses absurd sizes before inflating anything, and an entry that inflates to more than it declares', async () => {
    const zip = await writeZip([{ path: 'a.bin', bytes: new Uint8Array(1000) }, { path: 'b.bin', bytes: new Uint8Array(1000) }]);
    await expect(readZip({ file: 'big.zip', bytes: zip.bytes }, { maxEntryBytes: 999 })).rejects.toThrow(
      `big.zip, byte ${zip.entries[0]!.central + 24}: the entry "a.bin" is 1000 bytes uncompressed, more than the 999 allowed for one file; leave it out of the archive`,
    );
    await expect(readZip({ file: 'big.zip', bytes: zip.bytes }, { maxTotalBytes: 1500 })).rejects.toThrow(
      'the entries up to "b.bin" are more than 1500 bytes uncompressed, more than can be read at once; zip fewer files',
    );
    await expect(readZip({ file: 'big.zip', bytes: zip.bytes }, { maxEntries: 1 })).rejects.toThrow('the archive holds 2 entries, more than the 1 that can be read; zip fewer files');
    // A bomb that lies about its size: 1 MB of zeros that says it is 1,000 bytes.
    const bomb = await writeZip([{ path: 'bomb.bin', bytes: new Uint8Array(2 ** 20) }]);
    new DataView(bomb.bytes.buffer).setUint32(bomb.entries[0]!.central + 24, 1000, true);
    await expect(readZip({ file: 'bomb.zip', bytes: bomb.bytes })).rejects.toThrow(
      `bomb.zip, byte ${bomb.entries[0]!.data}: the entry "bomb.bin" inflates to more than 1000 bytes, but the archive says 1000 bytes; the archive is damaged or malicious`,
    );
  });

  it('reads a deflated entry too large to inflate in one call, chunk by chunk, and stops it as soon as it passes its declared size', async () => {
    // 200,000 bytes that deflate cannot shrink (a linear congruential sequence), so the compressed data is over 64 KiB.
    let state = 1;
    const noise = Uint8Array.from({ length: 200_000 }, () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    const zip = await writeZip([{ path: 'noise.bin', bytes: noise }]);
    expect(zip.entries[0]!.central - zip.entries[0]!.data).toBeGreaterThan(64 * 1024);
    const [entry, ...others] = await readZip({ file: 'n.zip', bytes: zip.bytes });
    // Compared byte by byte: toEqual on 200,000 elements takes most of a second.
    expect([others.length, entry!.path, entry!.bytes.length, entry!.bytes.every((byte, i) => byte === noise[i])]).toEqual([0, 'noise.bin', noise.length, true]);
    const lying = zip.bytes.slice();
    new DataView(lying.buffer).setUint32(zip.entries[0]!.central + 24, 1000, true);
    await expect(readZip({ file: 'n.zip', bytes: lying })).rejects.toThrow(
      `n.zip, byte ${zip.entries[0]!.data}: the entry "noise.bin" inflates to more than 1000 bytes, but the archive says 1000 bytes; the archive is damaged or malicious`,
    );
  });

  it('refuses an entry that inflates to less than it declares', async () => {
    const zip = await writeZip([{ path: 'meow.txt', bytes: text(meow) }]);
    new DataView(zip.bytes.buffer).setUint32(zip.entries[0]!.central + 24, 300, true);
    await expect(readZip({ file: 's.zip', bytes: zip.bytes })).rejects.toThrow(
      `s.zip, byte ${zip.entries[0]!.data}: the entry "meow.txt" inflates to 250 bytes, but the archive says 300 bytes; the archive is damaged or malicious`,
    );
  });

  it('refuses overlapping entries and duplicate names', async () => {
    const zip = await writeZip([{ path: 'a.bin', bytes: counting, method: 'stored' }, { path: 'b.bin', bytes: counting, method: 'stored' }]);
    const overlapping = zip.bytes.slice();
    // b.bin's central entry points at a.bin's local header: the same data counted twice.
    new DataView(overlapping.buffer).setUint32(zip.entries[1]!.central + 42, 0, true);
    await expect(readZip({ file: 'o.zip', bytes: overlapping })).rejects.toThrow('the entries "a.bin" and "b.bin" overlap, which no ZIP tool writes; the archive is damaged or malicious');
    const twice = await writeZip([{ path: 'a.bin', bytes: counting }, { path: './a.bin', bytes: counting }]);
    await expect(readZip({ file: 't.zip', bytes: twice.bytes })).rejects.toThrow('the archive holds the entry "a.bin" more than once; zip the files again');
  });

  it('refuses a split archive and a central directory outside the file', async () => {
    const zip = await writeZip([{ path: 'a.bin', bytes: counting }]);
    const split = zip.bytes.slice();
    new DataView(split.buffer).setUint16(zip.end + 4, 1, true);
    await expect(readZip({ file: 's.zip', bytes: split })).rejects.toThrow(
      `s.zip, byte ${zip.end + 4}: this is one part of a split (multi-volume) ZIP archive; join the parts into one archive first (e.g. zip -s 0 in.zip --out out.zip)`,
    );
    const moved = zip.bytes.slice();
    new DataView(moved.buffer).setUint32(zip.end + 16, zip.end, true);
    await expect(readZip({ file: 'm.zip', bytes: moved })).rejects.toThrow(
      'the central directory lies outside the archive, so it is truncated or damaged (or a self-extracting archive); zip the files again',
    );
  });
});
