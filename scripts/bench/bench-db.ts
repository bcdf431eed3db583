import pg from 'pg';
import { connect, type Database } from '../../api/db/connect.ts';
import { migrate } from '../../api/db/migrate.ts';

/** The real server benchmarks run against. */
export function benchServerUrl(): string {
  const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!url) throw new Error('benchmarks need a PostgreSQL+PostGIS server: set BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  return url;
}

/** A fresh, migrated database on the bench server, dropped by `drop()`. */
export async function createBenchDatabase(prefix: string): Promise<{ db: Database; url: string; drop(): Promise<void> }> {
  const server = benchServerUrl();
  const name = `citylens_bench_${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await connect({ databaseUrl: url, dataDir: '' });
  await migrate(db.pool);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: server });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
