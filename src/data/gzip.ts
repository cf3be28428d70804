/**
 * Gzip, read with the platform's `DecompressionStream` (Node ≥ 18 and every current browser have it)
 * rather than fflate (which zip.ts uses): it checks the trailer's CRC-32 and size, which fflate's
 * gunzip does not, and inflates one large file at native speed. The header is checked here first, so
 * the common mistakes (not gzip, truncated to nothing) get a precise offset; a failure inside the
 * deflate stream can only be placed "from byte 10 on", where the compressed data starts.
 */
import type { ImportBudget } from './budget.ts';
import { DatasetError, type NamedBytes } from './errors.ts';

/** RFC 1952 §2.3: every gzip member starts with ID1 = 0x1f, ID2 = 0x8b. */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** RFC 1952: a 10-byte header and an 8-byte trailer (CRC-32 and size) around the deflate data. */
const HEADER_BYTES = 10;
const TRAILER_BYTES = 8;
/** RFC 1952 §2.3.1: CM = 8 is deflate, the only method defined. */
const DEFLATE = 8;
/** RFC 1952 §2.3.1: FLG bits 5–7 are reserved and must be zero. */
const RESERVED_FLAGS = 0xe0;

/**
 * The decompressed content of the gzip file `file`; throws a DatasetError that names the file and the
 * offset. With a `budget`, the output is counted as its chunks arrive and the stream is cancelled as
 * soon as it passes what is left of the budget (a 1 MB file can inflate to gigabytes).
 */
export async function gunzip(file: string, bytes: Uint8Array, budget?: ImportBudget): Promise<Uint8Array> {
  const at = (offset: number, problem: string) => new DatasetError(file, { offset }, problem);
  if (!isGzip(bytes)) throw at(0, 'this is not a gzip file (it does not start with 1f 8b); give the uncompressed file or the .gz file itself');
  if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
    throw at(bytes.length, `the gzip file ends after ${bytes.length} bytes, before its data (at least ${HEADER_BYTES + TRAILER_BYTES} are needed); the file is truncated, so download or copy it again`);
  }
  if (bytes[2] !== DEFLATE) throw at(2, `the gzip compression method is ${bytes[2]}, not 8 (deflate); this file cannot be read`);
  if ((bytes[3]! & RESERVED_FLAGS) !== 0) throw at(3, 'the gzip header has reserved flag bits set, so the file is corrupt; download or copy it again');
  try {
    return await inflate(bytes, file, budget);
  } catch (cause) {
    if (cause instanceof DatasetError) throw cause;
    throw new DatasetError(
      file,
      { offset: HEADER_BYTES },
      `the compressed data from this byte on is corrupt or truncated (the gzip decoder stopped); download or copy the file again`,
      { cause },
    );
  }
}

/** `source` as it is, or its decompressed content when it is gzip (detected by its first two bytes, not its name). */
export async function decompressIfGzip(source: NamedBytes, budget?: ImportBudget): Promise<NamedBytes> {
  if (!isGzip(source.bytes)) return source;
  return { file: source.file, bytes: await gunzip(source.file, source.bytes, budget), decompressed: true };
}

async function inflate(bytes: Uint8Array, file: string, budget: ImportBudget | undefined): Promise<Uint8Array> {
  // A fresh copy: Node 20's DecompressionStream reads a view's whole underlying ArrayBuffer, so a
  // Buffer from a shared pool (what node:zlib and some fs calls return) would be read with its
  // neighbours' bytes (found while writing this module: "incorrect data check" on a valid file).
  const input = new Uint8Array(bytes);
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // The writer's promises fail with the same error as the readable side, which is the one reported.
  writer.write(input).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (budget !== undefined && length > budget.left) {
      // Cancelling stops the decoder: nothing more is inflated or kept.
      reader.cancel().catch(() => undefined);
      throw budget.refusal(file, undefined, 'inflates to');
    }
    chunks.push(value);
  }
  budget?.take(file, length, 'inflates to');
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
