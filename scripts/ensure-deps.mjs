// Runs before `npm start` / `npm test`: on a fresh clone (or after package-lock.json changed) installs the pinned
// dependencies with `npm ci`, so the README's two commands work on a clean machine. Plain JS: tsx is not there yet.
import { execSync } from 'node:child_process';
import fs from 'node:fs';

const stamp = 'node_modules/.package-lock.json';
const stale = !fs.existsSync(stamp) || fs.statSync('package-lock.json').mtimeMs > fs.statSync(stamp).mtimeMs + 1000;
if (stale) {
  console.log('[citylens] installing dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
