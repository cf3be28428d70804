/**
 * The programs that check an exported model on a board, and the bundle's README.txt. An Arduino
 * sketch and a plain `main.cc` share one test: register the model's operators with TensorFlow Lite
 * Micro, allocate the tensors, run every exported test sample, and print what the chip measured
 * (`arena_used_bytes()`, accuracy) next to what the playground predicted, so that a user can hold
 * the two side by side without reading any C++.
 *
 * The C++ follows TFLM's API as of 2023 on: `MicroInterpreter(model, resolver, arena, size)` with
 * no error reporter. Names from the manifest (dataset, classes) enter it only through `cString`
 * and `cComment`, and numbers only after a check that they are whole.
 */
import { type BuiltinName, resolverMethods } from '../core/tflite-graph.ts';
import { cComment, cString, wrapWords } from './c-array.ts';
import type { ExportManifest } from './manifest.ts';
import { ExportError } from './quantize.ts';

/** The Arduino sketch's name: its folder and its `.ino` must carry the same one. */
export const arduinoSketchName = 'sparse_model';

/** Results printed one by one; the rest are only counted, so the log stays short. */
const samplesToShow = 10;

/** How long the sketch waits for the Serial Monitor before it runs anyway. */
const serialWaitMilliseconds = 5000;

export interface ExamplePrograms {
  readonly arduinoSketch: string;
  readonly mainCc: string;
  readonly readme: string;
}

function wholeNumber(value: number, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ExportError(`${field} must be a whole number from ${min}, got ${value}`);
  return value;
}

/** The manifest's operators to register, checked: known to TFLM's resolver, each once. */
function resolverOpsOf(manifest: ExportManifest): readonly BuiltinName[] {
  const ops = manifest.resolverOps;
  if (ops.length === 0) throw new ExportError('manifest.resolverOps is empty: the model has no operators to register');
  const seen = new Set<string>();
  for (const op of ops) {
    if (!Object.hasOwn(resolverMethods, op)) throw new ExportError(`manifest.resolverOps lists ${JSON.stringify(op)}, which has no MicroMutableOpResolver method here`);
    // A second Add…() of the same op makes TFLM's resolver fail, and N would count it twice.
    if (seen.has(op)) throw new ExportError(`manifest.resolverOps lists ${op} twice`);
    seen.add(op);
  }
  return ops;
}

const percent = (share: number): string => `${(share * 100).toFixed(2)} %`;

/** The numbers of the manifest that the programs and the README print, checked once. */
function numbersOf(manifest: ExportManifest) {
  const { predicted, testSamples } = manifest;
  const count = wholeNumber(testSamples.count, 'manifest.testSamples.count', 1);
  const accuracy = testSamples.int8Accuracy;
  if (!(accuracy >= 0 && accuracy <= 1)) throw new ExportError(`manifest.testSamples.int8Accuracy must be from 0 to 1, got ${accuracy}`);
  const arenaBytes = wholeNumber(predicted.arenaBytes, 'manifest.predicted.arenaBytes', 0);
  const arenaSize = wholeNumber(predicted.arenaSizeToConfigure, 'manifest.predicted.arenaSizeToConfigure', 1);
  if (arenaSize < arenaBytes) throw new ExportError(`manifest.predicted.arenaSizeToConfigure (${arenaSize}) is below the predicted arenaBytes (${arenaBytes})`);
  if (manifest.labels.length === 0) throw new ExportError('manifest.labels is empty: the model has no classes');
  return {
    count,
    arenaBytes,
    arenaSize,
    persistentBytes: wholeNumber(predicted.persistentBytes, 'manifest.predicted.persistentBytes', 0),
    nonPersistentBytes: wholeNumber(predicted.nonPersistentBytes, 'manifest.predicted.nonPersistentBytes', 0),
    expectedCorrect: Math.round(accuracy * count),
  };
}

/** The file's opening comment, shared by both programs. */
function openingComment(manifest: ExportManifest, program: string): string {
  return cComment(
    `${program}: runs the ${manifest.testSamples.count} exported test samples of ${manifest.source.dataset} through TensorFlow Lite Micro ` +
      `and prints what this board measures next to what ${manifest.createdBy} predicted for ${manifest.target.name}.\n` +
      'See README.txt for how to build it.',
  );
}

/** The constants, the arena and `run_test_samples()`, after a program has defined `report(format, …)`. */
function testBody(manifest: ExportManifest): string {
  const numbers = numbersOf(manifest);
  const ops = resolverOpsOf(manifest);
  const registrations = ops
    .map((op) => {
      const method = resolverMethods[op];
      return `  if (resolver.${method}() != kTfLiteOk) {\n    report("error: resolver.${method}() failed\\n");\n    return false;\n  }`;
    })
    .join('\n');
  const margin = numbers.arenaSize - numbers.arenaBytes;
  return `${cComment(
    `${manifest.createdBy} predicted arena_used_bytes() = ${numbers.arenaBytes} for ${manifest.target.name} (${manifest.target.runtime}): ` +
      `${numbers.persistentBytes} persistent + ${numbers.nonPersistentBytes} non-persistent. The arena adds a margin of ${margin} bytes ` +
      '(16-byte aligned), since TFLM versions and ports differ a little in what they allocate.',
  )}
constexpr int kTensorArenaSize = ${numbers.arenaSize};
constexpr unsigned long kPredictedArenaUsedBytes = ${numbers.arenaBytes};
alignas(16) static uint8_t tensor_arena[kTensorArenaSize];

// The output's classes, in order.
constexpr int kClassCount = ${manifest.labels.length};
static const char* const kClassNames[kClassCount] = {
${manifest.labels.map((label) => `  ${cString(label)},`).join('\n')}
};

static const char kDatasetName[] = ${cString(manifest.source.dataset)};

// The test samples the playground's int8 simulation classifies correctly: ${numbers.expectedCorrect} of ${numbers.count} (${percent(manifest.testSamples.int8Accuracy)}).
constexpr unsigned int kExpectedCorrect = ${numbers.expectedCorrect};

constexpr unsigned int kSamplesToShow = ${samplesToShow};

// A share with two decimals, in integers: the small C libraries of some boards print no %f.
static void report_share(const char* what, unsigned int part, unsigned int whole) {
  const unsigned long hundredths = whole == 0 ? 0 : (part * 10000UL + whole / 2) / whole;
  report("%s: %u / %u = %lu.%02lu %%\\n", what, part, whole, hundredths / 100, hundredths % 100);
}

static bool run_test_samples() {
  report("%u test samples of %s\\n", test_sample_count, kDatasetName);

  const tflite::Model* model = tflite::GetModel(model_data);
  if (model->version() != TFLITE_SCHEMA_VERSION) {
    report("error: the model has schema version %lu, this TFLM reads version %lu\\n",
           static_cast<unsigned long>(model->version()), static_cast<unsigned long>(TFLITE_SCHEMA_VERSION));
    return false;
  }

  // Only the operators the model uses (${ops.join(', ')}), so only their kernels are linked.
  // Static: the interpreter and the resolver stay out of the stack, which is small on some boards.
  static tflite::MicroMutableOpResolver<${ops.length}> resolver;
${registrations}

  static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, kTensorArenaSize);
  if (interpreter.AllocateTensors() != kTfLiteOk) {
    report("error: AllocateTensors() failed: the arena of %d bytes is too small, or an operator is missing\\n", kTensorArenaSize);
    return false;
  }
  report("arena_used_bytes(): %lu (predicted %lu; arena %d)\\n",
         static_cast<unsigned long>(interpreter.arena_used_bytes()), kPredictedArenaUsedBytes, kTensorArenaSize);

  TfLiteTensor* input = interpreter.input(0);
  TfLiteTensor* output = interpreter.output(0);
  if (input->type != kTfLiteInt8 || input->bytes != test_sample_bytes) {
    report("error: the model's input is not %u int8 values\\n", test_sample_bytes);
    return false;
  }
  if (output->type != kTfLiteInt8 || output->bytes != static_cast<size_t>(kClassCount)) {
    report("error: the model's output is not %d int8 values\\n", kClassCount);
    return false;
  }

  unsigned int correct = 0;
  unsigned int agree = 0;
  for (unsigned int sample = 0; sample < test_sample_count; ++sample) {
    memcpy(input->data.int8, test_samples + sample * test_sample_bytes, test_sample_bytes);
    if (interpreter.Invoke() != kTfLiteOk) {
      report("error: Invoke() failed on sample %u\\n", sample);
      return false;
    }
    // The first maximum wins, as in the playground's int8 simulation, so that ties resolve alike.
    int predicted = 0;
    for (int class_index = 1; class_index < kClassCount; ++class_index) {
      if (output->data.int8[class_index] > output->data.int8[predicted]) predicted = class_index;
    }
    const int label = test_labels[sample];
    if (predicted == label) ++correct;
    if (predicted == test_expected[sample]) ++agree;
    if (sample < kSamplesToShow) {
      report("sample %u: label %d (%s), predicted %d (%s)\\n", sample, label,
             label < kClassCount ? kClassNames[label] : "unknown", predicted, kClassNames[predicted]);
    }
  }
  report_share("accuracy on this board", correct, test_sample_count);
  report_share("expected (int8 simulation)", kExpectedCorrect, test_sample_count);
  // The check that matters: the same class as the playground's int8 simulation, sample by sample.
  report_share("same class as the int8 simulation (expect.json)", agree, test_sample_count);
  return true;
}
`;
}

const tflmIncludes = `#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_interpreter.h"`;

const standardIncludes = `#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>`;

const dataIncludes = `#include "model_data.h"
#include "test_samples.h"`;

function arduinoSketch(manifest: ExportManifest): string {
  return `${openingComment(manifest, `${arduinoSketchName}.ino`)}

// The library's own header first, as it requires. This is Chirale_TensorFlowLite's; with the older
// Arduino_TensorFlowLite library it is <TensorFlowLite.h>.
#include <Chirale_TensorFlowLite.h>

${standardIncludes}

${tflmIncludes}
#include "tensorflow/lite/schema/schema_generated.h"

${dataIncludes}

// Serial.print takes no format; this gives the test printf's.
static void report(const char* format, ...) {
  char line[160];
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(line, sizeof(line), format, arguments);
  va_end(arguments);
  Serial.print(line);
}

${testBody(manifest)}
void setup() {
  Serial.begin(115200);
  // The serial port is USB: give the Serial Monitor a few seconds to connect, then run anyway.
  const unsigned long start = millis();
  while (!Serial && millis() - start < ${serialWaitMilliseconds}UL) {
  }
  run_test_samples();
}

// The test runs once, in setup().
void loop() {}
`;
}

function mainProgram(manifest: ExportManifest): string {
  return `${openingComment(manifest, 'main.cc')}

${standardIncludes}

${tflmIncludes}
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/schema/schema_generated.h"

${dataIncludes}

static void report(const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  vprintf(format, arguments);
  va_end(arguments);
}

${testBody(manifest)}
int main() {
  // The port's board setup; on the Pico it starts stdio (USB or UART).
  tflite::InitializeTarget();
  return run_test_samples() ? 0 : 1;
}
`;
}

/** README paragraphs stay within 100 columns. */
const paragraph = (text: string): string => wrapWords(text, 100).join('\n');

/** Two columns, the second aligned. */
function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, value]) => `${name.padEnd(width)}${value}`).join('\n');
}

/** Plain text names from the manifest: one line each, no control characters. */
const plain = (text: string): string => text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');

function readme(manifest: ExportManifest): string {
  const numbers = numbersOf(manifest);
  const { input, output, normalisation, predicted, target, source } = manifest;
  const sketchFolder = `arduino/${arduinoSketchName}`;
  const origin = [`dataset ${plain(source.dataset)}`, source.study && `study ${plain(source.study)}`, source.trial && `trial ${plain(source.trial)}`].filter(Boolean).join(', ');
  const classWidth = String(manifest.labels.length - 1).length;
  const classes = manifest.labels.map((label, index) => `          ${String(index).padStart(classWidth)}  ${plain(label)}`).join('\n');
  const title = `${plain(source.dataset)} model for ${plain(target.name)}: TensorFlow Lite Micro bundle`;
  return `${title}
${'='.repeat(title.length)}

${paragraph(`Exported by ${plain(manifest.createdBy)} from ${origin}. Every tensor is int8 (biases int32); the model runs ${manifest.ops.length} operators: ${manifest.ops.join(', ')}.`)}


Files
-----

model.tflite           the model: ${manifest.tfliteBytes} bytes, a TensorFlow Lite flatbuffer
model_data.h, .cc      model.tflite as a C array: model_data[] (16-byte aligned) and model_data_len
test_samples.bin       ${numbers.count} images of the test set, int8 as the model takes them, ${manifest.testSamples.bytesPerSample} bytes each, one after another
test_samples.h, .cc    the same images as C arrays, with their labels and the simulation's classes:
                       test_samples[], test_labels[], test_expected[], test_sample_count,
                       test_sample_bytes
expect.json            per test sample: its label, and the class our int8 simulation predicts
export.json            the manifest: tensors, normalisation, operators, predicted numbers
${sketchFolder}/  an Arduino sketch, ${arduinoSketchName}.ino, with its own copies of the C files
                       (named .cpp there, which every Arduino IDE compiles)
main.cc                the same test as a plain C++ program printing with printf, for the
                       Raspberry Pi Pico or any other TFLM port


Input and output
----------------

Input:  int8, shape [${input.shape.join(', ')}], scale ${input.scale}, zero point ${input.zeroPoint}
        Pixel order: ${plain(normalisation.layout)}
        Float input: ${plain(normalisation.float)}
        Int8 input:  ${plain(normalisation.int8)}
Output: int8, shape [${output.shape.join(', ')}], scale ${output.scale}, zero point ${output.zeroPoint}, one score per class:
${classes}
        The predicted class is the first largest score.


Predicted for ${plain(target.name)} (${plain(target.runtime)})
${'-'.repeat(`Predicted for ${plain(target.name)} (${plain(target.runtime)})`.length)}

${table([
    ['Model in flash (model.tflite):', `${predicted.modelFlashBytes} bytes`],
    ['arena_used_bytes() after AllocateTensors():', `${numbers.arenaBytes} bytes (${numbers.persistentBytes} persistent + ${numbers.nonPersistentBytes} non-persistent)`],
    ['Tensor arena the programs configure:', `${numbers.arenaSize} bytes (kTensorArenaSize: the prediction plus a margin)`],
    ['Interpreter and kernels (code in flash):', `${predicted.codeBytes} bytes`],
    ['Int8 accuracy, whole test set (simulated):', percent(manifest.int8TestAccuracy)],
    [`Int8 accuracy, these ${numbers.count} samples (simulated):`, `${percent(manifest.testSamples.int8Accuracy)} (${numbers.expectedCorrect} of ${numbers.count})`],
  ])}


What the programs do
--------------------

${paragraph(
    `Both register the model's operators (${manifest.resolverOps.join(', ')}) with a MicroMutableOpResolver, ` +
      `allocate the tensors in a ${numbers.arenaSize}-byte arena, and print arena_used_bytes() next to the predicted ${numbers.arenaBytes}. ` +
      `Then they run the ${numbers.count} test samples, print the first ${Math.min(samplesToShow, numbers.count)} results, ` +
      'and print the share of samples whose label the board predicts next to the share our int8 simulation expects, ' +
      "and the share of samples on which the board's class is the simulation's (test_expected[], as in expect.json). " +
      "That last share should be 99 % or more: where two classes score almost the same, TFLM's integer kernels and our simulation may round differently.",
  )}


Arduino Nano 33 BLE
-------------------

The steps we expect to work (libraries and board cores change over time):

1. In the Boards Manager, install "Arduino Mbed OS Nano Boards" (core arduino:mbed_nano).
2. In the Library Manager, search for "Chirale" and install Chirale_TensorFlowLite, the maintained
   successor of Arduino_TensorFlowLite. The sketch includes its header, <Chirale_TensorFlowLite.h>;
   with the older Arduino_TensorFlowLite library, change that line to #include <TensorFlowLite.h>.
3. Open ${sketchFolder}/${arduinoSketchName}.ino. Keep the folder as it is: the IDE compiles only the
   files inside a sketch's folder, and the folder must have the sketch's name.
4. Select the board "Arduino Nano 33 BLE" and its port, and upload.
5. Open the Serial Monitor at 115200 baud. The sketch waits up to ${serialWaitMilliseconds / 1000} seconds for it, then runs the test
   once; if you see nothing, press the board's reset button once with the Serial Monitor open.

With arduino-cli instead (use the library name that "arduino-cli lib search Chirale" shows):

  arduino-cli core install arduino:mbed_nano
  arduino-cli lib install <the Chirale TensorFlowLite library's name>
  arduino-cli compile --fqbn arduino:mbed_nano:nano33ble ${sketchFolder}
  arduino-cli upload --fqbn arduino:mbed_nano:nano33ble -p <port> ${sketchFolder}
  arduino-cli monitor -p <port> --config baudrate=115200


Raspberry Pi Pico
-----------------

With pico-tflmicro, Raspberry Pi's port of TFLM to the RP2040 (https://github.com/raspberrypi/pico-tflmicro).
The steps we expect to work, with a recent pico-tflmicro (older ones predate the TFLM API main.cc uses):

1. Install the Pico SDK and set PICO_SDK_PATH (Raspberry Pi's "Getting started with Raspberry Pi Pico").
2. git clone https://github.com/raspberrypi/pico-tflmicro
3. Make a folder pico-tflmicro/examples/${arduinoSketchName}, copy main.cc, model_data.h, model_data.cc,
   test_samples.h and test_samples.cc into it, and write a CMakeLists.txt there:

     add_executable(${arduinoSketchName}
       \${CMAKE_CURRENT_LIST_DIR}/main.cc
       \${CMAKE_CURRENT_LIST_DIR}/model_data.cc
       \${CMAKE_CURRENT_LIST_DIR}/test_samples.cc
     )
     target_link_libraries(${arduinoSketchName} pico-tflmicro pico_stdlib)
     pico_enable_stdio_usb(${arduinoSketchName} 1)
     pico_enable_stdio_uart(${arduinoSketchName} 0)
     # main.cc prints once, at start: wait up to 10 s for the serial console to connect.
     target_compile_definitions(${arduinoSketchName} PRIVATE PICO_STDIO_USB_CONNECT_WAIT_TIMEOUT_MS=10000)
     pico_add_extra_outputs(${arduinoSketchName})

4. Add the line add_subdirectory("examples/${arduinoSketchName}") to pico-tflmicro's top CMakeLists.txt.
5. mkdir build && cd build && cmake .. && make ${arduinoSketchName}
6. Hold BOOTSEL while plugging the Pico in, and copy build/examples/${arduinoSketchName}/${arduinoSketchName}.uf2 to the
   RPI-RP2 drive that appears.
7. Open the serial console, e.g. minicom -b 115200 -o -D /dev/ttyACM0 (on Linux).
`;
}

/** The Arduino sketch, `main.cc` and README.txt of a bundle. Throws ExportError naming a bad manifest field. */
export function examplePrograms(manifest: ExportManifest): ExamplePrograms {
  return { arduinoSketch: arduinoSketch(manifest), mainCc: mainProgram(manifest), readme: readme(manifest) };
}
