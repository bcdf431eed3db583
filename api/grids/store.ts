/**
 * Grid persistence shared by the write operations: one transaction per request under a grid-edit lock, version
 * checks (optimistic concurrency), revision rows (before/after snapshots) and the code map.
 */
import type pg from 'pg';
import { transaction } from '../db/connect.ts';
import { summary, type Problem } from '../domain/grid-problems.ts';

/** An answer other than 2xx, thrown inside the transaction so that it rolls back. */
export class GridError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body.message ?? body.error));
  }
}

export const invalid = (problems: Problem[], warnings: Problem[] = []) =>
  new GridError(422, { error: 'invalid_grid', message: summary(problems), problems, ...(warnings.length ? { warnings } : {}) });

export const badRequest = (message: string) => new GridError(400, { error: 'bad_request', message });

/**
 * Grid writes are rare and human-paced; one advisory lock serialises them, so the checks a write ran still hold
 * when it commits (two analysts cannot each validate an overlap-free edit and commit overlapping grids).
 */
const GRID_WRITE_LOCK = 0x67726964; // 'grid'

export async function gridWrite<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [GRID_WRITE_LOCK]);
    return fn(c);
  });
}

export interface Expected { code: string; version: number }

/** Locks the grids and checks their versions: 404 for an unknown code, 409 naming every stale one. */
export async function lockVersions(c: pg.PoolClient, expected: Expected[]): Promise<Map<string, { version: number; community_code: string }>> {
  const { rows } = await c.query<{ code: string; version: number; community_code: string }>(
    `SELECT code, version, community_code FROM grids WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE`,
    [expected.map((e) => e.code)],
  );
  const found = new Map(rows.map((r) => [r.code, r]));
  const missing = expected.filter((e) => !found.has(e.code)).map((e) => e.code);
  if (missing.length) throw new GridError(404, { error: 'unknown_grid', message: `no grid with code ${missing.join(', ')}`, codes: missing });
  const stale = expected.filter((e) => found.get(e.code)!.version !== e.version);
  if (stale.length) {
    throw new GridError(409, {
      error: 'stale_version',
      message: stale.map((s) => `grid ${s.code} is at version ${found.get(s.code)!.version}, not ${s.version}`).join('; ') + ': reload it and apply the edit again',
      grids: stale.map((s) => ({ code: s.code, version: found.get(s.code)!.version, sent: s.version })),
    });
  }
  return found;
}

/** Snapshot of the grids a change touches (`grid_before`, dropped at commit) and a new change id. */
export async function beginChange(c: pg.PoolClient, codes: string[]): Promise<number> {
  // like the check tables: created once per session, emptied at commit
  await c.query(`DO $$ BEGIN
    IF to_regclass('pg_temp.grid_before') IS NULL THEN
      CREATE TEMP TABLE grid_before (code text PRIMARY KEY, district_code text, street_code text, community_code text,
        work_grid_code text, version int, updated_at timestamptz, geom geometry) ON COMMIT DELETE ROWS;
    END IF;
  END $$; DELETE FROM grid_before;`);
  await c.query(
    `INSERT INTO grid_before SELECT code, district_code, street_code, community_code, work_grid_code, version, updated_at, geom
     FROM grids WHERE code = ANY($1::text[])`,
    [codes],
  );
  const { rows } = await c.query<{ id: number }>(`SELECT nextval('grid_change_seq') AS id`);
  return Number(rows[0].id);
}

const props = (t: string) => `CASE WHEN ${t}.code IS NULL THEN NULL ELSE jsonb_build_object('code', ${t}.code, 'community_code', ${t}.community_code,
  'street_code', ${t}.street_code, 'district_code', ${t}.district_code, 'work_grid_code', ${t}.work_grid_code, 'version', ${t}.version, 'updated_at', ${t}.updated_at) END`;

export interface RevisionEntry {
  /** the code the revision is filed under: the grid's code after the change (its old code when it is gone) */
  code: string;
  /** the code the grid had before, when it differs (renumber) */
  beforeCode?: string;
  note?: Record<string, unknown>;
}

export type Op = 'create' | 'update' | 'delete' | 'split' | 'merge' | 'revert' | 'renumber' | 'import';

/** One revision per entry, before from `grid_before`, after from `grids`; returns the revision ids by code. */
export async function recordRevisions(c: pg.PoolClient, changeId: number, op: Op, actor: string, entries: RevisionEntry[]): Promise<Map<string, number>> {
  const { rows } = await c.query<{ id: number; grid_code: string }>(
    `INSERT INTO grid_revisions (change_id, grid_code, district_code, op, actor, version_before, version_after,
                                 props_before, props_after, geom_before, geom_after, note)
     SELECT $1, k.code, left(k.code, 6), $2, $3, b.version, a.version, ${props('b')}, ${props('a')}, b.geom, a.geom, coalesce(k.note, '{}')
     FROM unnest($4::text[], $5::text[], $6::jsonb[]) AS k(code, before_code, note)
     LEFT JOIN grid_before b ON b.code = k.before_code
     LEFT JOIN grids a ON a.code = k.code
     ORDER BY k.code
     RETURNING id, grid_code`,
    [changeId, op, actor, entries.map((e) => e.code), entries.map((e) => e.beforeCode ?? e.code), entries.map((e) => JSON.stringify(e.note ?? {}))],
  );
  return new Map(rows.map((r) => [r.grid_code, Number(r.id)]));
}

export async function recordCodeMap(c: pg.PoolClient, changeId: number, reason: 'renumber' | 'split' | 'merge', actor: string, pairs: { old: string; new: string }[]) {
  if (!pairs.length) return;
  await c.query(
    `INSERT INTO grid_code_map (change_id, community_code, old_code, new_code, reason, actor)
     SELECT $1, left(o, 12), o, n, $2, $3 FROM unnest($4::text[], $5::text[]) AS m(o, n)`,
    [changeId, reason, actor, pairs.map((p) => p.old), pairs.map((p) => p.new)],
  );
}

/** Version a grid gets when (re)created under `code`: above any version the code ever had, so versions never repeat. */
export const NEXT_VERSION_SQL = (code: string) =>
  `(SELECT coalesce(max(greatest(version_before, version_after)), 0) + 1 FROM grid_revisions WHERE grid_code = ${code})`;

/** Every code a community's grids have ever had (current and in history): new serials never reuse them. */
export async function everUsedCodes(c: pg.PoolClient, community: string): Promise<string[]> {
  const { rows } = await c.query<{ code: string }>(
    `SELECT code FROM grids WHERE community_code = $1
     UNION SELECT grid_code FROM grid_revisions WHERE left(grid_code, 12) = $1
     UNION SELECT new_code FROM grid_code_map WHERE community_code = $1`,
    [community],
  );
  return rows.map((r) => r.code);
}

export async function communityCodes(c: pg.PoolClient, community: string): Promise<string[]> {
  const { rows } = await c.query<{ code: string }>(`SELECT code FROM grids WHERE community_code = $1`, [community]);
  return rows.map((r) => r.code);
}

/** SQL for a grid as a GeoJSON Feature (exact coordinates: 15 decimals round-trip a double). */
export const FEATURE_SQL = (t = 'g') => `jsonb_build_object('type', 'Feature', 'id', ${t}.code, 'geometry', ST_AsGeoJSON(${t}.geom, 15)::jsonb,
  'properties', jsonb_build_object('code', ${t}.code, 'community_code', ${t}.community_code, 'street_code', ${t}.street_code,
    'district_code', ${t}.district_code, 'work_grid_code', ${t}.work_grid_code, 'version', ${t}.version, 'updated_at', ${t}.updated_at))`;

export async function features(c: pg.PoolClient | pg.Pool, codes: string[]): Promise<unknown[]> {
  const { rows } = await c.query<{ f: unknown }>(`SELECT ${FEATURE_SQL()} AS f FROM grids g WHERE g.code = ANY($1::text[]) ORDER BY g.code`, [codes]);
  return rows.map((r) => r.f);
}
