/**
 * A command-line tool as a user starts it, in its own Node process (no npm in between, so that its
 * process id is the tool's own, for SIGKILL): the fault tests of `npm run search` share it.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface CliProcess {
  readonly child: ChildProcess;
  /** Its exit, with everything it wrote. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `script` (e.g. src/cli/search.ts) with `args`. */
export function startCli(script: string, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, ended };
}
