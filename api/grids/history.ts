import type pg from 'pg';

const feature = (p: string, g: string) =>
  `CASE WHEN ${g} IS NULL THEN NULL ELSE jsonb_build_object('type', 'Feature', 'id', ${p}->>'code', 'geometry', ST_AsGeoJSON(${g}, 15)::jsonb, 'properties', ${p}) END`;

export interface Revision {
  id: number;
  change: number;
  op: string;
  grid: string;
  actor: string;
  at: string;
  version_before: number | null;
  version_after: number | null;
  before: unknown;
  after: unknown;
  note: Record<string, unknown>;
}

/**
 * Revisions of a grid, newest first, as GeoJSON before/after features. A renumber files the grid under its new
 * code; the history follows it back to the revisions of its old code (up to the renumber). null: no such grid ever.
 */
export async function gridHistory(pool: pg.Pool, code: string): Promise<Revision[] | null> {
  const out: Revision[] = [];
  let current = code;
  let upto: number | null = null;
  for (let hops = 0; hops < 100; hops++) {
    const { rows }: { rows: Revision[] } = await pool.query<Revision>(
      `SELECT id, change_id AS change, op, grid_code AS grid, actor, created_at AS at, version_before, version_after,
              ${feature('props_before', 'geom_before')} AS before, ${feature('props_after', 'geom_after')} AS after, note
       FROM grid_revisions WHERE grid_code = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC`,
      [current, upto],
    );
    let next: { code: string; upto: number } | null = null;
    for (const r of rows) {
      out.push({ ...r, id: Number(r.id), change: Number(r.change) });
      const from: unknown = r.note?.from;
      if (r.op === 'renumber' && typeof from === 'string' && from !== current) {
        next = { code: from, upto: Number(r.id) };
        break;
      }
    }
    if (!next) break;
    current = next.code;
    upto = next.upto;
  }
  if (out.length) return out;
  const { rows } = await pool.query(`SELECT 1 FROM grids WHERE code = $1`, [code]);
  return rows.length ? [] : null;
}

/** Where an old code went: renumbers, splits and merges that retired or renamed it, oldest first. */
export async function codeMapOf(pool: pg.Pool, q: { code?: string; community?: string }) {
  const { rows } = await pool.query(
    `SELECT change_id AS change, community_code, old_code, new_code, reason, actor, created_at AS at FROM grid_code_map
     WHERE ($1::text IS NULL OR old_code = $1) AND ($2::text IS NULL OR community_code = $2)
     ORDER BY created_at, change_id, old_code, new_code`,
    [q.code ?? null, q.community ?? null],
  );
  return rows.map((r) => ({ ...r, change: Number(r.change) }));
}
