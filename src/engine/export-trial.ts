/**
 * Exports a trained network for a microcontroller, written once for the CLI (`train --export`,
 * `npm run export`) and the search worker ("Download for the microcontroller"): read the weights
 * and the calibration off tfjs, then build the bundle in src/deploy.
 */
import { type Target, findPresetTarget } from '../core/targets.ts';
import type { Dataset } from '../data/dataset.ts';
import { type ExportResult, buildExport, whyNoExport } from '../deploy/export.ts';
import type { ExportManifest } from '../deploy/manifest.ts';
import { exportInputs } from '../tf/export-inputs.ts';
import type { Network } from '../tf/network.ts';

/** The target an export predicts for when none of the study's targets runs TFLM. */
export const fallbackExportTarget = 'nano33-ble';

/**
 * The target of an export: the first of `targets` that runs TFLM, or else the Arduino Nano 33 BLE,
 * with the reason in words when it is not the first one.
 */
export function chooseExportTarget(targets: readonly Target[]): { target: Target; note?: string } {
  const tflm = targets.find((t) => whyNoExport(t) === undefined);
  if (tflm) return tflm === targets[0] ? { target: tflm } : { target: tflm, note: `${whyNoExport(targets[0]!)}; the bundle's numbers are for ${tflm.name}` };
  const fallback = findPresetTarget(fallbackExportTarget)!;
  const first = targets[0];
  return { target: fallback, note: `${first ? `${whyNoExport(first)}; ` : ''}the bundle's numbers are for ${fallback.name}` };
}

export interface ExportNetworkOptions {
  readonly target: Target;
  /** The trial's seed: the calibration sample follows it. */
  readonly seed: number;
  readonly source: ExportManifest['source'];
  readonly samples?: number;
  readonly createdBy: string;
}

/** The bundle of a trained network; the network is left as it is. */
export async function exportNetwork(network: Network, dataset: Dataset, options: ExportNetworkOptions): Promise<ExportResult> {
  const inputs = await exportInputs(network, { calibration: dataset.train, test: dataset.test }, { seed: options.seed });
  return buildExport({
    architecture: network.architecture,
    weights: inputs.weights,
    ranges: inputs.ranges,
    target: options.target,
    test: { images: dataset.test.images, labels: dataset.test.labels, count: dataset.test.count, predictions: inputs.predictions },
    classNames: dataset.classNames,
    source: options.source,
    samples: options.samples,
    createdBy: options.createdBy,
  });
}
