import { describe, it, expect } from 'vitest';
import { type Architecture, type InputShape, parseArchitecture } from '../../src/core/architecture.ts';
import { type MutationOperator, mutateArchitecture, mutationOperators } from '../../src/core/mutation.ts';
import { createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import {
  type SearchSpace,
  SearchSpaceError,
  defaultSearchSpace,
  parseSearchSpace,
  whyNotInSpace,
} from '../../src/core/search-space.ts';

const shapes: readonly InputShape[] = [
  { height: 8, width: 8, channels: 1 },
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The default space for 28×28×1 with some lists replaced. */
function space(change: Partial<Record<keyof SearchSpace, unknown>>): SearchSpace {
  return parseSearchSpace({ ...defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10), ...change });
}

const mnist = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);

const oneConv: Architecture = {
  input: { height: 28, width: 28, channels: 1 },
  classes: 10,
  layers: [{ type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same' }, { type: 'flatten' }],
};

describe('mutateArchitecture', () => {
  it('makes valid children inside the space, different from their parents, and leaves parents alone (200 chains × 20 steps)', () => {
    const used = new Map<string, number>();
    for (let chain = 0; chain < 200; chain++) {
      const input = shapes[chain % shapes.length]!;
      const searchSpace = defaultSearchSpace(input, 10);
      const rng = createRng(`chain-${chain}`);
      let parent = deepFreeze(sampleArchitecture(searchSpace, rng));
      for (let step = 0; step < 20; step++) {
        const before = JSON.stringify(parent);
        const { architecture, operator, description } = mutateArchitecture(parent, searchSpace, rng);
        expect(operator).not.toBe('none');
        expect(JSON.stringify(parent)).toBe(before);
        expect(JSON.stringify(architecture)).not.toBe(before);
        expect(() => parseArchitecture(JSON.parse(JSON.stringify(architecture)))).not.toThrow();
        expect(whyNotInSpace(architecture, searchSpace)).toBeUndefined();
        expect(description).toMatch(/^(added|removed|replaced|changed) .*layers\[\d+\]/);
        used.set(operator, (used.get(operator) ?? 0) + 1);
        parent = deepFreeze(architecture);
      }
    }
    expect([...used.keys()].sort()).toEqual([...mutationOperators].sort());
  });

  it('stays valid where the input leaves little room (8×8, valid 3×3 kernels only)', () => {
    const tight = parseSearchSpace({
      ...defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 10),
      convLayers: { min: 1, max: 6 },
      kernels: [3],
      paddings: ['valid'],
      pooling: { types: ['maxPool', 'avgPool'], sizes: [2, 3], probability: 0.5 },
    });
    const rng = createRng('tight');
    let parent = sampleArchitecture(tight, rng);
    for (let step = 0; step < 1000; step++) {
      const { architecture, operator } = mutateArchitecture(parent, tight, rng);
      expect(operator).not.toBe('none');
      expect(whyNotInSpace(architecture, tight)).toBeUndefined();
      parent = architecture;
    }
  });

  it('gives the same chain for the same seed', () => {
    const run = (seed: string) => {
      const rng = createRng(seed);
      let parent = sampleArchitecture(mnist, rng);
      return Array.from({ length: 50 }, () => {
        const mutation = mutateArchitecture(parent, mnist, rng);
        parent = mutation.architecture;
        return mutation;
      });
    };
    expect(run('evolve')).toEqual(run('evolve'));
    expect(run('evolve')).not.toEqual(run('other'));
  });

  it('returns the parent itself with operator none when the space holds only one architecture', () => {
    const single = space({
      convLayers: { min: 1, max: 1 },
      denseLayers: { min: 0, max: 0 },
      convTypes: ['conv'],
      filters: [8],
      kernels: [3],
      strides: [1],
      paddings: ['same'],
      bottlenecks: [],
      pooling: { types: [], sizes: [], probability: 0 },
      heads: ['flatten'],
    });
    const parent = sampleArchitecture(single, createRng(0));
    expect(parent).toEqual(oneConv);
    const result = mutateArchitecture(parent, single, createRng(0));
    expect(result.operator).toBe('none');
    expect(result.architecture).toBe(parent);
    expect(result.description).toBe(
      'left unchanged: none of addLayer, removeLayer, replaceLayer, changeFilters, changeKernel, changeStride, changeUnits gives a different architecture inside the search space',
    );
    expect(mutateArchitecture(parent, single, createRng(0), []).description).toBe('left unchanged: no operators were given');
  });

  it('changes a value to the only other one of the list, and says so', () => {
    const cases: [MutationOperator, Partial<Record<keyof SearchSpace, unknown>>, Architecture['layers'], string][] = [
      ['changeKernel', { kernels: [3, 5] }, oneConv.layers, 'changed kernel of layers[0] (conv) from 3 to 5'],
      ['changeFilters', { filters: [8, 16] }, oneConv.layers, 'changed filters of layers[0] (conv) from 8 to 16'],
      ['changeStride', { strides: [1, 2] }, oneConv.layers, 'changed stride of layers[0] (conv) from 1 to 2'],
      [
        'changeUnits',
        { denseUnits: [16, 32] },
        [...oneConv.layers, { type: 'dense', units: 32 }],
        'changed units of layers[2] (dense) from 32 to 16',
      ],
      [
        'replaceLayer',
        { convTypes: ['conv', 'separableConv'], heads: ['flatten'] },
        oneConv.layers,
        'replaced layers[0] (conv) with separableConv (same filters, kernel, stride and padding)',
      ],
    ];
    for (const [operator, change, layers, description] of cases) {
      const searchSpace = space({ ...change, strides: change.strides ?? [1], kernels: change.kernels ?? [3], filters: change.filters ?? [8] });
      const parent = deepFreeze({ ...oneConv, layers });
      const result = mutateArchitecture(parent, searchSpace, createRng(operator), [operator]);
      expect(result.operator).toBe(operator);
      expect(result.description).toBe(description);
      expect(whyNotInSpace(result.architecture, searchSpace)).toBeUndefined();
    }
  });

  it('adds only where the result fits and never beyond the depth maximums', () => {
    const searchSpace = space({ convLayers: { min: 1, max: 2 }, denseLayers: { min: 0, max: 1 }, pooling: { types: [], sizes: [], probability: 0 } });
    const rng = createRng('add');
    let parent: Architecture = oneConv;
    for (let step = 0; step < 2; step++) {
      const result = mutateArchitecture(parent, searchSpace, rng, ['addLayer']);
      expect(result.operator).toBe('addLayer');
      parent = result.architecture;
    }
    // One conv-like and one dense layer could be added, in either order; then both maximums are reached.
    expect(parent.layers.filter((layer) => layer.type === 'dense')).toHaveLength(1);
    expect(parent.layers).toHaveLength(4);
    expect(mutateArchitecture(parent, searchSpace, rng, ['addLayer']).operator).toBe('none');
  });

  it('never removes the head or goes below the depth minimums', () => {
    const searchSpace = space({ convLayers: { min: 1, max: 4 }, denseLayers: { min: 1, max: 2 } });
    const parent = deepFreeze({
      ...oneConv,
      layers: [...oneConv.layers.slice(0, 1), { type: 'maxPool', size: 2 }, { type: 'globalAvgPool' }, { type: 'dense', units: 16 }],
    } as const satisfies Architecture);
    const rng = createRng('remove');
    for (let i = 0; i < 50; i++) {
      const result = mutateArchitecture(parent, searchSpace, rng, ['removeLayer']);
      // Only the pool may go: the conv and the dense layer are at their minimums, and the head stays.
      expect(result.description).toBe('removed layers[1] (maxPool)');
      expect(result.architecture.layers.map((layer) => layer.type)).toEqual(['conv', 'globalAvgPool', 'dense']);
    }
  });

  it('removes a conv-like layer together with its pool when the pool cannot stay alone', () => {
    const searchSpace = space({ convLayers: { min: 0, max: 4 } });
    const parent: Architecture = { ...oneConv, layers: [oneConv.layers[0]!, { type: 'avgPool', size: 2 }, { type: 'flatten' }] };
    const descriptions = new Set<string>();
    const rng = createRng('remove pair');
    for (let i = 0; i < 50; i++) descriptions.add(mutateArchitecture(parent, searchSpace, rng, ['removeLayer']).description);
    expect([...descriptions].sort()).toEqual(['removed layers[0] (conv) and the avgPool after it', 'removed layers[1] (avgPool)']);
  });

  it('gives children fresh objects, so that editing a child cannot reach its parent', () => {
    const masked = { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same', keep: [1, 1, 0, 1, 1, 1, 1, 1] } as const;
    const parent: Architecture = { ...oneConv, layers: [masked, { type: 'flatten' }, { type: 'dense', units: 32 }] };
    const result = mutateArchitecture(parent, space({ denseUnits: [16, 32] }), createRng(1), ['changeUnits']);
    expect(result.architecture.input).not.toBe(parent.input);
    expect(result.architecture.layers[0]).not.toBe(parent.layers[0]);
    // An unchanged layer keeps its pruning mask; the changed one is rebuilt from its known fields.
    expect(result.architecture.layers[0]).toEqual(masked);
    expect(result.architecture.layers[2]).toEqual({ type: 'dense', units: 16 });
  });

  it('refuses a parent outside the space and an unknown operator', () => {
    const outside = { ...oneConv, layers: [{ ...oneConv.layers[0]!, kernel: 7 } as Architecture['layers'][number], { type: 'flatten' }] } as Architecture;
    let error: unknown;
    try {
      mutateArchitecture(outside, mnist, createRng(0));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SearchSpaceError);
    expect((error as SearchSpaceError).field).toBe('parent');
    expect((error as SearchSpaceError).message).toBe(
      "parent: is not inside the search space, so it cannot be mutated within it: layers[0] (conv): kernel 7 is not one of the search space's kernels [1,3,5]",
    );
    expect(() => mutateArchitecture(oneConv, mnist, createRng(0), ['grow' as MutationOperator])).toThrow(/unknown operator "grow"/);
  });
});
