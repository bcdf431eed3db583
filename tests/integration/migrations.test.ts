import { describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../api/db/migrate.ts';
import { createTestDatabase, serverUrl } from '../helpers/db.ts';

const TABLES = ['districts', 'grids', 'work_grids', 'roads', 'zones', 'taxonomy', 'departments', 'components', 'cases', 'case_events', 'layer_versions'];

const targets: [string, boolean][] = [
  ['embedded PGlite (PostgreSQL 18, PostGIS 3.6)', true],
  ...(serverUrl ? [['PostgreSQL server (TEST_DATABASE_URL)', false] as [string, boolean]] : []),
];

describe.each(targets)('migrations on %s', (_name, embedded) => {
  it('applies every migration once, records it, and creates the schema with spatial indexes', async () => {
    const t = await createTestDatabase({ embedded });
    try {
      const { pool } = t.db;
      const recorded = (await pool.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
      expect(recorded).toEqual(listMigrations().map((m) => ({ version: m.version, name: m.name })));
      expect(await migrate(pool)).toEqual([]); // idempotent
      const tables = (await pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.tablename);
      expect(tables).toEqual(expect.arrayContaining(TABLES));
      const gist = (await pool.query(`SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%' AND indexdef LIKE '%(geom)%'`)).rows.map((r) => r.tablename);
      expect(gist).toEqual(expect.arrayContaining(['districts', 'grids', 'work_grids', 'roads', 'zones', 'components', 'cases']));
      // case_events is append-only
      await pool.query(`INSERT INTO case_events (district_code, type) VALUES ('450203', 'case.created')`);
      await expect(pool.query(`UPDATE case_events SET type = 'x'`)).rejects.toThrow(/append-only/);
      await expect(pool.query(`DELETE FROM case_events`)).rejects.toThrow(/append-only/);
      // codes are checked by the schema too: a grid whose prefix is not its community is refused
      await expect(pool.query(`INSERT INTO grids (code, district_code, street_code, community_code, geom)
        VALUES ('45020300100101', '450203', '450203001', '450203001002', ST_Multi(ST_MakeEnvelope(0,0,1,1,4326)))`)).rejects.toThrow();
    } finally {
      await t.drop();
    }
  }, 300_000); // starts its own database (PGlite start-up + every migration) inside the test
});
