/**
 * First step of `npm test`: make sure the browser tests have a Chromium to run in.
 * Installs Debian's `chromium` with apt-get when we are root on Debian; otherwise stops with a
 * message that says exactly what to install. It never lets the browser tests be skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium.ts';

function fail(message: string): never {
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
}

const found = findChromium();
if (found) {
  process.stdout.write(`Browser tests run in ${found}\n`);
} else if (process.env.CHROMIUM_PATH) {
  fail(`CHROMIUM_PATH is set to "${process.env.CHROMIUM_PATH}", but no file is there.`);
} else {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (!isRoot || !isDebian) {
    fail(
      'no Chromium or Chrome was found, and the browser tests need one. ' +
        (isDebian
          ? 'Install it with `sudo apt-get install chromium`, '
          : "Install Chromium or Google Chrome with your system's package manager, ") +
        'or set CHROMIUM_PATH to its executable, then run `npm test` again.',
    );
  }
  process.stdout.write('No Chromium found: installing Debian\'s "chromium" with apt-get…\n');
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    fail('`apt-get install chromium` failed (see its output above). Install Chromium, then run `npm test` again.');
  }
  const installed = findChromium();
  if (!installed) fail('apt-get installed "chromium", but no executable appeared at /usr/bin/chromium.');
  process.stdout.write(`Browser tests run in ${installed}\n`);
}
