import { describe, expect, it } from 'vitest';
import { ArchitectureError, inferShapes, outputSide, parseArchitecture, validateArchitecture } from '../../src/core/architecture.ts';

const base = { input: { height: 8, width: 8, channels: 1 }, classes: 10 };
const conv = (extra: Record<string, unknown> = {}) => ({ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'same', ...extra });

/** The message of the error that validating `value` gives. */
function errorOf(value: unknown): string {
  const result = validateArchitecture(value);
  if (result.ok) throw new Error('expected the architecture to be rejected');
  return result.error.message;
}

describe('output sides', () => {
  it('follow DESIGN.md §2', () => {
    expect(outputSide(28, 3, 1, 'same')).toBe(28);
    expect(outputSide(28, 3, 2, 'same')).toBe(14);
    expect(outputSide(27, 3, 2, 'same')).toBe(14); // ceil(27/2)
    expect(outputSide(28, 3, 1, 'valid')).toBe(26);
    expect(outputSide(28, 3, 2, 'valid')).toBe(13); // floor(25/2) + 1
    expect(outputSide(4, 5, 1, 'valid')).toBe(0);
  });
});

describe('validateArchitecture', () => {
  it('accepts a valid architecture and gives the shape after every layer', () => {
    const result = validateArchitecture({
      ...base,
      layers: [conv({ padding: 'valid' }), { type: 'maxPool', size: 2 }, { type: 'globalAvgPool' }, { type: 'dense', units: 8 }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.shapes).toEqual([
      { height: 6, width: 6, channels: 4, flat: false },
      { height: 3, width: 3, channels: 4, flat: false },
      { height: 1, width: 1, channels: 4, flat: true },
      { height: 1, width: 1, channels: 8, flat: true },
    ]);
  });

  it('keeps extra optional fields such as a keep mask', () => {
    const architecture = parseArchitecture({ ...base, layers: [conv({ keep: [1, 0, 1, 1] }), { type: 'flatten' }] });
    expect(architecture.layers[0]).toEqual(conv({ keep: [1, 0, 1, 1] }));
  });

  it('flattens to height × width × channels', () => {
    const architecture = parseArchitecture({ ...base, layers: [conv({ stride: 2 }), { type: 'flatten' }] });
    expect(inferShapes(architecture).at(-1)).toEqual({ height: 1, width: 1, channels: 4 * 4 * 4, flat: true });
  });

  it.each([
    ['not an object', [], 'architecture: must be a JSON object, got a list'],
    ['no input', { classes: 10, layers: [] }, 'input: must be an object with height, width and channels, got nothing'],
    ['input height 0', { ...base, input: { height: 0, width: 8, channels: 1 }, layers: [] }, 'input: "height" must be an integer from 1 to 4096, got 0'],
    ['one class', { ...base, classes: 1, layers: [] }, 'architecture: "classes" must be an integer from 2 to 10000, got 1'],
    ['layers not a list', { ...base, layers: {} }, 'layers: must be a list of layers, got an object'],
    ['layer not an object', { ...base, layers: [conv(), 3] }, 'layers[1]: must be an object, got 3'],
    ['unknown type', { ...base, layers: [{ type: 'lstm' }] }, 'layers[0]: unknown layer type "lstm"; expected one of conv, separableConv'],
    ['missing type', { ...base, layers: [{ filters: 3 }] }, 'layers[0]: unknown layer type nothing'],
    ['kernel 0', { ...base, layers: [conv({ kernel: 0 })] }, 'layers[0] (conv): "kernel" must be an integer from 1 to 31, got 0'],
    ['fractional stride', { ...base, layers: [conv({ stride: 1.5 })] }, 'layers[0] (conv): "stride" must be an integer from 1 to 8, got 1.5'],
    ['string filters', { ...base, layers: [conv({ filters: '8' })] }, 'layers[0] (conv): "filters" must be an integer from 1 to 4096, got "8"'],
    ['bad padding', { ...base, layers: [conv({ padding: 'full' })] }, 'layers[0] (conv): "padding" must be "same" or "valid", got "full"'],
    [
      'missing bottleneck',
      { ...base, layers: [{ type: 'downsampledConv', filters: 4, kernel: 3, stride: 1, padding: 'same' }] },
      'layers[0] (downsampledConv): "bottleneck" must be an integer from 1 to 4096, got nothing',
    ],
    ['pool size 0', { ...base, layers: [{ type: 'maxPool', size: 0 }] }, 'layers[0] (maxPool): "size" must be an integer from 1 to 32, got 0'],
    ['dense units huge', { ...base, layers: [{ type: 'flatten' }, { type: 'dense', units: 1e9 }] }, 'layers[1] (dense): "units" must be an integer from 1 to 65536'],
  ])('rejects %s, naming the field', (_, value, message) => {
    expect(errorOf(value)).toContain(message);
  });

  it.each([
    ['a dense layer before flatten', [conv(), { type: 'dense', units: 4 }], 'layers[1] (dense): a dense layer needs a flatten or globalAvgPool layer before it'],
    [
      'a conv after flatten',
      [{ type: 'flatten' }, conv()],
      'layers[1] (conv): comes after layers[0] (flatten), which already made the activations flat; move it before that layer',
    ],
    [
      'a second head',
      [{ type: 'globalAvgPool' }, { type: 'flatten' }],
      'layers[1] (flatten): comes after layers[0] (globalAvgPool)',
    ],
    [
      'a valid kernel larger than its input',
      [conv({ padding: 'valid', stride: 2 }), conv({ kernel: 5, padding: 'valid' })],
      'layers[1] (conv): kernel 5 with padding "valid" does not fit its 3×3 input (the output would be 0×0)',
    ],
    [
      'a pool larger than its input',
      [{ type: 'maxPool', size: 4 }, { type: 'avgPool', size: 3 }, { type: 'flatten' }],
      'layers[1] (avgPool): pool size 3 does not fit its 2×2 input (the output would be 0×0)',
    ],
    ['no head', [conv()], 'layers[0] (conv): the implied classifier is a dense layer: add a flatten or globalAvgPool layer before it'],
    ['no layers', [], 'layers: the implied classifier is a dense layer'],
  ])('rejects %s, naming the layer', (_, layers, message) => {
    expect(errorOf({ ...base, layers })).toContain(message);
  });

  it('reports the layer index on the error object', () => {
    const result = validateArchitecture({ ...base, layers: [conv(), { type: 'flatten' }, conv()] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ArchitectureError);
    expect(result.error.layerIndex).toBe(2);
    expect(result.error.where).toBe('layers[2] (conv)');
  });

  it('rejects more than 256 layers', () => {
    const layers = [...Array.from({ length: 256 }, () => conv()), { type: 'flatten' }];
    expect(errorOf({ ...base, layers })).toBe('layers: has 257 layers; at most 256 are allowed');
  });
});

describe('extra fields from untrusted JSON (issue 14)', () => {
  const text = (layer: string, top = '') =>
    `{"input":{"height":8,"width":8,"channels":1},"classes":10,${top}"layers":[${layer},{"type":"flatten"}]}`;
  const conv3 = '"type":"conv","filters":4,"kernel":3,"stride":1,"padding":"same"';

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a layer field named %s, naming the layer and the key, and never keeps it', (key) => {
    // JSON.parse makes "__proto__" an own field; an object spread used to copy it, and exports wrote it out again.
    const value: unknown = JSON.parse(text(`{${conv3},"${key}":{"polluted":true}}`));
    expect(errorOf(value)).toBe(`layers[0] (conv): "${key}" is a field name that is never accepted (it could change how JavaScript treats the object); remove it`);
    const result = validateArchitecture(value);
    expect(!result.ok && result.error.layerIndex).toBe(0);
  });

  it('refuses a forbidden key at the top of the architecture and inside a kept extra field', () => {
    expect(errorOf(JSON.parse(text(`{${conv3}}`, '"__proto__":{"x":1},')))).toBe(
      'architecture: "__proto__" is a field name that is never accepted (it could change how JavaScript treats the object); remove it',
    );
    expect(errorOf(JSON.parse(text(`{${conv3},"keep":[{"__proto__":{"x":1}}]}`)))).toBe(
      'layers[0] (conv): extra field "keep[0].__proto__" is a field name that is never accepted (it could change how JavaScript treats the object); remove it',
    );
  });

  it('refuses an extra field nested 10,000 levels deep in words, without overflowing the stack', () => {
    const deep: unknown = JSON.parse(text(`{${conv3},"keep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`));
    expect(errorOf(deep)).toMatch(/^layers\[0\] \(conv\): extra field "keep(\[0\]){13}" is nested more than 13 levels deep$/);
  });

  it('keeps ordinary extra fields in their place, and the same JSON comes back out', () => {
    const source = text(`{"type":"conv","keep":[0,2],"filters":4,"kernel":3,"stride":1,"padding":"same"}`, '"name":"mine",');
    expect(JSON.stringify(parseArchitecture(JSON.parse(source)))).toBe(source);
  });

  it('refuses counts beyond 2^53 − 1 without printing digits the file never had', () => {
    const message = errorOf(JSON.parse('{"input":{"height":8,"width":8,"channels":1},"classes":10,"layers":[{"type":"flatten"},{"type":"dense","units":9007199254740993}]}'));
    expect(message).toBe('layers[1] (dense): "units" must be an integer from 1 to 65536, got a number above 9,007,199,254,740,991, too large to hold exactly');
    expect(message).not.toContain('9007199254740992');
  });
});
