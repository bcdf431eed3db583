/**
 * Each case's point in the analysis CRS, stored: `cases.ax`, `cases.ay`, generated columns
 * (ST_Transform at write time, once per case). A hotspot analysis scans every case of its window; reprojecting a
 * million points per analysis was a third of its time.
 *
 * The analysis CRS is the deployment's (ANALYSIS_SRID, else the UTM zone of the districts), known only once
 * districts exist, so the columns are created here at run time — at start-up and, failing that, before the first
 * analysis that can use them — not by a migration. Their SRID is kept in the column comment; a deployment whose
 * analysis CRS changes gets them rebuilt (a rewrite of the cases table, under an exclusive lock).
 */
import type pg from 'pg';
import { transaction } from '../db/connect.ts';

const COMMENT = /^srid=(\d+)$/;

type Queryable = { query<R>(sql: string): Promise<{ rows: R[] }> };

/** The SRID of cases.ax / cases.ay, or null while they do not exist. */
export async function storedXySrid(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ comment: string | null }>(
    `SELECT col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a
      WHERE a.attrelid = 'cases'::regclass AND a.attname = 'ax' AND NOT a.attisdropped`,
  );
  const m = rows[0]?.comment ? COMMENT.exec(rows[0].comment) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Makes cases.ax / cases.ay hold the points in `srid` (a projected CRS already checked by the caller).
 * Returns whether the columns were (re)built. Concurrent callers: the second waits for the first's lock, then finds
 * the columns in place.
 */
export async function ensureStoredXy(pool: pg.Pool, srid: number): Promise<boolean> {
  if (!Number.isInteger(srid) || srid <= 0) throw new Error(`ensureStoredXy: bad SRID ${srid}`);
  if ((await storedXySrid(pool)) === srid) return false;
  return transaction(pool, async (client) => {
    await client.query('LOCK TABLE cases IN ACCESS EXCLUSIVE MODE');
    if ((await storedXySrid(client)) === srid) return false;
    // DDL takes no parameters: srid is an integer checked above
    await client.query(`ALTER TABLE cases DROP COLUMN IF EXISTS ax, DROP COLUMN IF EXISTS ay,
      ADD COLUMN ax float8 GENERATED ALWAYS AS (ST_X(ST_Transform(geom, ${srid}))) STORED,
      ADD COLUMN ay float8 GENERATED ALWAYS AS (ST_Y(ST_Transform(geom, ${srid}))) STORED`);
    await client.query(`COMMENT ON COLUMN cases.ax IS 'srid=${srid}'`);
    await client.query(`COMMENT ON COLUMN cases.ay IS 'srid=${srid}'`);
    return true;
  });
}
