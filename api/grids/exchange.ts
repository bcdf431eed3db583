/**
 * GeoJSON exchange of unit grids. Export: WGS84, exact coordinates, with `version` so an edited file can be
 * re-imported with optimistic concurrency. Import: parsed and converted by the layer importer's pure code
 * (api/domain/layer-import.ts: codes, GCJ-02 → WGS84, CGCS2000 as WGS84), then the grid checks over the whole file;
 * all-or-nothing, every changed grid a revision.
 */
import type pg from 'pg';
import { prepareFeatures, type CrsName } from '../domain/layer-import.ts';
import { problem } from '../domain/grid-problems.ts';
import { validateGrids } from './validate.ts';
import { beginChange, GridError, gridWrite, invalid, NEXT_VERSION_SQL, recordRevisions, FEATURE_SQL } from './store.ts';
import type { WriteContext } from './writes.ts';

/** `scope`: community (12 digits), street (9) or county (6); undefined → all grids. */
export async function exportGrids(pool: pg.Pool, scope?: string) {
  const { rows } = await pool.query<{ f: unknown }>(
    `SELECT ${FEATURE_SQL()} AS f FROM grids g WHERE $1::text IS NULL OR left(g.code, length($1)) = $1 ORDER BY g.code`,
    [scope ?? null],
  );
  return { type: 'FeatureCollection', name: scope ? `grids-${scope}` : 'grids', features: rows.map((r) => r.f) };
}

export interface ImportResult {
  total: number;
  created: string[];
  updated: string[];
  unchanged: number;
  change: number | null;
}

export async function importGrids(ctx: WriteContext, doc: unknown, crs: CrsName): Promise<ImportResult> {
  let prepared: ReturnType<typeof prepareFeatures>;
  try {
    prepared = prepareFeatures('grids', doc, { crs });
  } catch (err) {
    throw new GridError(400, { error: 'bad_request', message: (err as Error).message });
  }
  const { rows, rejected } = prepared;
  if (rejected.length) {
    throw invalid(rejected.map((r) => problem('feature', { index: r.index, reason: r.reason }, null, { index: r.index, grid: r.id ?? null })));
  }
  // rows line up with the features (nothing was rejected); the file may carry the version it was exported at
  const features = (doc as { features: { properties?: Record<string, unknown> | null }[] }).features;
  const sentVersion = (i: number) => {
    const v = features[i]?.properties?.version;
    return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
  };
  const codes = rows.map((r) => String(r.code));
  return gridWrite(ctx.pool, async (c) => {
    const { rows: existing } = await c.query<{ code: string; version: number }>(
      `SELECT code, version FROM grids WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE`, [codes],
    );
    const current = new Map(existing.map((e) => [e.code, e.version]));
    const stale = codes.map((code, i) => ({ code, sent: sentVersion(i), version: current.get(code) }))
      .filter((s) => s.version !== undefined && s.sent !== null && s.sent !== s.version);
    if (stale.length) {
      throw new GridError(409, {
        error: 'stale_version',
        message: stale.slice(0, 5).map((s) => `grid ${s.code} is at version ${s.version}, the file has ${s.sent}`).join('; ') +
          (stale.length > 5 ? ` (and ${stale.length - 5} more)` : '') + ': export again and re-apply the edits',
        grids: stale,
      });
    }
    const v = await validateGrids(c, rows.map((r) => ({
      code: String(r.code), community_code: String(r.community_code), work_grid_code: (r.work_grid_code as string | null) ?? null, geometry: r.geometry,
    })), [...current.keys()], { srid: ctx.srid, config: ctx.config });
    if (v.problems.length) throw invalid(v.problems);

    const { rows: same } = await c.query<{ code: string }>(
      `SELECT k.code FROM grid_cand k JOIN grids g ON g.code = k.code
       WHERE ST_OrderingEquals(g.geom, ST_Multi(k.geom)) AND g.work_grid_code IS NOT DISTINCT FROM k.work_grid_code`,
    );
    const unchanged = new Set(same.map((s) => s.code));
    const changed = codes.filter((code) => !unchanged.has(code));
    if (!changed.length) return { total: codes.length, created: [], updated: [], unchanged: unchanged.size, change: null };
    const change = await beginChange(c, changed);
    await c.query(
      `INSERT INTO grids (code, district_code, street_code, community_code, work_grid_code, version, geom)
       SELECT k.code, left(k.code, 6), left(k.code, 9), left(k.code, 12), k.work_grid_code, ${NEXT_VERSION_SQL('k.code')}, ST_Multi(k.geom)
       FROM grid_cand k WHERE k.code = ANY($1::text[])
       ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom, work_grid_code = EXCLUDED.work_grid_code,
         version = grids.version + 1, updated_at = now()`,
      [changed],
    );
    await recordRevisions(c, change, 'import', ctx.actor, changed.map((code) => ({ code })));
    return {
      total: codes.length,
      created: changed.filter((code) => !current.has(code)),
      updated: changed.filter((code) => current.has(code)),
      unchanged: unchanged.size,
      change,
    };
  });
}
