import fs from 'node:fs';
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
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { postgis } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  const bridge = new PGliteBridge(db);
  const url = await bridge.listen();
  return {
    url,
    async stop() {
      await bridge.close();
      await db.close();
    },
  };
}
