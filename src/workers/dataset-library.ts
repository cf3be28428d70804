/**
 * The datasets the search worker can train on: the built-in ones (static files checked against their
 * manifest) and the ones the user imported (IndexedDB, SPDS bytes CRC-checked on load). A study names
 * its dataset by id; imported ids start with "user-", which no built-in id does.
 */
import { type DatasetImportRequest, type DatasetInfo, isImportedDatasetId, newDatasetId } from '../contracts/datasets.ts';
import { decodeDataset, encodeDataset } from '../data/binary-format.ts';
import { fetchReader, isBuiltinDatasetId, loadBuiltinDataset, loadManifest } from '../data/builtin.ts';
import type { Dataset } from '../data/dataset.ts';
import { decodeImageInBrowser } from '../data/decode-image-browser.ts';
import type { ImageDecoder } from '../data/image-folder.ts';
import type { Manifest, ManifestEntry } from '../data/manifest.ts';
import { deleteDataset, getDataset, listDatasets, saveDataset } from '../db/datasets.ts';
import type { StudyDatabase } from '../db/schema.ts';
import { listStudies } from '../db/studies.ts';
import { importUserDataset } from './dataset-import.ts';

export interface DatasetLibrary {
  /** The dataset `id`, loaded once and kept. */
  load(id: string): Promise<Dataset>;
  /** Built-in datasets first, in the manifest's order, then imported ones, the newest first. */
  list(): Promise<DatasetInfo[]>;
  /** Decodes, splits and stores the files as a new dataset; nothing is stored when any of it fails. */
  importFiles(request: DatasetImportRequest): Promise<DatasetInfo>;
  /** Deletes an imported dataset no stored study uses; false when there was none. */
  remove(id: string): Promise<boolean>;
}

export function createDatasetLibrary(datasetsUrl: string, database: () => Promise<StudyDatabase>, decodeImage: ImageDecoder = decodeImageInBrowser): DatasetLibrary {
  const loaded = new Map<string, Promise<Dataset>>();
  let manifest: Promise<Manifest> | undefined;
  const reader = fetchReader(datasetsUrl);
  const readManifest = (): Promise<Manifest> => {
    if (manifest === undefined) {
      manifest = loadManifest(reader);
      // A failed download is tried again next time rather than remembered.
      manifest.catch(() => (manifest = undefined));
    }
    return manifest;
  };

  async function loadImported(id: string): Promise<Dataset> {
    const stored = await getDataset(await database(), id);
    if (stored === undefined) {
      throw new Error(`the dataset "${id}" is not stored in this browser (it was deleted, or the study comes from another browser); import the dataset again and start a new study on it`);
    }
    return decodeDataset({ file: `the stored dataset "${stored.info.name}"`, bytes: stored.spds });
  }

  return {
    load(id: string): Promise<Dataset> {
      let loading = loaded.get(id);
      if (loading === undefined) {
        if (isBuiltinDatasetId(id)) loading = readManifest().then((m) => loadBuiltinDataset(id, reader, m));
        else if (isImportedDatasetId(id)) loading = loadImported(id);
        else return Promise.reject(new Error(`unknown dataset "${id}"`));
        loaded.set(id, loading);
        loading.catch(() => loaded.delete(id));
      }
      return loading;
    },

    async list(): Promise<DatasetInfo[]> {
      const builtin = (await readManifest()).datasets.filter((entry) => isBuiltinDatasetId(entry.id)).map(builtinInfo);
      return [...builtin, ...(await listDatasets(await database()))];
    },

    async importFiles(request: DatasetImportRequest): Promise<DatasetInfo> {
      const { dataset, info } = await importUserDataset(request, decodeImage, newDatasetId(), new Date());
      await saveDataset(await database(), encodeDataset(dataset), info);
      loaded.set(info.id, Promise.resolve(dataset));
      return info;
    },

    async remove(id: string): Promise<boolean> {
      if (!isImportedDatasetId(id)) throw new Error(`"${id}" is a built-in dataset; only imported datasets can be deleted`);
      const db = await database();
      const users = (await listStudies(db)).filter((study) => study.config.dataset === id);
      if (users.length > 0) {
        const names = users.map((study) => `"${study.config.name}"`).join(', ');
        throw new Error(`the dataset is used by the ${users.length === 1 ? 'study' : 'studies'} ${names}, which could not be resumed without it; delete ${users.length === 1 ? 'that study' : 'those studies'} first (export ${users.length === 1 ? 'it' : 'them'} to keep the results)`);
      }
      loaded.delete(id);
      return deleteDataset(db, id);
    },
  };
}

function builtinInfo(entry: ManifestEntry): DatasetInfo {
  return {
    id: entry.id,
    name: entry.name,
    builtin: true,
    shape: entry.shape,
    classes: entry.classes,
    classNames: entry.classNames,
    splits: entry.splits,
    source: `${entry.description} Licence: ${entry.licence.name}.`,
  };
}
