/**
 * A minimal ZIP writer for the tests (APPNOTE.TXT §4.3): local headers, data, central directory, end
 * record; stored or deflated entries (CompressionStream('deflate-raw'), Node and Chromium alike). It
 * also says where each header is, so a test can damage exactly one field.
 */
import { crc32 } from '../../src/data/crc32.ts';

export interface WriteEntry {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** 'deflate' by default. */
  readonly method?: 'stored' | 'deflate';
  /** Extra general-purpose flag bits, e.g. 0x1 (encrypted). */
  readonly flags?: number;
  /** Bytes of the name as written (for names that are not UTF-8). */
  readonly rawName?: Uint8Array;
}

export interface WrittenZip {
  readonly bytes: Uint8Array;
  /** Per entry: offsets of its local header, its data and its central directory header. */
  readonly entries: readonly { readonly local: number; readonly data: number; readonly central: number }[];
  readonly end: number;
}

export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function writeZip(entries: readonly WriteEntry[], comment = ''): Promise<WrittenZip> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  const offsets: { local: number; data: number; central: number }[] = [];
  let at = 0;
  for (const entry of entries) {
    const name = entry.rawName ?? encoder.encode(entry.path);
    const method = entry.method === 'stored' ? 0 : 8;
    const data = method === 0 ? entry.bytes : await deflateRaw(entry.bytes);
    const flags = (entry.flags ?? 0) | (entry.rawName === undefined ? 0x800 : 0);
    const fields = { flags, method, crc: crc32(entry.bytes), compressed: data.length, size: entry.bytes.length };
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, fields.flags, true);
    lv.setUint16(8, fields.method, true);
    lv.setUint32(14, fields.crc, true);
    lv.setUint32(18, fields.compressed, true);
    lv.setUint32(22, fields.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, fields.flags, true);
    cv.setUint16(10, fields.method, true);
    cv.setUint32(16, fields.crc, true);
    cv.setUint32(20, fields.compressed, true);
    cv.setUint32(24, fields.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, at, true);
    central.set(name, 46);
    offsets.push({ local: at, data: at + local.length, central: 0 });
    parts.push(local, data);
    centrals.push(central);
    at += local.length + data.length;
  }
  const directoryStart = at;
  for (const [i, central] of centrals.entries()) {
    offsets[i]!.central = at;
    parts.push(central);
    at += central.length;
  }
  const commentBytes = encoder.encode(comment);
  const end = new Uint8Array(22 + commentBytes.length);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, at - directoryStart, true);
  ev.setUint32(16, directoryStart, true);
  ev.setUint16(20, commentBytes.length, true);
  end.set(commentBytes, 22);
  parts.push(end);
  const bytes = new Uint8Array(at + end.length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, entries: offsets, end: at };
}
