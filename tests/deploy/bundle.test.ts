/**
 * The microcontroller bundle (src/deploy/bundle.ts): the C arrays to the character, the test
 * programs' key lines, escaping of names from the manifest, consistency checks, and the zip. The
 * generated C++ data files are compiled with the system g++; the programs themselves need TFLM and
 * are only read here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { type BundleInput, bundleFiles, zipBundle } from '../../src/deploy/bundle.ts';
import { cArraySource, cComment, cString, cTestSamplesSource } from '../../src/deploy/c-array.ts';
import { examplePrograms } from '../../src/deploy/example-program.ts';
import type { ExportManifest } from '../../src/deploy/manifest.ts';

const gpp = '/usr/bin/g++';
const hasGpp = existsSync(gpp);

/** The start of a real .tflite: root offset 0x1c, then the file identifier "TFL3". */
const tfliteStart = Uint8Array.of(0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33);

const manifest: ExportManifest = {
  format: 'sparse-search-playground/microcontroller-export',
  formatVersion: 1,
  createdBy: 'SpArSe playground 0.1.0',
  architecture: { input: { height: 2, width: 2, channels: 1 }, classes: 3, layers: [{ type: 'conv', filters: 2, kernel: 1, stride: 1, padding: 'same' }, { type: 'flatten' }] },
  labels: ['circle', 'square', 'triangle'],
  input: { shape: [1, 2, 2, 1], type: 'int8', scale: 1 / 255, zeroPoint: -128 },
  output: { shape: [1, 3], type: 'int8', scale: 1 / 256, zeroPoint: -128 },
  normalisation: { float: 'x / 255', int8: 'round(x / 255 / (1/255)) - 128, that is x - 128', layout: 'NHWC, row by row, 1 channel' },
  ops: ['CONV_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'],
  resolverOps: ['CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX'],
  tfliteBytes: 8,
  target: { id: 'nano33-ble', name: 'Arduino Nano 33 BLE', runtime: 'tflm-cmsis-nn' },
  predicted: { modelFlashBytes: 8, arenaBytes: 1000, persistentBytes: 400, nonPersistentBytes: 600, codeBytes: 50_000, arenaSizeToConfigure: 1232 },
  int8TestAccuracy: 0.9,
  testSamples: { file: 'test_samples.bin', count: 3, bytesPerSample: 4, int8Accuracy: 2 / 3 },
  source: { dataset: 'Shapes', study: 'study-1', trial: 'trial-7' },
};

const input: BundleInput = {
  tflite: tfliteStart,
  manifest,
  testSamples: Int8Array.of(-128, -1, 0, 127, 1, 2, 3, 4, -5, -6, -7, -8),
  expect: { labels: [0, 2, 1], predictions: [0, 2, 2] },
};

const temporaryFolders: string[] = [];
afterAll(() => {
  for (const folder of temporaryFolders) rmSync(folder, { recursive: true, force: true });
});

/** Writes `files` into a fresh temporary folder and returns it. */
function folderWith(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  temporaryFolders.push(folder);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

const run = (command: string, args: string[], cwd: string): string => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('cArraySource', () => {
  it('writes the bytes as an aligned hex array with its length, to the character', () => {
    const files = cArraySource({ name: 'model_data', header: 'model_data.h', bytes: tfliteStart, comment: 'The model.' });
    expect(files.header).toBe(
      [
        '// The model.',
        '#ifndef MODEL_DATA_H_',
        '#define MODEL_DATA_H_',
        '',
        'extern const unsigned char model_data[];',
        'extern const unsigned int model_data_len;',
        '',
        '#endif  // MODEL_DATA_H_',
        '',
      ].join('\n'),
    );
    expect(files.source).toBe(
      [
        '// The model.',
        '#include "model_data.h"',
        '',
        'alignas(16) const unsigned char model_data[] = {',
        '  0x1c, 0x00, 0x00, 0x00, 0x54, 0x46, 0x4c, 0x33',
        '};',
        'const unsigned int model_data_len = 8;',
        '',
      ].join('\n'),
    );
  });

  it('puts 12 bytes on a line', () => {
    const bytes = Uint8Array.from({ length: 13 }, (_, i) => i * 17);
    const { source } = cArraySource({ name: 'blob', header: 'blob.h', bytes, comment: '' });
    expect(source).toContain(
      '= {\n  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,\n  0xcc\n};\nconst unsigned int blob_len = 13;\n',
    );
  });

  it('rejects a name that is not a C identifier, naming it', () => {
    for (const name of ['1model', 'model-data', 'model data', 'int', '']) {
      expect(() => cArraySource({ name, header: 'x.h', bytes: tfliteStart, comment: '' })).toThrow(`${JSON.stringify(name)} is not a C identifier`);
    }
    expect(() => cArraySource({ name: 'x', header: 'evil".h', bytes: tfliteStart, comment: '' })).toThrow('is not a header file name');
    expect(() => cArraySource({ name: 'x', header: 'x.h', bytes: new Uint8Array(0), comment: '' })).toThrow('no bytes');
  });
});

describe('cTestSamplesSource', () => {
  it('writes int8 samples, labels and the expected classes as decimals, 16 on a line', () => {
    const samples = Int8Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -128 + i : i));
    const files = cTestSamplesSource({ header: 'test_samples.h', samples, labels: [3, 255], expected: [3, 7], bytesPerSample: 10, comment: 'Samples.' });
    expect(files.header).toBe(
      [
        '// Samples.',
        '#ifndef TEST_SAMPLES_H_',
        '#define TEST_SAMPLES_H_',
        '',
        'extern const signed char test_samples[];',
        'extern const unsigned char test_labels[];',
        '// The class the playground\'s int8 simulation predicts for each sample (expect.json\'s "predictions").',
        'extern const unsigned char test_expected[];',
        'extern const unsigned int test_sample_count;',
        'extern const unsigned int test_sample_bytes;',
        '',
        '#endif  // TEST_SAMPLES_H_',
        '',
      ].join('\n'),
    );
    expect(files.source).toBe(
      [
        '// Samples.',
        '#include "test_samples.h"',
        '',
        'const signed char test_samples[] = {',
        '  -128, 1, -126, 3, -124, 5, -122, 7, -120, 9, -118, 11, -116, 13, -114, 15,',
        '  -112, 17, -110, 19',
        '};',
        '',
        'const unsigned char test_labels[] = {',
        '  3, 255',
        '};',
        '',
        'const unsigned char test_expected[] = {',
        '  3, 7',
        '};',
        '',
        'const unsigned int test_sample_count = 2;',
        'const unsigned int test_sample_bytes = 10;',
        '',
      ].join('\n'),
    );
  });

  it('rejects samples that do not match the labels, and labels outside 0..255', () => {
    expect(() => cTestSamplesSource({ header: 't.h', samples: new Int8Array(5), labels: [0, 1], expected: [0, 1], bytesPerSample: 3, comment: '' })).toThrow(
      'samples hold 5 values, but 2 labels × 3 bytes per sample make 6',
    );
    expect(() => cTestSamplesSource({ header: 't.h', samples: new Int8Array(2), labels: [0, 256], expected: [0, 0], bytesPerSample: 1, comment: '' })).toThrow('labels[1] is 256');
  });
});

describe('the test programs', () => {
  const programs = examplePrograms(manifest);
  const both = [
    ['main.cc', programs.mainCc],
    ['the Arduino sketch', programs.arduinoSketch],
  ] as const;

  it.each(both)('%s registers exactly the resolver ops, once each, and checks every registration', (_, program) => {
    expect(program).toContain('static tflite::MicroMutableOpResolver<3> resolver;\n');
    expect(program.match(/resolver\.Add\w+\(\) != kTfLiteOk/g)).toEqual(['resolver.AddConv2D() != kTfLiteOk', 'resolver.AddFullyConnected() != kTfLiteOk', 'resolver.AddSoftmax() != kTfLiteOk']);
    expect(program.match(/resolver\.Add\w+\(\)/g)).toHaveLength(6); // the call and its error message
    expect(program).toContain('  if (resolver.AddConv2D() != kTfLiteOk) {\n    report("error: resolver.AddConv2D() failed\\n");\n    return false;\n  }');
    expect(program).not.toContain('AddReshape');
  });

  it.each(both)('%s configures the predicted arena and prints the predicted numbers next to the measured ones', (_, program) => {
    expect(program).toContain('\nconstexpr int kTensorArenaSize = 1232;\n');
    expect(program).toContain('\nconstexpr unsigned long kPredictedArenaUsedBytes = 1000;\n');
    expect(program).toContain('\nalignas(16) static uint8_t tensor_arena[kTensorArenaSize];\n');
    expect(program).toContain(
      '\n// SpArSe playground 0.1.0 predicted arena_used_bytes() = 1000 for Arduino Nano 33 BLE\n// (tflm-cmsis-nn): 400 persistent + 600 non-persistent. The arena adds a margin of 232 bytes\n',
    );
    expect(program).toContain('static_cast<unsigned long>(interpreter.arena_used_bytes()), kPredictedArenaUsedBytes');
    expect(program).toContain('\nconstexpr unsigned int kExpectedCorrect = 2;\n');
    expect(program).toContain('report_share("expected (int8 simulation)", kExpectedCorrect, test_sample_count);');
  });

  it.each(both)('%s uses the current TFLM API and runs every sample with a first-maximum argmax', (_, program) => {
    for (const line of [
      '#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"',
      '#include "tensorflow/lite/micro/micro_interpreter.h"',
      '#include "tensorflow/lite/schema/schema_generated.h"',
      '#include "model_data.h"',
      '#include "test_samples.h"',
      'const tflite::Model* model = tflite::GetModel(model_data);',
      'if (model->version() != TFLITE_SCHEMA_VERSION) {',
      'static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, kTensorArenaSize);',
      'if (interpreter.AllocateTensors() != kTfLiteOk) {',
      'for (unsigned int sample = 0; sample < test_sample_count; ++sample) {',
      'memcpy(input->data.int8, test_samples + sample * test_sample_bytes, test_sample_bytes);',
      'if (interpreter.Invoke() != kTfLiteOk) {',
      'if (output->data.int8[class_index] > output->data.int8[predicted]) predicted = class_index;',
      'constexpr int kClassCount = 3;',
      'if (predicted == label) ++correct;',
      'if (predicted == test_expected[sample]) ++agree;',
      'report_share("accuracy on this board", correct, test_sample_count);',
      'report_share("same class as the int8 simulation (expect.json)", agree, test_sample_count);',
    ]) {
      expect(program).toContain(line);
    }
    expect(program).not.toContain('ErrorReporter');
    expect(program).not.toContain('AllOpsResolver');
  });

  it('main.cc is a plain program; the sketch talks over Serial at 115200 from setup()', () => {
    expect(programs.mainCc).toContain('#include "tensorflow/lite/micro/system_setup.h"');
    expect(programs.mainCc).toContain('int main() {\n  // The port\'s board setup; on the Pico it starts stdio (USB or UART).\n  tflite::InitializeTarget();\n  return run_test_samples() ? 0 : 1;\n}\n');
    expect(programs.mainCc).toContain('vprintf(format, arguments);');
    expect(programs.mainCc).not.toContain('Serial');

    const sketch = programs.arduinoSketch;
    // The library's header comes before every other include.
    expect(sketch.match(/#include .*/)![0]).toBe('#include <Chirale_TensorFlowLite.h>');
    expect(sketch).toContain('Serial.begin(115200);');
    expect(sketch).toContain('while (!Serial && millis() - start < 5000UL) {');
    expect(sketch).toContain('void loop() {}\n');
    expect(sketch).not.toContain('int main(');
  });

  it('the README says what each file is, the normalisation, the numbers and the build steps', () => {
    const { readme } = programs;
    for (const text of [
      'model.tflite           the model: 8 bytes',
      'Float input: x / 255',
      'Pixel order: NHWC, row by row, 1 channel',
      'arena_used_bytes() after AllocateTensors():  1000 bytes (400 persistent + 600 non-persistent)',
      'Tensor arena the programs configure:         1232 bytes',
      'Int8 accuracy, these 3 samples (simulated):  66.67 % (2 of 3)',
      '          2  triangle',
      'Chirale_TensorFlowLite',
      'arduino:mbed_nano',
      '"Arduino Nano 33 BLE"',
      '115200',
      'https://github.com/raspberrypi/pico-tflmicro',
      'target_link_libraries(sparse_model pico-tflmicro pico_stdlib)',
      'pico_enable_stdio_usb(sparse_model 1)',
      'sparse_model.uf2',
    ]) {
      expect(readme).toContain(text);
    }
  });

  it('rejects resolver ops that are unknown or listed twice, and numbers that are not whole', () => {
    expect(() => examplePrograms({ ...manifest, resolverOps: ['CONV_2D', 'CONV_2D'] })).toThrow('manifest.resolverOps lists CONV_2D twice');
    expect(() => examplePrograms({ ...manifest, resolverOps: ['LSTM' as never] })).toThrow('manifest.resolverOps lists "LSTM"');
    expect(() => examplePrograms({ ...manifest, predicted: { ...manifest.predicted, arenaSizeToConfigure: 12.5 } })).toThrow('manifest.predicted.arenaSizeToConfigure');
  });
});

describe('names from the manifest inside C++', () => {
  const evil = ['end */ of comment', 'line\n#error injected', 'quote " and \\ backslash\\', 'trigraph ??/', 'café ☕ 𝄞', 'tab\there\r\nand\u2028more', '%s%n'];
  const evilManifest: ExportManifest = {
    ...manifest,
    createdBy: 'tool */ #error x\\',
    labels: evil,
    output: { ...manifest.output, shape: [1, evil.length] },
    source: { dataset: 'data\nset */ "x" \\', study: 's' },
  };
  const programs = examplePrograms(evilManifest);

  it('cannot start a line of their own', () => {
    for (const program of [programs.mainCc, programs.arduinoSketch]) {
      expect(program).not.toMatch(/^#error/m);
      expect(program).not.toMatch(/^set \*\//m);
      expect(program).not.toMatch(/\\\n/); // no line splices
      expect(program).not.toContain('\u2028');
      for (const line of program.split('\n')) {
        if (line.trimStart().startsWith('//')) expect(line).not.toContain('\\');
      }
    }
  });

  it.skipIf(!hasGpp)('survive g++ byte for byte, in comments and in strings (needs /usr/bin/g++)', () => {
    // The programs' own opening comment and class-name table, with a main that prints the names.
    const lines = programs.mainCc.split('\n');
    const opening = lines.slice(0, lines.findIndex((line) => line.startsWith('#include')));
    const tableStart = lines.findIndex((line) => line.startsWith('constexpr int kClassCount'));
    const tableEnd = lines.indexOf('};', tableStart);
    const datasetLine = lines.find((line) => line.startsWith('static const char kDatasetName[]'))!;
    const program = [
      ...opening,
      '#include <stdio.h>',
      ...lines.slice(tableStart, tableEnd + 1),
      datasetLine,
      cComment('a comment ending in a backslash \\'),
      'int main() {',
      '  for (int i = 0; i < kClassCount; ++i) printf("%s\\x01", kClassNames[i]);',
      '  printf("%s", kDatasetName);',
      '  return 0;',
      '}',
      '',
    ].join('\n');
    const folder = folderWith({ 'names.cc': program });
    for (const standard of ['-std=c++11', '-std=c++17']) {
      // -trigraphs: as strict C++11 would read them; ??/ must not become a backslash anywhere.
      run(gpp, [standard, '-trigraphs', '-Wall', '-Wextra', '-Werror', '-Wno-unused-const-variable', 'names.cc', '-o', 'names'], folder);
      const printed = execFileSync(join(folder, 'names'), { encoding: 'utf8' });
      expect(printed).toBe(`${evil.join('\x01')}\x01${evilManifest.source.dataset}`);
    }
  });

  it('cString escapes everything but printable ASCII as octal', () => {
    expect(cString('a"b\\c?d\n')).toBe('"a\\042b\\134c\\077d\\012"');
    expect(cString('é1')).toBe('"\\303\\2511"');
    expect(cComment('one\ntwo */ ??/ \\')).toBe('// one\n// two */ ? ?/ /');
  });
});

describe('bundleFiles', () => {
  const files = bundleFiles(input);
  const byName = new Map(files.map((file) => [file.name, file.data]));
  const text = (name: string): string => strFromU8(byName.get(name)!);

  it('lists the files in order, the sketch in a folder of its own name with its own copies of the C files', () => {
    expect(files.map((file) => file.name)).toEqual([
      'model.tflite',
      'model_data.h',
      'model_data.cc',
      'test_samples.bin',
      'test_samples.h',
      'test_samples.cc',
      'expect.json',
      'export.json',
      'README.txt',
      'arduino/sparse_model/sparse_model.ino',
      'arduino/sparse_model/model_data.h',
      'arduino/sparse_model/model_data.cpp',
      'arduino/sparse_model/test_samples.h',
      'arduino/sparse_model/test_samples.cpp',
      'main.cc',
    ]);
    expect(byName.get('model.tflite')).toEqual(tfliteStart);
    expect(byName.get('test_samples.bin')).toEqual(Uint8Array.of(128, 255, 0, 127, 1, 2, 3, 4, 251, 250, 249, 248));
    expect(text('arduino/sparse_model/model_data.cpp')).toBe(text('model_data.cc'));
    expect(text('arduino/sparse_model/test_samples.cpp')).toBe(text('test_samples.cc'));
    expect(text('arduino/sparse_model/test_samples.h')).toBe(text('test_samples.h'));
    expect(text('arduino/sparse_model/model_data.h')).toBe(text('model_data.h'));
    expect(text('main.cc')).toBe(examplePrograms(manifest).mainCc);
    expect(text('model_data.cc')).toContain('  0x1c, 0x00, 0x00, 0x00, 0x54, 0x46, 0x4c, 0x33\n');
    expect(text('test_samples.cc')).toContain('  -128, -1, 0, 127, 1, 2, 3, 4, -5, -6, -7, -8\n};\n\nconst unsigned char test_labels[] = {\n  0, 2, 1\n};');
  });

  it('writes the manifest pretty-printed and the expected results as JSON', () => {
    expect(text('export.json')).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
    expect(JSON.parse(text('export.json'))).toEqual(manifest);
    expect(text('expect.json')).toBe('{\n  "labels": [0,2,1],\n  "predictions": [0,2,2]\n}\n');
    expect(JSON.parse(text('expect.json'))).toEqual(input.expect);
  });

  it('names the field where the parts disagree', () => {
    const broken = (change: Partial<BundleInput>) => () => bundleFiles({ ...input, ...change });
    expect(broken({ tflite: new Uint8Array(9) })).toThrow('tflite holds 9 bytes, but manifest.tfliteBytes says 8');
    expect(broken({ testSamples: new Int8Array(11) })).toThrow('testSamples holds 11 values, but manifest.testSamples.count × bytesPerSample is 3 × 4 = 12');
    expect(broken({ expect: { labels: [0, 1], predictions: [0, 1, 2] } })).toThrow('expect.labels has 2 entries, but manifest.testSamples.count is 3');
    expect(broken({ expect: { labels: [0, 1, 2], predictions: [0, 1] } })).toThrow('expect.predictions has 2 entries');
    expect(broken({ expect: { labels: [0, 3, 1], predictions: [0, 1, 2] } })).toThrow('expect.labels[1] is 3, not a class from 0 to 2');
    expect(broken({ manifest: { ...manifest, labels: ['a', 'b'] } })).toThrow('manifest.labels names 2 classes, but manifest.output.shape [1, 3] has 3');
    expect(broken({ manifest: { ...manifest, testSamples: { ...manifest.testSamples, bytesPerSample: 3 } } })).toThrow(
      'manifest.testSamples.bytesPerSample is 3, but manifest.input.shape [1, 2, 2, 1] holds 4 values',
    );
  });

  it.skipIf(!hasGpp)('writes C files that g++ compiles, links and reads back (needs /usr/bin/g++)', () => {
    const checker = [
      '#include <stdint.h>',
      '#include <stdio.h>',
      '#include "model_data.h"',
      '#include "test_samples.h"',
      'int main() {',
      '  printf("%u %u %u %d", model_data_len, test_sample_count, test_sample_bytes, (int)(reinterpret_cast<uintptr_t>(model_data) % 16));',
      '  for (unsigned int i = 0; i < model_data_len; ++i) printf(" %d", model_data[i]);',
      '  for (unsigned int i = 0; i < test_sample_count * test_sample_bytes; ++i) printf(" %d", test_samples[i]);',
      '  for (unsigned int i = 0; i < test_sample_count; ++i) printf(" %d", test_labels[i]);',
      '  return 0;',
      '}',
      '',
    ].join('\n');
    const folder = folderWith({
      'model_data.h': text('model_data.h'),
      'model_data.cc': text('model_data.cc'),
      'test_samples.h': text('test_samples.h'),
      'test_samples.cc': text('test_samples.cc'),
      'checker.cc': checker,
    });
    for (const standard of ['-std=c++17', '-std=c++11']) {
      run(gpp, [standard, '-Wall', '-Wextra', '-Werror', '-c', 'model_data.cc'], folder);
      run(gpp, [standard, '-Wall', '-Wextra', '-Werror', '-c', 'test_samples.cc'], folder);
      run(gpp, [standard, '-Wall', '-Wextra', '-Werror', 'checker.cc', 'model_data.o', 'test_samples.o', '-o', 'checker'], folder);
      const printed = execFileSync(join(folder, 'checker'), { encoding: 'utf8' });
      expect(printed).toBe(`8 3 4 0 ${[...tfliteStart].join(' ')} ${[...input.testSamples].join(' ')} 0 2 1`);
    }
  });
});

describe('zipBundle', () => {
  const files = bundleFiles(input);

  it('unzips to the same files, byte for byte, under the folder', () => {
    const zip = zipBundle(files, 'sparse_model_bundle');
    const unzipped = unzipSync(zip);
    expect(Object.keys(unzipped)).toEqual(files.map((file) => `sparse_model_bundle/${file.name}`));
    for (const file of files) expect(unzipped[`sparse_model_bundle/${file.name}`]).toEqual(file.data);
  });

  it('is deterministic and dated 2026-01-01', () => {
    const zip = zipBundle(files, 'bundle');
    expect(zipBundle(bundleFiles(input), 'bundle')).toEqual(zip);
    // The first local header's DOS time and date (offsets 10 and 12): 00:00:00, 2026-01-01.
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    expect(view.getUint32(0, true)).toBe(0x04034b50);
    expect(view.getUint16(10, true)).toBe(0);
    expect(view.getUint16(12, true)).toBe(((2026 - 1980) << 9) | (1 << 5) | 1);
  });

  it('rejects a folder name that could escape or confuse the archive', () => {
    for (const name of ['../x', 'a/b', '', '.hidden']) expect(() => zipBundle(files, name)).toThrow('folderName');
  });
});
