import pg from 'pg';
import { connect, type Database } from '../../api/db/connect.ts';
import { migrate } from '../../api/db/migrate.ts';
import { loadConfig, type Config } from '../../api/config.ts';

/** The real PostGIS server tests run against, if any (TEST_DATABASE_URL, else DATABASE_URL). */
export const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

export interface TestDatabase {
  db: Database;
  config: Config;
  /** Drops the database (real server) or stops PGlite. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a new database on the real server when one is configured
 * (dropped afterwards), else an in-memory embedded PGlite+PostGIS.
 */
export async function createTestDatabase(opts: { embedded?: boolean } = {}): Promise<TestDatabase> {
  const config = loadConfig({});
  if (!serverUrl || opts.embedded) {
    const db = await connect({ dataDir: 'memory://' });
    await migrate(db.pool);
    return { db, config: { ...config, dataDir: 'memory://' }, drop: () => db.close() };
  }
  const name = `citylens_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await connect({ databaseUrl: url.toString(), dataDir: '' });
  await migrate(db.pool);
  return {
    db,
    config: { ...config, databaseUrl: url.toString() },
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
