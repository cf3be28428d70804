/**
 * An import request from the page, in the search worker: the transferred files handed to
 * src/data/import-files.ts (which reads the formats), and what it returns described as the dataset
 * list shows it.
 */
import { type DatasetImportRequest, type DatasetInfo, datasetFormats } from '../contracts/datasets.ts';
import type { Dataset } from '../data/dataset.ts';
import type { ImageDecoder } from '../data/image-folder.ts';
import { importFiles } from '../data/import-files.ts';

export interface ImportedDataset {
  readonly dataset: Dataset;
  readonly info: DatasetInfo;
}

/** The dataset `request` describes, under the id `id`; `decodeImage` decodes image files (a browser's decoder in the worker). */
export async function importUserDataset(request: DatasetImportRequest, decodeImage: ImageDecoder, id: string, now: Date): Promise<ImportedDataset> {
  if (!datasetFormats.includes(request.format)) throw new Error(`Unknown file format "${String(request.format)}"; choose one of ${datasetFormats.join(', ')}.`);
  for (const file of request.files) {
    if (!(file.bytes instanceof ArrayBuffer)) throw new Error(`The file ${file.name} was not read; choose it again.`);
  }
  const files = request.files.map((file) => ({ file: file.name, bytes: new Uint8Array(file.bytes) }));
  const { dataset, source } = await importFiles({ ...request, files }, decodeImage, id);
  const { height, width, channels } = dataset.train;
  const info: DatasetInfo = {
    id,
    name: dataset.name,
    builtin: false,
    shape: { height, width, channels },
    classes: dataset.classNames.length,
    classNames: dataset.classNames,
    splits: { train: dataset.train.count, validation: dataset.validation.count, test: dataset.test.count },
    source,
    createdAt: now.toISOString(),
  };
  return { dataset, info };
}
