/**
 * Properties of the resource model over thousands of architectures drawn from the default search
 * spaces, unpruned and with random pruning measurements.
 */
import { describe, expect, it } from 'vitest';
import { type Architecture, type InputShape, parseArchitecture } from '../../src/core/architecture.ts';
import { type Measurement, expandOps, opsPerLayer } from '../../src/core/ops.ts';
import { estimate } from '../../src/core/resources.ts';
import { type Rng, createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { availableMemory, presetTargets } from '../../src/core/targets.ts';

const inputs: readonly InputShape[] = [
  { height: 8, width: 8, channels: 1 },
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
];

function* samples(count: number, seed: string): Generator<Architecture> {
  const rng = createRng(seed);
  for (let i = 0; i < count; i++) {
    const input = inputs[i % inputs.length]!;
    yield sampleArchitecture(defaultSearchSpace(input, 10), rng);
  }
}

/** Random surviving channels and non-zero counts, as a pruning method could leave them. */
function randomMeasurement(architecture: Architecture, rng: Rng): Measurement {
  const unpruned = expandOps(architecture);
  const measurement = architecture.layers.map((layer) => {
    if (layer.type === 'dense') return { channels: rng.int(1, layer.units) };
    if (layer.type === 'conv' || layer.type === 'separableConv') return { channels: rng.int(1, layer.filters) };
    if (layer.type === 'downsampledConv') return { channels: rng.int(1, layer.filters), bottleneck: rng.int(1, layer.bottleneck) };
    return undefined;
  });
  // Non-zero counts must fit the pruned layer's weights: take them from its ops.
  const shrunk = expandOps(architecture, measurement);
  const withNonzero = [...measurement, undefined].map((entry, index) => {
    const ops = shrunk.filter((op) => op.layerIndex === index && op.weights > 0);
    if (ops.length === 0) return entry;
    return { ...entry, nonzeroWeights: ops.map((op) => rng.int(0, op.weights)) };
  });
  expect(unpruned.length).toBe(shrunk.length);
  return withNonzero;
}

describe('resource model properties', () => {
  it('over 3,000 sampled architectures: valid, working memory is the largest op input + output, deploy ≥ paper', () => {
    for (const architecture of samples(3000, 'properties')) {
      expect(parseArchitecture(JSON.parse(JSON.stringify(architecture)))).toEqual(architecture);
      const e = estimate(architecture, presetTargets);
      expect(e.ops.length).toBe(architecture.layers.reduce((n, layer) => n + opsPerLayer[layer.type], 1));
      let largest = 0;
      for (const op of e.ops) {
        expect(e.paper.workingMemoryBytes).toBeGreaterThanOrEqual(op.inputElements + op.outputElements);
        largest = Math.max(largest, op.inputElements + op.outputElements);
      }
      expect(e.paper.workingMemoryBytes).toBe(largest);
      expect(e.paper.modelSizeBytes).toBe(e.params);
      for (const t of e.targets) {
        expect(t.deploy.flashBytes).toBeGreaterThanOrEqual(e.paper.modelSizeBytes);
        expect(t.deploy.sramBytes).toBeGreaterThanOrEqual(e.paper.workingMemoryBytes);
        expect(t.deploy.sram.arena).toBeGreaterThanOrEqual(e.paper.workingMemoryBytes);
        expect(t.latencyMs).toBeGreaterThan(0);
        // The verdict agrees with the numbers, after the target's reserve for other code.
        const available = availableMemory(t.target);
        expect(t.verdicts.paper.fits).toBe(e.paper.modelSizeBytes <= available.flash && e.paper.workingMemoryBytes <= available.sram);
        expect(t.verdicts.deploy.fits).toBe(t.deploy.flashBytes <= available.flash && t.deploy.sramBytes <= available.sram);
      }
    }
  });

  it('over 2,000 randomly pruned architectures: pruning never grows a cost, and the properties still hold', () => {
    const rng = createRng('pruning');
    for (const architecture of samples(2000, 'pruned')) {
      const measurement = randomMeasurement(architecture, rng);
      const full = estimate(architecture, presetTargets);
      const pruned = estimate(architecture, presetTargets, { measurement });
      expect(pruned.paper.modelSizeBytes).toBeLessThanOrEqual(full.paper.modelSizeBytes);
      expect(pruned.paper.workingMemoryBytes).toBeLessThanOrEqual(full.paper.workingMemoryBytes);
      expect(pruned.macs).toBeLessThanOrEqual(full.macs);
      expect(pruned.paper.modelSizeBytes).toBe(pruned.nonzeroParams);
      for (const op of pruned.ops) expect(pruned.paper.workingMemoryBytes).toBeGreaterThanOrEqual(op.inputElements + op.outputElements);
      pruned.targets.forEach((t, i) => {
        expect(t.deploy.flashBytes).toBeGreaterThanOrEqual(pruned.paper.modelSizeBytes);
        expect(t.deploy.sramBytes).toBeGreaterThanOrEqual(pruned.paper.workingMemoryBytes);
        expect(t.deploy.flash.weights).toBeLessThanOrEqual(full.targets[i]!.deploy.flash.weights);
      });
    }
  });

  it('is a pure function: the same architecture gives the same estimate', () => {
    for (const architecture of samples(200, 'pure')) {
      expect(estimate(architecture, presetTargets)).toEqual(estimate(structuredClone(architecture), presetTargets));
    }
  });
});
