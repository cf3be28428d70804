/**
 * The hand-made Builder calls against the project's schema subset (src/deploy/tflite-subset.fbs,
 * which keeps the official field ids): every field `writeModel` writes must exist there, in that
 * table, at that id, with a type of that width.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/core/architecture.ts';
import { tfliteGraph } from '../../src/core/tflite-graph.ts';
import { type FlatWriter, type TableShape, tableShapes, writeModel } from '../../src/core/tflite-layout.ts';

interface Field {
  readonly name: string;
  readonly type: string;
  readonly id: number;
  readonly deprecated: boolean;
}

/** `table Name { field:type (id: N, …); … }` → fields by id; enough of the fbs grammar for this file. */
function parseTables(text: string): Map<string, Map<number, Field>> {
  const tables = new Map<string, Map<number, Field>>();
  for (const match of text.replace(/\/\/.*$/gm, '').matchAll(/table\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = new Map<number, Field>();
    for (const line of match[2]!.split(';')) {
      const field = /^\s*(\w+)\s*:\s*([\w[\]]+)(?:\s*=\s*\w+)?\s*(?:\(([^)]*)\))?\s*$/.exec(line);
      if (!field) continue;
      const attributes = field[3] ?? '';
      const id = /id:\s*(\d+)/.exec(attributes);
      fields.set(id ? Number(id[1]) : fields.size, { name: field[1]!, type: field[2]!, id: id ? Number(id[1]) : fields.size, deprecated: /deprecated/.test(attributes) });
    }
    tables.set(match[1]!, fields);
  }
  return tables;
}

const tableOf: Readonly<Record<TableShape, string>> = {
  emptyBuffer: 'Buffer',
  buffer: 'Buffer',
  quantization: 'QuantizationParameters',
  tensor: 'Tensor',
  tensorNoQuantization: 'Tensor',
  convOptions: 'Conv2DOptions',
  depthwiseOptions: 'DepthwiseConv2DOptions',
  poolOptions: 'Pool2DOptions',
  fullyConnectedOptions: 'FullyConnectedOptions',
  reshapeOptions: 'ReshapeOptions',
  reducerOptions: 'ReducerOptions',
  softmaxOptions: 'SoftmaxOptions',
  operator: 'Operator',
  subGraph: 'SubGraph',
  operatorCode: 'OperatorCode',
  model: 'Model',
};

type Width = 'offset' | 'int32' | 'int8' | 'float32';

/** Records, per table shape, the slots written and how wide. */
class RecordingWriter implements FlatWriter {
  readonly writes = new Map<TableShape, Map<number, Width>>();
  #shape: TableShape = 'model';
  #fields = 0;
  dataVector(): number {
    return 1;
  }
  scaleVector(): number {
    return 1;
  }
  zeroPointVector(): number {
    return 1;
  }
  int32Vector(): number {
    return 1;
  }
  offsetVector(): number {
    return 1;
  }
  startTable(fields: number, shape: TableShape): void {
    this.#shape = shape;
    this.#fields = fields;
    if (!this.writes.has(shape)) this.writes.set(shape, new Map());
  }
  #add(slot: number, width: Width): void {
    expect(slot, `${this.#shape}: slot ${slot} of a table started with ${this.#fields} fields`).toBeLessThan(this.#fields);
    this.writes.get(this.#shape)!.set(slot, width);
  }
  addOffset(slot: number): void {
    this.#add(slot, 'offset');
  }
  addInt32(slot: number): void {
    this.#add(slot, 'int32');
  }
  addInt8(slot: number): void {
    this.#add(slot, 'int8');
  }
  addFloat32(slot: number): void {
    this.#add(slot, 'float32');
  }
  endTable(): number {
    return 1;
  }
  finish(): void {}
}

/** The width a field of this fbs type is written with; a union field's id holds its value (an offset), id − 1 its type (a byte). */
function widthOf(type: string, tables: Map<string, Map<number, Field>>, enums: Map<string, string>, unions: Set<string>): Width {
  if (type.startsWith('[') || type === 'string' || tables.has(type) || unions.has(type)) return 'offset';
  if (type === 'int' || type === 'uint') return 'int32';
  if (type === 'float') return 'float32';
  if (type === 'byte' || type === 'ubyte' || type === 'bool') return 'int8';
  const base = enums.get(type);
  if (base === 'byte') return 'int8';
  if (base === 'int32') return 'int32';
  throw new Error(`no width for the fbs type ${type}`);
}

describe('the Builder calls against tflite-subset.fbs', () => {
  const text = readFileSync('src/deploy/tflite-subset.fbs', 'utf8');
  const tables = parseTables(text);
  const enums = new Map([...text.matchAll(/enum\s+(\w+)\s*:\s*(\w+)/g)].map((m) => [m[1]!, m[2]!]));
  const unions = new Set([...text.matchAll(/union\s+(\w+)/g)].map((m) => m[1]!));

  it('reads the schema subset: the ids of a few fields the official schema fixes', () => {
    expect(tables.get('Tensor')!.get(4)!.name).toBe('quantization');
    expect(tables.get('QuantizationParameters')!.get(6)!.name).toBe('quantized_dimension');
    expect(tables.get('Model')!.get(4)!.name).toBe('buffers');
    expect(tables.get('Operator')!.get(4)!.name).toBe('builtin_options');
  });

  it('writes every field at its id, in its table, with its width (all table shapes, every op)', () => {
    const writer = new RecordingWriter();
    const architectures: Architecture[] = [
      {
        input: { height: 8, width: 8, channels: 1 },
        classes: 2,
        layers: [
          { type: 'conv', filters: 2, kernel: 3, stride: 1, padding: 'same' },
          { type: 'separableConv', filters: 2, kernel: 3, stride: 1, padding: 'same' },
          { type: 'maxPool', size: 2 },
          { type: 'avgPool', size: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 2 },
        ],
      },
      { input: { height: 8, width: 8, channels: 1 }, classes: 2, layers: [{ type: 'downsampledConv', filters: 2, bottleneck: 1, kernel: 3, stride: 1, padding: 'same' }, { type: 'globalAvgPool' }] },
    ];
    for (const architecture of architectures) writeModel(writer, tfliteGraph(architecture));
    expect([...writer.writes.keys()].sort()).toEqual([...tableShapes].sort());
    const problems: string[] = [];
    for (const [shape, slots] of writer.writes) {
      const table = tables.get(tableOf[shape])!;
      for (const [slot, width] of slots) {
        const field = table.get(slot);
        // A union's type sits at the id before its value's.
        const union = table.get(slot + 1);
        if (field === undefined && union !== undefined && unions.has(union.type) && width === 'int8') continue;
        if (field === undefined) {
          problems.push(`${shape}: ${tableOf[shape]} has no field with id ${slot}`);
          continue;
        }
        if (field.deprecated) problems.push(`${shape}: writes ${field.name} (id ${slot}), which the subset marks deprecated`);
        const expected = widthOf(field.type, tables, enums, unions);
        if (expected !== width) problems.push(`${shape}: ${field.name} (id ${slot}) is ${field.type}, written as ${width}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
