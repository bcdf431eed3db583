import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { PGliteBridge } from './pglite-bridge.ts';

export interface EmbeddedServer {
  /** postgres:// URL of the loopback bridge in front of PGlite */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with PostGIS in `dataDir` (or in memory with `memory://`) and serves it on a loopback port,
 * so the rest of the app talks to it through `pg` exactly as to a real server.
 */
export async function startEmbedded(dataDir: string): Promise<EmbeddedServer> {
  const unlock = dataDir.startsWith('memory://') ? () => undefined : lockDataDir(dataDir);
  const db = await PGlite.create({ dataDir, extensions: { postgis } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  const bridge = new PGliteBridge(db);
  const url = await bridge.listen();
  return {
    url,
    async stop() {
      await bridge.close();
      await db.close();
      unlock();
    },
  };
}

/**
 * PGlite files must be opened by one process only: a second one (an import CLI while `npm start` runs) would
 * corrupt them. A pid file guards the folder; a stale one (its process gone) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = path.join(dataDir, 'citylens.pid');
  try {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`the embedded database in ${dataDir} is in use by process ${pid} (is \`npm start\` running?). Stop it, or point DATABASE_URL at a PostgreSQL server.`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.writeFileSync(lock, String(process.pid));
  return () => fs.rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
