/**
 * Reading ZIP archives (PKWARE's APPNOTE.TXT, 6.3.x), enough for a folder of images or dataset files
 * zipped by any common tool. fflate inflates; the archive around the data is read and checked here,
 * because fflate's `unzipSync` trusts it: it takes the last end-record signature even inside a
 * comment, reads names without the UTF-8 flag as Latin-1, lets "../" names, encrypted entries and
 * duplicate names through (the second replaces the first), checks no CRC-32, and silently cuts an
 * entry that inflates to more than its header says. Here the central directory is found through the
 * end-of-central-directory record, each entry's local header is checked, sizes are checked against
 * limits before anything is inflated, inflating stops at the declared size, entries may not overlap,
 * and every entry's CRC-32 is checked, so a damaged archive or a "zip bomb" is refused in words before
 * it costs memory. ZIP64, encryption, split archives and methods other than stored and deflated are
 * refused too.
 */
import { Inflate, inflateSync } from 'fflate';
import type { ImportBudget } from './budget.ts';
import { crc32 } from './crc32.ts';
import { DatasetError, type NamedBytes } from './errors.ts';

export interface ZipEntry {
  /** The entry's path inside the archive, with '/' between folders, never absolute and without "..". */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface ZipLimits {
  readonly maxEntries?: number;
  /** Largest uncompressed size of one entry. */
  readonly maxEntryBytes?: number;
  /** Largest uncompressed size of all entries together. */
  readonly maxTotalBytes?: number;
}

/**
 * Memory limits, not format limits: far above a folder of small training images (60,000 MNIST PNGs
 * are about 20 MB), well below what a browser tab can hold.
 */
export const defaultZipLimits: Required<ZipLimits> = { maxEntries: 200_000, maxEntryBytes: 256 * 2 ** 20, maxTotalBytes: 2 ** 30 };

// APPNOTE.TXT §4.3.7 (local header), §4.3.12 (central directory header), §4.3.16 (end record), §4.3.15 (ZIP64 locator).
const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const LOCAL_BYTES = 30;
const CENTRAL_BYTES = 46;
const END_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const MAX_COMMENT_BYTES = 0xffff;
/** §4.4.4 general purpose bits: 0 encrypted, 6 strong encryption, 11 names in UTF-8. */
const FLAG_ENCRYPTED = 0x1;
const FLAG_STRONG_ENCRYPTION = 0x40;
const FLAG_UTF8 = 0x800;
const STORED = 0;
const DEFLATED = 8;
/** §4.4.5, and WinZip's AES (method 99, APPNOTE Appendix E). */
const METHOD_NAMES: Record<number, string> = { 1: 'Shrink', 6: 'Implode', 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'xz', 98: 'PPMd' };
const AES_METHOD = 99;
/** A field set to all ones means its value is in the ZIP64 extra field (§4.4.8, §4.5.3). */
const ZIP64_MARK = 0xffffffff;

/** True when `bytes` starts like a ZIP archive (a local file header, or the end record of an empty archive). */
export function isZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const signature = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return signature === LOCAL_SIGNATURE || signature === END_SIGNATURE;
}

interface CentralEntry {
  readonly path: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly localOffset: number;
  readonly directory: boolean;
}

/**
 * The files of the ZIP archive `archive` (folders are left out), in the order of its central
 * directory. Throws a DatasetError naming the archive, the byte offset and, where it is about one
 * entry, that entry. The work is synchronous; the Promise makes every refusal a rejection. With a
 * `budget`, each entry's declared size is counted against it before the entry is inflated (inflating
 * stops at the declared size, so the count holds), the entry named "archive.zip/path".
 */
export async function readZip(archive: NamedBytes, limits: ZipLimits = {}, budget?: ImportBudget): Promise<ZipEntry[]> {
  const limit = { ...defaultZipLimits, ...limits };
  const { bytes } = archive;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, problem: string) => new DatasetError(archive.file, { offset }, problem);
  const end = findEndRecord(bytes, view);
  if (end === undefined) {
    throw fail(
      0,
      isZip(bytes)
        ? 'the ZIP archive has no end-of-central-directory record, so it is truncated; download or copy it again'
        : 'this is not a ZIP archive (no end-of-central-directory record was found); choose a .zip file, or the files themselves',
    );
  }
  if (end >= ZIP64_LOCATOR_BYTES && view.getUint32(end - ZIP64_LOCATOR_BYTES, true) === ZIP64_LOCATOR_SIGNATURE) {
    throw fail(end - ZIP64_LOCATOR_BYTES, 'this is a ZIP64 archive (for archives over 4 GB or 65,535 files), which cannot be read here; zip fewer or smaller files');
  }
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0 || view.getUint16(end + 8, true) !== view.getUint16(end + 10, true)) {
    throw fail(end + 4, 'this is one part of a split (multi-volume) ZIP archive; join the parts into one archive first (e.g. zip -s 0 in.zip --out out.zip)');
  }
  const count = view.getUint16(end + 10, true);
  const directoryBytes = view.getUint32(end + 12, true);
  const directoryStart = view.getUint32(end + 16, true);
  if (count > limit.maxEntries) throw fail(end + 10, `the archive holds ${count} entries, more than the ${limit.maxEntries} that can be read; zip fewer files`);
  if (directoryStart + directoryBytes > end) {
    throw fail(end + 16, 'the central directory lies outside the archive, so it is truncated or damaged (or a self-extracting archive); zip the files again');
  }

  const entries: CentralEntry[] = [];
  let total = 0;
  let at = directoryStart;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > directoryStart + directoryBytes || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw fail(at, `entry ${i + 1} of ${count} of the central directory is missing or damaged; download or copy the archive again`);
    }
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const nextAt = at + CENTRAL_BYTES + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (nextAt > directoryStart + directoryBytes) throw fail(at, `entry ${i + 1} of the central directory runs past its end; the archive is damaged`);
    const rawName = bytes.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength);
    const entry = checkEntry(archive, at, {
      path: decodeName(rawName, (flags & FLAG_UTF8) !== 0),
      flags,
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedBytes: view.getUint32(at + 20, true),
      bytes: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    });
    if (!entry.directory) {
      if (entry.bytes > limit.maxEntryBytes) {
        throw fail(at + 24, `the entry "${entry.path}" is ${entry.bytes} bytes uncompressed, more than the ${limit.maxEntryBytes} allowed for one file; leave it out of the archive`);
      }
      total += entry.bytes;
      if (total > limit.maxTotalBytes) {
        throw fail(at + 24, `the entries up to "${entry.path}" are more than ${limit.maxTotalBytes} bytes uncompressed, more than can be read at once; zip fewer files`);
      }
    }
    entries.push(entry);
    at = nextAt;
  }

  const files = entries.filter((entry) => !entry.directory);
  const seen = new Set<string>();
  for (const entry of files) {
    if (seen.has(entry.path)) throw fail(entry.localOffset, `the archive holds the entry "${entry.path}" more than once; zip the files again`);
    seen.add(entry.path);
  }
  const located = files.map((entry) => ({ entry, data: locateData(archive, view, entry, directoryStart) }));
  // A legitimate archive never lets one entry's data run into another's header; overlapping entries are how non-recursive zip bombs multiply their size.
  const ordered = [...located].sort((a, b) => a.entry.localOffset - b.entry.localOffset);
  ordered.forEach((item, i) => {
    const next = ordered[i + 1];
    if (next !== undefined && item.data + item.entry.compressedBytes > next.entry.localOffset) {
      throw fail(next.entry.localOffset, `the entries "${item.entry.path}" and "${next.entry.path}" overlap, which no ZIP tool writes; the archive is damaged or malicious`);
    }
  });
  const result: ZipEntry[] = [];
  for (const { entry, data } of located) {
    budget?.take(`${archive.file}/${entry.path}`, entry.bytes, entry.method === STORED ? 'holds' : 'inflates to');
    result.push({ path: entry.path, bytes: extract(archive, entry, data) });
  }
  return result;
}

/** The offset of the end record: the last signature whose comment fits in the file (the comment may itself hold the signature's bytes). */
function findEndRecord(bytes: Uint8Array, view: DataView): number | undefined {
  const lowest = Math.max(0, bytes.length - END_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - END_BYTES; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_SIGNATURE && at + END_BYTES + view.getUint16(at + 20, true) <= bytes.length) return at;
  }
  return undefined;
}

interface RawEntry {
  readonly path: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly localOffset: number;
}

/** Refuses what cannot be read safely; returns the entry with its path made safe to show and group by. */
function checkEntry(archive: NamedBytes, at: number, raw: RawEntry): CentralEntry {
  const fail = (problem: string) => new DatasetError(archive.file, { offset: at }, `the entry "${raw.path}" ${problem}`);
  if ((raw.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0 || raw.method === AES_METHOD) {
    throw fail('is encrypted; encrypted archives cannot be read here, so zip the files again without a password');
  }
  if (raw.compressedBytes === ZIP64_MARK || raw.bytes === ZIP64_MARK || raw.localOffset === ZIP64_MARK) {
    throw fail('needs ZIP64 (a file over 4 GB, or an archive that large), which cannot be read here; zip fewer or smaller files');
  }
  if (raw.method !== STORED && raw.method !== DEFLATED) {
    const name = METHOD_NAMES[raw.method] ?? `method ${raw.method}`;
    throw fail(`is compressed with ${name}; only stored and deflated entries (what zip tools write by default) can be read, so zip the files again with the default method`);
  }
  if (raw.method === STORED && raw.compressedBytes !== raw.bytes) throw fail(`is stored uncompressed, but its sizes differ (${raw.compressedBytes} and ${raw.bytes}); the archive is damaged`);
  // APPNOTE §4.4.17.1 asks for '/', but some old Windows tools wrote '\'.
  const segments = raw.path.replaceAll('\\', '/').split('/');
  if (raw.path.includes('\0')) throw fail('has a NUL character in its name; the archive is damaged or malicious');
  if (raw.path.startsWith('/') || raw.path.startsWith('\\') || /^[A-Za-z]:/.test(raw.path)) {
    throw fail('has an absolute path; archives hold relative paths only, so this one is damaged or malicious');
  }
  if (segments.includes('..')) throw fail('has ".." in its path, which would point outside the archive; the archive is damaged or malicious');
  const directory = raw.path.endsWith('/') || raw.path.endsWith('\\');
  const path = segments.filter((segment) => segment !== '' && segment !== '.').join('/');
  if (path === '' && !directory) throw fail('has no name; the archive is damaged');
  return { path, method: raw.method, crc: raw.crc, compressedBytes: raw.compressedBytes, bytes: raw.bytes, localOffset: raw.localOffset, directory };
}

/** Where an entry's data starts, after its local header (whose name and extra field may differ in length from the central one's). */
function locateData(archive: NamedBytes, view: DataView, entry: CentralEntry, directoryStart: number): number {
  const at = entry.localOffset;
  const fail = (offset: number, problem: string) => new DatasetError(archive.file, { offset }, `the entry "${entry.path}" ${problem}`);
  if (at + LOCAL_BYTES > directoryStart || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    throw fail(at, 'has no local header where the central directory says it starts; the archive is damaged, so download or copy it again');
  }
  const data = at + LOCAL_BYTES + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (data + entry.compressedBytes > directoryStart) throw fail(data, 'runs past the start of the central directory; the archive is truncated or damaged');
  return data;
}

function extract(archive: NamedBytes, entry: CentralEntry, data: number): Uint8Array {
  const stored = archive.bytes.subarray(data, data + entry.compressedBytes);
  const fail = (offset: number, problem: string) => new DatasetError(archive.file, { offset }, `the entry "${entry.path}" ${problem}`);
  let content: Uint8Array;
  if (entry.method === STORED) {
    content = stored.slice();
  } else {
    try {
      content = inflateRaw(stored, entry.bytes);
    } catch (cause) {
      if (cause instanceof SizeError) throw fail(data, `inflates to ${cause.message}, but the archive says ${entry.bytes} bytes; the archive is damaged or malicious`);
      throw new DatasetError(archive.file, { offset: data }, `the entry "${entry.path}" is corrupt: its compressed data could not be inflated; download or copy the archive again`, { cause });
    }
  }
  const actual = crc32(content);
  if (actual !== entry.crc) {
    throw fail(entry.localOffset, `is damaged: its CRC-32 is ${hex(actual)}, but the archive says ${hex(entry.crc)}; download or copy the archive again`);
  }
  return content;
}

class SizeError extends Error {}

/**
 * Entries with less compressed data than this are first inflated in one call (the common case: an
 * image or a small file). Deflate makes at most about 1,032 bytes from one (RFC 1951 §3.2.5: a match
 * of 258 bytes in 2 bits), so a lying entry this small costs at most ~66 MB of decoding, never memory.
 */
const ONE_CALL_MAX_BYTES = 64 * 1024;
/** Compressed bytes given to the streaming inflater at a time: at most ~17 MB come out before the count can stop it. */
const CHUNK_BYTES = 16 * 1024;

/** Inflates raw deflate data into exactly `expected` bytes (fflate), or throws a SizeError or fflate's error. */
function inflateRaw(compressed: Uint8Array, expected: number): Uint8Array {
  if (compressed.length < ONE_CALL_MAX_BYTES) {
    // Into a buffer one byte longer than declared: fflate truncates to fit, so a longer output shows
    // as that extra byte. Anything but the declared size is then diagnosed by the counting inflater.
    try {
      const out = inflateSync(compressed, { out: new Uint8Array(expected + 1) });
      if (out.length === expected) return out;
    } catch {
      // Diagnosed below.
    }
  }
  return inflateCounting(compressed, expected);
}

/** Streams the data through fflate's Inflate with a running count, and stops as soon as the output would pass `expected`. */
function inflateCounting(compressed: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let length = 0;
  const inflater = new Inflate((chunk) => {
    if (length + chunk.length > expected) throw new SizeError(`more than ${expected} bytes`);
    out.set(chunk, length);
    length += chunk.length;
  });
  let at = 0;
  do {
    inflater.push(compressed.subarray(at, at + CHUNK_BYTES), at + CHUNK_BYTES >= compressed.length);
    at += CHUNK_BYTES;
  } while (at < compressed.length);
  if (length !== expected) throw new SizeError(`${length} bytes`);
  return out;
}

/**
 * Names are UTF-8 when flag bit 11 says so (APPNOTE Appendix D), otherwise IBM code page 437; but
 * many tools (macOS's Archive Utility among them) write UTF-8 without setting the bit, so valid UTF-8
 * is taken as UTF-8 and only the rest is read as CP437.
 */
function decodeName(raw: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    if (utf8) return new TextDecoder('utf-8').decode(raw);
    return Array.from(raw, (byte) => (byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80]!)).join('');
  }
}

/** Code page 437, bytes 0x80–0xff (Unicode's mapping table, https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/PC/CP437.TXT). */
const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const hex = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;
