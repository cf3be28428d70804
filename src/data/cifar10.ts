/**
 * CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar.html, "Binary version"): files
 * `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin` of 10,000 records each, a record being
 * 1 label byte (0–9) and 3,072 pixel bytes: the 1,024 red values of the 32×32 image row by row, then
 * the 1,024 green, then the 1,024 blue. We convert that channel-planar layout to NHWC.
 */
import type { ImportBudget } from './budget.ts';
import type { ImageSet } from './dataset.ts';
import { errorAt, type NamedBytes } from './errors.ts';
import { decompressIfGzip } from './gzip.ts';
import { concatImageSets } from './image-set.ts';

/** batches.meta.txt of the binary version, in label order. */
export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD_BYTES = 1 + 3 * PLANE;

/** Decodes one CIFAR-10 binary batch (already decompressed); throws a DatasetError naming the file and offset. */
export function decodeCifar10(source: NamedBytes, budget?: ImportBudget): ImageSet {
  const { bytes } = source;
  if (bytes.length === 0) throw errorAt(source, 0, 'the file is empty; choose a CIFAR-10 binary batch such as data_batch_1.bin');
  const count = Math.floor(bytes.length / RECORD_BYTES);
  if (bytes.length % RECORD_BYTES !== 0) {
    throw errorAt(
      source,
      bytes.length,
      `the file ends here, inside record ${count + 1} (records are 3,073 bytes: a label and 32×32×3 pixels); the file is truncated or is not a CIFAR-10 binary batch`,
    );
  }
  budget?.take(source.file, count * 3 * PLANE, `holds ${count} images of 32×32×3, which take`);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const record = n * RECORD_BYTES;
    const label = bytes[record]!;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw errorAt(source, record, `record ${n + 1} has label ${label}, but CIFAR-10 labels are 0 to 9; the file is corrupt or is not a CIFAR-10 batch (CIFAR-100 records have 2 label bytes)`);
    }
    labels[n] = label;
    const out = n * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) images[out + 3 * p + c] = bytes[record + 1 + c * PLANE + p]!;
    }
  }
  return { height: SIDE, width: SIDE, channels: 3, count, images, labels };
}

/** One image set from one or more CIFAR-10 batches, raw or .gz (detected by content), in the order given. */
export async function parseCifar10(batches: readonly NamedBytes[], budget?: ImportBudget): Promise<ImageSet> {
  if (batches.length === 0) throw new Error('parseCifar10: needs at least one batch file');
  const sets: ImageSet[] = [];
  for (const batch of batches) sets.push(decodeCifar10(await decompressIfGzip(batch, budget), budget));
  return concatImageSets(sets);
}
