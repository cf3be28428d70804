/**
 * What every command-line tool shares: one-line error messages with a non-zero exit (never a stack
 * trace), and reading untrusted JSON files with errors that name the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Architecture, ArchitectureError, parseArchitecture } from '../core/architecture.ts';

/** An error meant for the user: printed as one line, exit code 1 (bad input) or 2 (bad usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's options strictly (no positionals); a bad option is a usage error (exit 2). */
export function parseCommandArgs<const O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliError(`${(error as Error).message.split('\n')[0]} (see --help)`, 2);
  }
}

/** Reads and validates an architecture file; the message names the file and the layer. */
export function readArchitectureFile(path: string): Architecture {
  try {
    return parseArchitecture(readJsonFile(path, 'architecture file'));
  } catch (error) {
    if (error instanceof ArchitectureError) throw new CliError(`architecture file "${path}": ${error.message}`);
    throw error;
  }
}

/** A numeric option, checked; undefined when not given. The message names the option and the rule. */
export function numberOption(value: string | undefined, name: string, check: (n: number) => boolean, hint: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new CliError(`--${name} must be ${hint}, got "${value}"`, 2);
  return n;
}

/** A check for whole numbers of at least `min`. */
export const wholeFrom =
  (min: number) =>
  (n: number): boolean =>
    Number.isInteger(n) && n >= min;

/** Largest JSON file a tool reads: architectures and targets are small; 50 MB stops mistakes early. */
const maxJsonBytes = 50 * 1024 * 1024;

/** Reads and parses a JSON file; `what` names it in messages ("architecture file"). */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > maxJsonBytes) throw new CliError(`${what} "${path}" is ${size} bytes; the limit is ${maxJsonBytes}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new CliError(`cannot read ${what} "${path}": ${why}`);
  }
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse refuses; the study import accepts it too.
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown;
  } catch (error) {
    throw new CliError(`${what} "${path}" is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Runs a tool's main function and turns every failure into one line on stderr and an exit code.
 * Errors of the core (ArchitectureError, TargetError) carry user-facing messages too.
 */
export async function runCli(name: string, main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message.split('\n')[0]}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}
