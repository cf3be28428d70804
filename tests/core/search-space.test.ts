import { describe, it, expect } from 'vitest';
import { type Architecture, type InputShape, isConvLike, parseArchitecture } from '../../src/core/architecture.ts';
import { createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import {
  type SearchSpace,
  SearchSpaceError,
  defaultSearchSpace,
  isInSpace,
  parseSearchSpace,
  whyNotInSpace,
} from '../../src/core/search-space.ts';
import { designExample } from '../fixtures/design-example.ts';

const shapes: readonly InputShape[] = [
  { height: 8, width: 8, channels: 1 },
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
];

const mnist = defaultSearchSpace({ height: 28, width: 28, channels: 1 }, 10);

/** The default space as plain JSON with `change` applied, for feeding parseSearchSpace. */
function spaceJson(change: (json: Record<string, unknown>) => void): unknown {
  const json = JSON.parse(JSON.stringify(mnist)) as Record<string, unknown>;
  change(json);
  return json;
}

function thrown(run: () => unknown): SearchSpaceError {
  try {
    run();
  } catch (error) {
    if (error instanceof SearchSpaceError) return error;
    throw error;
  }
  throw new Error('expected a SearchSpaceError, but nothing was thrown');
}

const convCount = (a: Architecture) => a.layers.filter(isConvLike).length;
const denseCount = (a: Architecture) => a.layers.filter((layer) => layer.type === 'dense').length;

describe('defaultSearchSpace', () => {
  it('holds the documented defaults', () => {
    expect(mnist).toEqual({
      input: { height: 28, width: 28, channels: 1 },
      classes: 10,
      convLayers: { min: 1, max: 4 },
      denseLayers: { min: 0, max: 2 },
      convTypes: ['conv', 'separableConv', 'downsampledConv'],
      filters: [4, 8, 16, 32, 64],
      kernels: [1, 3, 5],
      strides: [1, 2],
      paddings: ['same', 'valid'],
      bottlenecks: [2, 4, 8, 16],
      denseUnits: [16, 32, 64, 128],
      pooling: { types: ['maxPool', 'avgPool'], sizes: [2], probability: 0.5 },
      heads: ['flatten', 'globalAvgPool'],
    });
  });

  it('survives a JSON round trip through parseSearchSpace', () => {
    expect(parseSearchSpace(JSON.parse(JSON.stringify(mnist)))).toEqual(mnist);
  });

  it('rejects an input or class count that no architecture may have', () => {
    expect(thrown(() => defaultSearchSpace({ height: 0, width: 8, channels: 1 }, 10)).field).toBe('searchSpace.input.height');
    expect(thrown(() => defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 1)).field).toBe('searchSpace.classes');
  });
});

describe('sampleArchitecture', () => {
  it('draws only valid architectures inside the space, and reaches every choice (6,000 draws)', () => {
    const seen = { convTypes: new Set<string>(), heads: new Set<string>(), pools: new Set<string>(), paddings: new Set<string>() };
    for (const input of shapes) {
      const space = defaultSearchSpace(input, 10);
      const rng = createRng(`sample-${input.height}`);
      const convDepths = new Set<number>();
      const denseDepths = new Set<number>();
      for (let i = 0; i < 2000; i++) {
        const architecture = sampleArchitecture(space, rng);
        expect(() => parseArchitecture(JSON.parse(JSON.stringify(architecture)))).not.toThrow();
        expect(whyNotInSpace(architecture, space)).toBeUndefined();
        convDepths.add(convCount(architecture));
        denseDepths.add(denseCount(architecture));
        for (const layer of architecture.layers) {
          if (isConvLike(layer)) {
            seen.convTypes.add(layer.type);
            seen.paddings.add(layer.padding);
          }
          if (layer.type === 'maxPool' || layer.type === 'avgPool') seen.pools.add(layer.type);
          if (layer.type === 'flatten' || layer.type === 'globalAvgPool') seen.heads.add(layer.type);
        }
      }
      // Every depth from min to max, both ends included, for every input.
      expect([...convDepths].sort()).toEqual([1, 2, 3, 4]);
      expect([...denseDepths].sort()).toEqual([0, 1, 2]);
    }
    expect([...seen.convTypes].sort()).toEqual(['conv', 'downsampledConv', 'separableConv']);
    expect([...seen.heads].sort()).toEqual(['flatten', 'globalAvgPool']);
    expect([...seen.pools].sort()).toEqual(['avgPool', 'maxPool']);
    expect([...seen.paddings].sort()).toEqual(['same', 'valid']);
  });

  it('puts a global average only over at least as many channels as classes, unless the space offers no other head', () => {
    const rng = createRng('heads');
    let averaged = 0;
    for (let i = 0; i < 3000; i++) {
      const { layers } = sampleArchitecture(mnist, rng);
      const head = layers.findIndex((l) => l.type === 'globalAvgPool');
      if (head < 0) continue;
      averaged++;
      const last = layers.slice(0, head).reverse().find(isConvLike)!;
      expect(last.filters).toBeGreaterThanOrEqual(10);
    }
    // Filters 16, 32 and 64 still get averaged.
    expect(averaged).toBeGreaterThan(300);
    const onlyAverage = parseSearchSpace({ ...JSON.parse(JSON.stringify(mnist)), filters: [4], heads: ['globalAvgPool'] });
    expect(sampleArchitecture(onlyAverage, createRng('only')).layers.some((l) => l.type === 'globalAvgPool')).toBe(true);
  });

  it('gives the same sequence for the same seed and another for another seed', () => {
    const run = (seed: string) => {
      const rng = createRng(seed);
      return Array.from({ length: 200 }, () => sampleArchitecture(mnist, rng));
    };
    expect(run('same')).toEqual(run('same'));
    expect(run('other')).not.toEqual(run('same'));
  });

  it('follows a conv-like layer with a pool about as often as pooling.probability says', () => {
    const space = defaultSearchSpace({ height: 32, width: 32, channels: 3 }, 10);
    const rng = createRng('pools');
    let convs = 0;
    let pools = 0;
    for (let i = 0; i < 2000; i++) {
      const { layers } = sampleArchitecture(space, rng);
      convs += layers.filter(isConvLike).length;
      pools += layers.filter((layer) => layer.type === 'maxPool' || layer.type === 'avgPool').length;
    }
    // Below 0.5 only because a pool is skipped when it would leave no room for the layers after it.
    expect(pools / convs).toBeGreaterThan(0.35);
    expect(pools / convs).toBeLessThanOrEqual(0.5 + 0.03);
  });

  it('stops at the depth the input allows when the space asks for more', () => {
    // 8 → 6 → 4 → 2 with valid 3×3 kernels of stride 1: a fourth layer cannot fit.
    const space = parseSearchSpace(
      spaceJson((json) => {
        json.input = { height: 8, width: 8, channels: 1 };
        json.convLayers = { min: 1, max: 10 };
        json.kernels = [3];
        json.strides = [1];
        json.paddings = ['valid'];
        json.pooling = { types: ['maxPool'], sizes: [2], probability: 0.5 };
      }),
    );
    const rng = createRng('shallow');
    const depths = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const architecture = sampleArchitecture(space, rng);
      expect(isInSpace(architecture, space)).toBe(true);
      depths.add(convCount(architecture));
    }
    expect([...depths].sort()).toEqual([1, 2, 3]);
  });

  it('never places a pool that does not fit', () => {
    const space = parseSearchSpace(
      spaceJson((json) => {
        json.input = { height: 3, width: 5, channels: 1 };
        json.pooling = { types: ['avgPool'], sizes: [4], probability: 1 };
      }),
    );
    const rng = createRng('tiny');
    for (let i = 0; i < 300; i++) {
      const architecture = sampleArchitecture(space, rng);
      expect(isInSpace(architecture, space)).toBe(true);
      expect(architecture.layers.some((layer) => layer.type === 'avgPool')).toBe(false);
    }
  });

  it('says so when no architecture of the space fits its input, instead of looping', () => {
    const space = parseSearchSpace(
      spaceJson((json) => {
        json.input = { height: 3, width: 8, channels: 1 };
        json.kernels = [5, 7];
        json.paddings = ['valid'];
      }),
    );
    const error = thrown(() => sampleArchitecture(space, createRng(0)));
    expect(error.field).toBe('searchSpace.convLayers');
    expect(error.message).toBe(
      'searchSpace.convLayers: no choice of kernels [5,7], strides [1,2] and paddings ["valid"] fits 1 conv-like layers into the 3×8 input ' +
        '(at most 0 fit); lower convLayers.min, add smaller kernels or allow "same" padding',
    );
  });

  it('checks a space built in code before drawing from it', () => {
    const broken: SearchSpace = { ...mnist, filters: [] };
    expect(thrown(() => sampleArchitecture(broken, createRng(0))).field).toBe('searchSpace.filters');
  });

  it('draws from a space with no conv-like layers (a multilayer perceptron)', () => {
    const space = parseSearchSpace(
      spaceJson((json) => {
        json.convLayers = { min: 0, max: 0 };
        json.convTypes = [];
        json.filters = [];
        json.kernels = [];
        json.strides = [];
        json.paddings = [];
        json.bottlenecks = [];
        json.heads = ['flatten'];
        json.denseLayers = { min: 1, max: 1 };
        json.denseUnits = [32];
      }),
    );
    expect(sampleArchitecture(space, createRng(1)).layers).toEqual([{ type: 'flatten' }, { type: 'dense', units: 32 }]);
  });
});

describe('parseSearchSpace', () => {
  const cases: [string, (json: Record<string, unknown>) => void, string, string | RegExp][] = [
    ['empty kernels', (j) => (j.kernels = []), 'searchSpace.kernels', 'searchSpace.kernels: must be a non-empty list of integers from 1 to 31, got []'],
    ['a kernel above the limit', (j) => (j.kernels = [3, 33]), 'searchSpace.kernels', /got \[3,33\]$/],
    ['a stride above the limit', (j) => (j.strides = [1, 9]), 'searchSpace.strides', /integers from 1 to 8/],
    ['a repeated filter count', (j) => (j.filters = [8, 16, 8]), 'searchSpace.filters', 'searchSpace.filters: lists 8 more than once; each choice must appear once'],
    ['min above max', (j) => (j.convLayers = { min: 3, max: 1 }), 'searchSpace.convLayers', 'searchSpace.convLayers: min (3) must not be greater than max (1)'],
    ['a negative minimum', (j) => (j.denseLayers = { min: -1, max: 2 }), 'searchSpace.denseLayers.min', /must be an integer from 0 to 256, got -1/],
    ['a fractional maximum', (j) => (j.convLayers = { min: 1, max: 2.5 }), 'searchSpace.convLayers.max', /got 2.5/],
    ['a range that is not an object', (j) => (j.convLayers = 4), 'searchSpace.convLayers', /must be an object/],
    [
      'an unknown conv type',
      (j) => (j.convTypes = ['conv', 'dilatedConv']),
      'searchSpace.convTypes',
      'searchSpace.convTypes: unknown conv type "dilatedConv"; expected one of "conv", "separableConv", "downsampledConv"',
    ],
    ['an unknown padding', (j) => (j.paddings = ['full']), 'searchSpace.paddings', /unknown padding "full"/],
    ['no heads', (j) => (j.heads = []), 'searchSpace.heads', /must be a non-empty list/],
    ['a probability above 1', (j) => ((j.pooling as Record<string, unknown>).probability = 1.5), 'searchSpace.pooling.probability', 'searchSpace.pooling.probability: must be a number from 0 to 1, got 1.5'],
    ['no pool sizes while pooling is on', (j) => ((j.pooling as Record<string, unknown>).sizes = []), 'searchSpace.pooling.sizes', /non-empty list .* when pooling.probability is above 0/],
    ['an unknown pool type', (j) => ((j.pooling as Record<string, unknown>).types = ['minPool']), 'searchSpace.pooling.types', /unknown pool type "minPool"/],
    ['no bottlenecks with downsampledConv', (j) => (j.bottlenecks = []), 'searchSpace.bottlenecks', /when convTypes includes "downsampledConv"/],
    ['zero dense units', (j) => (j.denseUnits = [0, 16]), 'searchSpace.denseUnits', /integers from 1 to 65536/],
    ['a zero input side', (j) => (j.input = { height: 0, width: 28, channels: 1 }), 'searchSpace.input.height', /got 0/],
    ['a missing input', (j) => delete j.input, 'searchSpace.input', /must be an object with height, width and channels, got nothing/],
    ['one class', (j) => (j.classes = 1), 'searchSpace.classes', /from 2 to 10000, got 1/],
    ['more layers than an architecture may have', (j) => (j.convLayers = { min: 1, max: 200 }), 'searchSpace.convLayers', /architectures of 403 layers; at most 256/],
  ];

  for (const [what, change, field, message] of cases) {
    it(`rejects ${what}, naming ${field}`, () => {
      const error = thrown(() => parseSearchSpace(spaceJson(change)));
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('SearchSpaceError');
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    });
  }

  it('rejects what is not an object', () => {
    expect(thrown(() => parseSearchSpace(null)).message).toBe('searchSpace: must be a JSON object, got null');
    expect(thrown(() => parseSearchSpace([])).field).toBe('searchSpace');
  });

  it('allows empty lists that nothing uses', () => {
    const space = parseSearchSpace(
      spaceJson((json) => {
        json.convTypes = ['conv', 'separableConv'];
        json.bottlenecks = [];
        json.pooling = { types: [], sizes: [], probability: 0 };
        json.denseLayers = { min: 0, max: 0 };
        json.denseUnits = [];
      }),
    );
    expect(space.bottlenecks).toEqual([]);
    expect(space.pooling).toEqual({ types: [], sizes: [], probability: 0 });
    const rng = createRng('empty lists');
    for (let i = 0; i < 200; i++) {
      const architecture = sampleArchitecture(space, rng);
      expect(isInSpace(architecture, space)).toBe(true);
      expect(architecture.layers.some((layer) => layer.type === 'maxPool' || layer.type === 'avgPool' || layer.type === 'dense')).toBe(false);
    }
  });

  it('rejects unknown fields instead of ignoring a misspelt one', () => {
    expect(() => parseSearchSpace(spaceJson((json) => (json.kernel = [3])))).toThrow(
      'searchSpace.kernel: is not a field of the search space; expected one of input, classes',
    );
    expect(() => parseSearchSpace(spaceJson((json) => ((json.pooling as Record<string, unknown>).size = [2])))).toThrow(
      'searchSpace.pooling.size: is not a field of the search space; expected one of types, sizes, probability',
    );
    expect(() => parseSearchSpace(spaceJson((json) => ((json.input as Record<string, unknown>).depth = 1)))).toThrow('searchSpace.input.depth');
  });
});

describe('whyNotInSpace', () => {
  // The example of DESIGN.md §2: every choice of it is in the default space.
  const example = designExample;
  const withLayers = (layers: Architecture['layers']): Architecture => ({ ...example, layers });

  it('accepts the DESIGN.md example, also with a pruning mask on a layer', () => {
    expect(whyNotInSpace(example, mnist)).toBeUndefined();
    const masked = withLayers(example.layers.map((layer, i) => (i === 0 ? { ...layer, keep: [1, 0, 1, 1, 1, 1, 1, 1] } : layer)));
    expect(isInSpace(masked, mnist)).toBe(true);
  });

  it('names the first reason an architecture is outside the space', () => {
    const layers = example.layers;
    expect(whyNotInSpace(withLayers([{ ...layers[0]!, kernel: 7 } as Architecture['layers'][number], ...layers.slice(1)]), mnist)).toBe(
      "layers[0] (conv): kernel 7 is not one of the search space's kernels [1,3,5]",
    );
    expect(whyNotInSpace({ ...example, classes: 3 }, mnist)).toBe("classes: 3 differs from the search space's 10");
    expect(whyNotInSpace({ ...example, input: { height: 28, width: 28, channels: 3 } }, mnist)).toBe(
      "input: 28×28×3 differs from the search space's 28×28×1",
    );
    expect(whyNotInSpace(withLayers([layers[1]!, ...layers]), mnist)).toMatch(/^layers\[0\] \(maxPool\): the search space's layout is/);
    expect(whyNotInSpace(withLayers([layers[0]!, layers[1]!, layers[1]!, ...layers.slice(2)]), mnist)).toMatch(/^layers\[2\] \(maxPool\): the search space's layout/);
    expect(whyNotInSpace(withLayers([...layers.slice(0, 5), { type: 'dense', units: 16 }]), mnist)).toMatch(/^layers\[5\] \(dense\): a dense layer needs a flatten/);
    expect(whyNotInSpace(withLayers([...layers, { type: 'dense', units: 16 }, { type: 'dense', units: 16 }]), mnist)).toBe(
      "layers: 3 dense layers, outside the search space's 0 to 2",
    );
    const fiveConvs = withLayers([...Array.from({ length: 5 }, () => layers[2]!), { type: 'globalAvgPool' }]);
    expect(whyNotInSpace(fiveConvs, mnist)).toBe("layers: 5 conv-like layers, outside the search space's 1 to 4");
    expect(whyNotInSpace(withLayers([...layers.slice(0, 6), { type: 'dense', units: 20 }]), mnist)).toBe(
      "layers[6] (dense): units 20 is not one of the search space's denseUnits [16,32,64,128]",
    );
    const noPools = parseSearchSpace(spaceJson((json) => ((json.pooling as Record<string, unknown>).probability = 0)));
    expect(whyNotInSpace(example, noPools)).toBe('layers[1] (maxPool): the search space has no pooling (probability 0)');
  });

  it('reports an invalid architecture with the validator’s message', () => {
    const tooBig = withLayers([{ type: 'conv', filters: 8, kernel: 5, stride: 1, padding: 'valid' }, { type: 'flatten' }]);
    const tiny = { ...tooBig, input: { height: 3, width: 3, channels: 1 } };
    const space = defaultSearchSpace(tiny.input, 10);
    expect(whyNotInSpace(tiny, space)).toMatch(/^layers\[0\] \(conv\): kernel 5 with padding "valid" does not fit its 3×3 input/);
    expect(isInSpace(tiny, space)).toBe(false);
  });
});
