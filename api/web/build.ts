import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIR = path.join(ROOT, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');
const CONFIG = path.join(WEB_DIR, 'vite.config.ts');
/** mkdir is atomic: the one process that creates this directory builds; the others wait for it. */
const LOCK = path.join(WEB_DIR, '.build-lock');
/** Shared by the server and the web app (basemap colours and legend names). */
const SHARED_SOURCES = [path.join(ROOT, 'api/basemap/shared.ts'), path.join(ROOT, 'package-lock.json')];

/**
 * Builds the web app with Vite when `web/dist` is missing or older than any source, so `npm start` on a clean
 * clone builds it once and later starts skip it. Safe to call from parallel processes (tests).
 * Returns whether this call ran a build.
 */
export async function ensureWebBuilt(opts: { log?: (msg: string) => void; force?: boolean } = {}): Promise<boolean> {
  const log = opts.log ?? ((m: string) => console.log(m));
  if (!opts.force && (await isFresh())) return false;
  if (!(await acquireLock())) {
    // Another process built while we waited.
    if (await isFresh()) return false;
    return ensureWebBuilt(opts);
  }
  try {
    if (!opts.force && (await isFresh())) return false;
    log('building the web app (vite) …');
    const started = Date.now();
    const { build } = await import('vite');
    await build({ configFile: CONFIG, logLevel: 'warn', mode: 'production' });
    log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(ROOT, WEB_DIST)}`);
    return true;
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** dist/index.html exists and is newer than every file under web/ (bar dist) and the shared sources. */
export async function isFresh(): Promise<boolean> {
  const built = await mtime(path.join(WEB_DIST, 'index.html'));
  if (built === undefined) return false;
  const newest = Math.max(await newestUnder(WEB_DIR), ...(await Promise.all(SHARED_SOURCES.map(async (f) => (await mtime(f)) ?? 0))));
  return built >= newest;
}

async function mtime(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

const SKIP = new Set(['dist', 'node_modules', '.build-lock', '.vite']);

async function newestUnder(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const p = path.join(dir, entry.name);
    const m = entry.isDirectory() ? await newestUnder(p) : ((await mtime(p)) ?? 0);
    if (m > newest) newest = m;
  }
  return newest;
}

/** true: we hold the lock. false: someone else held it and has let go (the caller re-checks freshness). */
async function acquireLock(): Promise<boolean> {
  const staleAfter = 5 * 60_000; // a build that crashed leaves its lock behind
  for (;;) {
    try {
      await mkdir(LOCK);
      return true;
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err;
    }
    const since = await mtime(LOCK);
    if (since !== undefined && Date.now() - since > staleAfter) {
      await rm(LOCK, { recursive: true, force: true });
      continue;
    }
    while ((await mtime(LOCK)) !== undefined) await new Promise((r) => setTimeout(r, 250));
    return false;
  }
}
