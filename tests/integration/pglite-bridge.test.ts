import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbedded, type EmbeddedServer } from '../../api/db/embedded.ts';

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

  it('serves several connections one at a time', async () => {
    const many = new pg.Pool({ connectionString: server.url, max: 4 });
    const values = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => many.query('SELECT $1::int * 2 AS v', [i]).then((r) => r.rows[0].v)));
    expect(values).toEqual([2, 4, 6, 8, 10, 12]);
    await many.end();
  });
});
