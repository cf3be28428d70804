/**
 * Bytes as C++ source, for boards without a file system: the model and the test samples are
 * compiled into the program as constant arrays (the `model_data.h` / `model_data.cc` pair that
 * TensorFlow Lite Micro's examples use), which the linker places in flash.
 *
 * Text that comes from the user (dataset and class names) reaches the generated C++ only through
 * `cString` and `cComment`, which escape it so that no name can end a comment or a string early,
 * start a preprocessor line, or splice two lines together.
 */

export interface CSourceFiles {
  readonly header: string;
  readonly source: string;
}

/** Bytes per line of hex and values per line of decimals: lines stay under 100 columns. */
const hexPerLine = 12;
const decimalsPerLine = 16;

/** C and C++ keywords: valid in the identifier grammar, but not as a name. */
const keywords = new Set(
  (
    'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class compl concept const ' +
    'consteval constexpr constinit const_cast continue co_await co_return co_yield decltype default delete do double dynamic_cast ' +
    'else enum explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq ' +
    'nullptr operator or or_eq private protected public register reinterpret_cast requires restrict return short signed sizeof ' +
    'static static_assert static_cast struct switch template this thread_local throw true try typedef typeid typename union ' +
    'unsigned using virtual void volatile wchar_t while xor xor_eq'
  ).split(' '),
);

/** Throws unless `name` can name a C and C++ variable. */
export function checkCIdentifier(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || keywords.has(name)) {
    throw new Error(`${JSON.stringify(name)} is not a C identifier (letters, digits and _, not starting with a digit, not a keyword)`);
  }
}

/** Throws unless `file` is a plain header file name that `#include "…"` and an include guard can use. */
function checkHeaderName(file: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_.-]*\.h$/.test(file)) {
    throw new Error(`${JSON.stringify(file)} is not a header file name (a letter, then letters, digits, _ . -, ending in .h)`);
  }
}

/** The include guard of a header: `model_data.h` → `MODEL_DATA_H_`. */
export function includeGuard(file: string): string {
  return `${file.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/** Any line break a compiler or an editor might honour. */
const lineBreaks = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;
/** Control characters, lone surrogates, and the direction overrides that can make code read other than it compiles. */
const unprintable = /[\p{Cc}\p{Cs}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Splits one line of text at spaces into lines of at most `width` characters (a longer word keeps its own line). */
export function wrapWords(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  lines.push(current);
  return lines;
}

/** Comment lines, `// ` included, stay within 100 columns. */
const commentWidth = 97;

/**
 * `//` comment lines holding `text`, wrapped at 100 columns. A backslash would splice the next line
 * into the comment, so it becomes `/`; `??` is split because `??/` is a backslash where trigraphs
 * are still on (C++ before 17).
 */
export function cComment(text: string): string {
  return text
    .split(lineBreaks)
    .flatMap((line) => {
      const safe = line.replace(unprintable, ' ').replace(/\\/g, '/').replace(/\?(?=\?)/g, '? ').trimEnd();
      return wrapWords(safe, commentWidth).map((part) => (part.trimEnd() === '' ? '//' : `// ${part.trimEnd()}`));
    })
    .join('\n');
}

/** UTF-8 bytes of a string (TextEncoder is not part of the ECMAScript library this folder builds on). */
function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return bytes;
}

/**
 * A C string literal, quotes included, holding `text` as UTF-8. Everything but printable ASCII is
 * written as a three-digit octal escape: unlike `\x`, an octal escape cannot swallow the digits
 * after it. `"`, `\` and `?` (trigraphs) are escaped the same way.
 */
export function cString(text: string): string {
  let literal = '"';
  for (const byte of utf8(text)) {
    const plain = byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c && byte !== 0x3f;
    literal += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${literal}"`;
}

/** Array initialiser lines: `perLine` values each, two-space indent, commas between values. */
function initialiserLines(values: ArrayLike<number>, perLine: number, format: (value: number) => string): string {
  const lines: string[] = [];
  for (let start = 0; start < values.length; start += perLine) {
    const end = Math.min(start + perLine, values.length);
    const line: string[] = [];
    for (let i = start; i < end; i++) line.push(format(values[i]!));
    lines.push(`  ${line.join(', ')}${end < values.length ? ',' : ''}`);
  }
  return lines.join('\n');
}

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

function headerFile(file: string, comment: string, declarations: readonly string[]): string {
  const guard = includeGuard(file);
  return `${cComment(comment)}\n#ifndef ${guard}\n#define ${guard}\n\n${declarations.join('\n')}\n\n#endif  // ${guard}\n`;
}

/**
 * `bytes` as a header declaring `<name>[]` and `<name>_len`, and a source defining them. The array
 * is 16-byte aligned: TFLM reads the flatbuffer in place, and its buffers are aligned within the
 * file on the assumption that the file itself is.
 */
export function cArraySource(options: { name: string; header: string; bytes: Uint8Array; comment: string }): CSourceFiles {
  const { name, header, bytes, comment } = options;
  checkCIdentifier(name);
  checkHeaderName(header);
  // ISO C++ has no zero-length arrays; an empty model is a bug upstream anyway.
  if (bytes.length === 0) throw new Error(`${name}: no bytes to write (C++ has no empty arrays)`);
  return {
    header: headerFile(header, comment, [`extern const unsigned char ${name}[];`, `extern const unsigned int ${name}_len;`]),
    source:
      `${cComment(comment)}\n#include "${header}"\n\n` +
      `alignas(16) const unsigned char ${name}[] = {\n${initialiserLines(bytes, hexPerLine, hex)}\n};\n` +
      `const unsigned int ${name}_len = ${bytes.length};\n`,
  };
}

/**
 * The test samples as `test_samples[]` (int8 images, one after another, `bytesPerSample` each) with
 * `test_labels[]` (their classes), `test_expected[]` (the classes the int8 simulation predicts, as
 * expect.json has them), `test_sample_count` and `test_sample_bytes`.
 */
export function cTestSamplesSource(options: {
  header: string;
  samples: Int8Array;
  labels: readonly number[];
  expected: readonly number[];
  bytesPerSample: number;
  comment: string;
}): CSourceFiles {
  const { header, samples, labels, expected, bytesPerSample, comment } = options;
  checkHeaderName(header);
  if (!Number.isInteger(bytesPerSample) || bytesPerSample < 1) throw new Error(`bytesPerSample must be a whole number from 1, got ${bytesPerSample}`);
  if (labels.length === 0) throw new Error('no test samples to write (C++ has no empty arrays)');
  if (samples.length !== labels.length * bytesPerSample) {
    throw new Error(`samples hold ${samples.length} values, but ${labels.length} labels × ${bytesPerSample} bytes per sample make ${labels.length * bytesPerSample}`);
  }
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label > 255) throw new Error(`labels[${i}] is ${label}; a label must be a whole number from 0 to 255`);
  });
  if (expected.length !== labels.length) throw new Error(`${expected.length} expected classes for ${labels.length} samples`);
  expected.forEach((value, i) => {
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new Error(`expected[${i}] is ${value}; a class must be a whole number from 0 to 255`);
  });
  return {
    header: headerFile(header, comment, [
      'extern const signed char test_samples[];',
      'extern const unsigned char test_labels[];',
      '// The class the playground\'s int8 simulation predicts for each sample (expect.json\'s "predictions").',
      'extern const unsigned char test_expected[];',
      'extern const unsigned int test_sample_count;',
      'extern const unsigned int test_sample_bytes;',
    ]),
    source:
      `${cComment(comment)}\n#include "${header}"\n\n` +
      `const signed char test_samples[] = {\n${initialiserLines(samples, decimalsPerLine, String)}\n};\n\n` +
      `const unsigned char test_labels[] = {\n${initialiserLines(labels, decimalsPerLine, String)}\n};\n\n` +
      `const unsigned char test_expected[] = {\n${initialiserLines(expected, decimalsPerLine, String)}\n};\n\n` +
      `const unsigned int test_sample_count = ${labels.length};\n` +
      `const unsigned int test_sample_bytes = ${bytesPerSample};\n`,
  };
}
