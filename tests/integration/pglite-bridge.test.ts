import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import fs from 'node:fs';
import { startEmbedded, type EmbeddedServer } from '../../api/db/embedded.ts';
import { connect } from '../../api/db/connect.ts';
import { createTestDatabase, serverUrl } from '../helpers/db.ts';

// a community of the demo city and the union of its grids: GEOS throws inside ST_Difference (and recovers on a
// server); PGlite 0.5.8 + PostGIS 3.6 swallows the exception and stops the statement without an error (pglite#916)
const geos = JSON.parse(fs.readFileSync(new URL('../fixtures/pglite-geos-exception.json', import.meta.url), 'utf8')) as { community: string; grids: string };
const DIFFERENCE = 'SELECT ST_AsText(ST_Difference(a.g, b.g)) AS d FROM geos_a a, geos_b b';

/** The wire bridge in front of PGlite must behave like a PostgreSQL server towards `pg`. */
describe('PGlite wire bridge', () => {
  let server: EmbeddedServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startEmbedded('memory://');
    pool = new pg.Pool({ connectionString: server.url, max: 1 });
  });
  afterAll(async () => {
    await pool.end();
    await server.stop();
  });

  it('keeps the connection usable after errors, in the simple and the extended protocol', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(pool.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      await expect(pool.query('SELECT $1::int', ['x'])).rejects.toThrow(/invalid input syntax/);
      await expect(pool.query('SELEC 1')).rejects.toThrow(/syntax error/);
      expect((await pool.query('SELECT $1::int + 1 AS v', [i])).rows[0].v).toBe(i + 1);
    }
  });

  it('rolls back a failed transaction and one abandoned by its client', async () => {
    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query('CREATE TABLE t1 (a int)');
    await expect(c.query('SELECT 1/0')).rejects.toThrow();
    await c.query('ROLLBACK');
    c.release();
    expect((await pool.query(`SELECT to_regclass('t1') AS r`)).rows[0].r).toBeNull();

    const c2 = await pool.connect();
    await c2.query('BEGIN');
    await c2.query('CREATE TABLE t2 (a int)');
    c2.release(true); // connection dropped mid-transaction
    expect((await pool.query(`SELECT to_regclass('t2') AS r`)).rows[0].r).toBeNull();
  });

  it('refuses COPY FROM STDIN with an error instead of dying, in and out of transactions', async () => {
    await pool.query('CREATE TABLE copy_target (a int)');
    await expect(pool.query('COPY copy_target FROM STDIN')).rejects.toThrow(/COPY FROM STDIN is not supported by the embedded database/);
    // the extended protocol (Parse/Bind/Execute), as pg uses for parameterised queries
    await expect(pool.query({ text: 'copy copy_target (a) from stdin with (format csv)', values: [], queryMode: 'extended' } as never)).rejects.toThrow(/not supported/);
    expect((await pool.query('SELECT $1::int AS v', [7])).rows[0].v).toBe(7);
    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO copy_target VALUES (1)');
    await expect(c.query('COPY copy_target FROM STDIN')).rejects.toThrow(/not supported/);
    await expect(c.query('SELECT 1')).rejects.toThrow(/current transaction is aborted/); // as a server would
    await c.query('ROLLBACK');
    c.release();
    expect((await pool.query('SELECT count(*)::int AS n FROM copy_target')).rows[0].n).toBe(0);
    expect((await pool.query(`SELECT 'alive' AS s`)).rows[0].s).toBe('alive');
  });

  it('answers a statement PGlite aborts silently with an error, never with a wrong result or a stray message', async () => {
    await pool.query('CREATE TABLE geos_a (g geometry); CREATE TABLE geos_b (g geometry)');
    await pool.query('INSERT INTO geos_a VALUES ($1::geometry)', [geos.community]);
    await pool.query('INSERT INTO geos_b VALUES ($1::geometry)', [geos.grids]);
    const aborted = /embedded database \(PGlite\) aborted this statement/;
    for (let i = 0; i < 2; i++) {
      // evaluated at Execute: PGlite answers PortalSuspended to an unlimited Execute (pg would send another Execute
      // whose CommandComplete arrives after the query ended: "unexpected commandComplete", a crashed process)
      await expect(pool.query({ text: DIFFERENCE, queryMode: 'extended' } as never)).rejects.toThrow(aborted);
      // folded while planning at Bind: PGlite answers nothing to the Bind (pg used to get an empty result)
      await expect(pool.query('SELECT ST_AsText(ST_Difference($1::geometry, $2::geometry)) AS d', [geos.community, geos.grids])).rejects.toThrow(aborted);
      expect((await pool.query('SELECT $1::int AS v', [i])).rows[0].v).toBe(i);
    }
    const c = await pool.connect();
    await c.query('BEGIN');
    await expect(c.query({ text: DIFFERENCE, queryMode: 'extended' } as never)).rejects.toThrow(aborted);
    await c.query('ROLLBACK');
    c.release();
    // an Execute that is not aborted still returns all its rows
    const big = await pool.query('SELECT g, ST_AsText(ST_MakePoint(g, g)) AS p FROM generate_series(1, $1::int) g', [50000]);
    expect(big.rows).toHaveLength(50000);
    expect(big.rows[49999]).toEqual({ g: 50000, p: 'POINT(50000 50000)' });
  });

  it.runIf(serverUrl)('where PostgreSQL answers the same statement', async () => {
    const t = await createTestDatabase();
    try {
      await t.db.pool.query('CREATE TABLE geos_a (g geometry); CREATE TABLE geos_b (g geometry)');
      await t.db.pool.query('INSERT INTO geos_a VALUES ($1::geometry)', [geos.community]);
      await t.db.pool.query('INSERT INTO geos_b VALUES ($1::geometry)', [geos.grids]);
      expect((await t.db.pool.query({ text: DIFFERENCE, queryMode: 'extended' } as unknown as string)).rows).toEqual([{ d: 'POLYGON EMPTY' }]);
    } finally {
      await t.drop();
    }
  });

  it('survives a protocol error on a client that is checked out (no uncaught error event)', async () => {
    const db = await connect({ dataDir: 'memory://' });
    try {
      const c = await db.pool.connect();
      const broken = c.query('SELECT pg_sleep(0.2)');
      // what pg does on a message that belongs to no query: without a listener, the client's 'error' event throws
      expect(() => (c as any).connection.emit('error', new Error('Received unexpected commandComplete message from backend.'))).not.toThrow();
      await expect(broken).rejects.toThrow(/unexpected commandComplete/);
      c.release();
      expect((await db.pool.query('SELECT 2 AS v')).rows[0].v).toBe(2); // a fresh client
    } finally {
      await db.close();
    }
  });

  it('serves several connections one at a time', async () => {
    const many = new pg.Pool({ connectionString: server.url, max: 4 });
    const values = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => many.query('SELECT $1::int * 2 AS v', [i]).then((r) => r.rows[0].v)));
    expect(values).toEqual([2, 4, 6, 8, 10, 12]);
    await many.end();
  });
});
