import pg from 'pg';
import type { Config } from '../config.ts';
import { startEmbedded, type EmbeddedServer } from './embedded.ts';

// timestamptz → JS Date (default), bigint counts → number: our counts never exceed 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface Database {
  pool: pg.Pool;
  kind: 'postgis' | 'embedded';
  close(): Promise<void>;
}

/** DATABASE_URL → that server; otherwise the embedded PGlite+PostGIS in DATA_DIR behind a loopback bridge. */
export async function connect(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(config.dataDir);
    url = embedded.url;
  }
  // PGlite is single-session: one connection, or connections would queue behind each other's transactions.
  const pool = new pg.Pool({ connectionString: url, max: embedded ? 1 : 10 });
  pool.on('error', () => undefined); // an idle client dropped by the server is replaced on next use
  // A checked-out client has no 'error' listener of the pool's: a protocol error ("unexpected commandComplete") or a
  // dropped socket would be thrown by its EventEmitter and end the process. Its queries fail with the error anyway,
  // and the pool discards the broken client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    pool,
    kind: embedded ? 'embedded' : 'postgis',
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}

/**
 * Runs `fn` in one transaction on one client; rolls back on any error. `first`: statements (no parameters) sent
 * with the BEGIN, in the same round trip; each still runs with its own snapshot.
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, first?: (client: pg.PoolClient) => string | null): Promise<T> {
  const client = await pool.connect();
  try {
    const more = first?.(client);
    await client.query(more ? `BEGIN; ${more}` : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
