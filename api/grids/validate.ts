/**
 * The grid topology checks, shared by `POST /api/grids/validate` and every write. Candidates (new or changed grids)
 * go into a temp table; `replaces` names the grids they take the place of (ignored as neighbours, and the area they
 * covered must stay covered). Shape rules run in TypeScript first (api/domain/grid-geometry.ts); the rest is
 * set-based SQL that runs on PostGIS 3.3 and 3.6 alike (overlaps / union / difference, no coverage functions).
 * Metric quantities (areas, distances, compactness) are computed in the analysis CRS.
 *
 * The temp tables `grid_cand` (idx, code, community_code, work_grid_code, geom) and `grid_gone` keep their rows
 * until the transaction ends, so a write inserts exactly the geometries that were checked.
 */
import type pg from 'pg';
import type { Geometry } from 'geojson';
import { OVERLAY_GRID } from './overlay.ts';
import { checkPolygonShape } from '../domain/grid-geometry.ts';
import { codeProblems, COMMUNITY_CODE } from '../domain/grid-codes.ts';
import { problem, type Problem } from '../domain/grid-problems.ts';
import type { GridConfig } from './config.ts';
import { GridError } from './store.ts';
import { tilesExactly } from '../domain/coverage-chain.ts';
import { wkbPolygons, type PolygonRings } from '../domain/wkb.ts';

export interface Candidate {
  code?: string | null;
  community_code?: string | null;
  work_grid_code?: string | null;
  /** GeoJSON from a client … */
  geometry?: unknown;
  /** … or hex EWKB computed by the server (split pieces, merge result, revert), checked as is */
  wkb?: string;
}

export interface ValidationOptions {
  srid: number;
  config: GridConfig;
}

export interface Validation {
  problems: Problem[];
  /** community of each candidate (given, from its code, or the one its geometry lies in), by index */
  communities: (string | null)[];
}

type Row = Record<string, any>;
const gj = (text: string | null): Geometry | null => (text ? (JSON.parse(text) as Geometry) : null);
const at = (r: Row): [number, number] | null => (r.x == null ? null : [Number(r.x), Number(r.y)]);

/** Runs every check; `grid_cand` / `grid_gone` keep the candidates until `c`'s transaction ends. */
export async function validateGrids(c: pg.PoolClient, cands: Candidate[], replaces: string[], opts: ValidationOptions): Promise<Validation> {
  const { srid, config } = opts;
  const problems: Problem[] = [];
  const rows: Row[] = [];
  // a candidate left out of the geometric checks would show up as a gap where it should have been
  let dropped = false;
  const communities: (string | null)[] = cands.map(() => null);
  const seen = new Map<string, number>();

  cands.forEach((cand, idx) => {
    const code = cand.code ?? null;
    const extra = { index: idx, grid: code };
    let community = cand.community_code ?? null;
    let ok = true;
    if (cand.wkb === undefined) {
      const shape = checkPolygonShape(cand.geometry, config.maxVertices, extra);
      if (shape.length) {
        problems.push(...shape);
        ok = false;
        dropped = true;
      }
    }
    const geometry = ok && cand.wkb === undefined ? (cand.geometry as Geometry) : null;
    if (community !== null && !COMMUNITY_CODE.test(community)) {
      problems.push(problem('unknown_community', { community }, geometry, extra));
      community = null;
    }
    if (code !== null) {
      const cp = codeProblems(code, community, geometry, extra);
      problems.push(...cp);
      if (!cp.length) {
        community ??= code.slice(0, 12);
        if (seen.has(code)) problems.push(problem('code_duplicate', { code, inRequest: true }, geometry, extra));
        seen.set(code, idx);
      }
    }
    communities[idx] = community;
    if (ok) {
      const g = cand.geometry as { type: string; coordinates: unknown } | undefined;
      rows.push({
        idx, code, community_code: community, work_grid_code: cand.work_grid_code ?? null,
        wkb: cand.wkb ?? null, geometry: g ? JSON.stringify({ type: g.type, coordinates: g.coordinates }) : null,
      });
    }
  });

  // PostGIS functions are costed high, so the un-analysed temp tables make these small queries look huge and
  // PostgreSQL compiles them with JIT: ~300 ms per query spent compiling instead of microseconds of GEOS work.
  await c.query('SET LOCAL jit = off');

  // Codes already taken by a grid that is not being replaced.
  const codes = [...seen.keys()];
  if (codes.length) {
    const { rows: taken } = await c.query<{ code: string }>(
      `SELECT code FROM grids WHERE code = ANY($1::text[]) AND NOT (code = ANY($2::text[]))`, [codes, replaces],
    );
    for (const t of taken) {
      const idx = seen.get(t.code)!;
      problems.push(problem('code_duplicate', { code: t.code }, null, { index: idx, grid: t.code }));
    }
  }

  await scratchTables(c);
  await c.query(`INSERT INTO grid_gone SELECT code, community_code, geom FROM grids WHERE code = ANY($1::text[])`, [replaces]);
  if (rows.length) {
    try {
      await c.query(
        `INSERT INTO grid_cand (idx, code, community_code, work_grid_code, geom)
         SELECT (e->>'idx')::int, e->>'code', e->>'community_code', e->>'work_grid_code',
                CASE WHEN e->>'wkb' IS NOT NULL THEN ST_SetSRID((e->>'wkb')::geometry, 4326)
                     ELSE ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(e->>'geometry'), 4326)) END
         FROM jsonb_array_elements($1::jsonb) e`,
        [JSON.stringify(rows)],
      );
    } catch (err) {
      // the shape checks should leave nothing PostGIS refuses; if it still does, the request is at fault
      throw new GridError(400, { error: 'bad_geometry', message: `PostGIS could not read the geometry: ${(err as Error).message}` });
    }
    if (rows.length > BULK) await c.query(`ANALYZE grid_cand`); // imports: the self-join needs statistics
  }
  if (!rows.length && !replaces.length) return { problems, communities };

  const collect = async (sql: string, params: unknown[], make: (r: Row) => Problem) => {
    const { rows: found } = await c.query(sql, params);
    for (const r of found) problems.push(make(r));
    return found;
  };
  const extraOf = (r: Row) => ({ index: r.idx, grid: r.code ?? null });

  // 1. Valid geometry (GEOS reason and location). Invalid candidates take no further part.
  const invalid = await collect(
    `SELECT idx, code, (d).reason AS reason, ST_X((d).location) AS x, ST_Y((d).location) AS y, ST_AsGeoJSON((d).location, 15) AS g
     FROM (SELECT idx, code, ST_IsValidDetail(geom) AS d FROM grid_cand) s WHERE NOT (d).valid ORDER BY idx`,
    [],
    (r) => problem('invalid_geometry', { reason: r.reason, at: at(r) }, gj(r.g), extraOf(r)),
  );
  if (invalid.length) {
    await c.query(`DELETE FROM grid_cand WHERE idx = ANY($1::int[])`, [invalid.map((r) => r.idx)]);
    dropped = true;
  }

  // 2. The community: given, from the code, or the one the grid lies in.
  await c.query(
    `UPDATE grid_cand g SET community_code = (
       SELECT d.code FROM districts d WHERE d.level = 'community' AND ST_Intersects(d.geom, ST_PointOnSurface(g.geom)) ORDER BY d.code LIMIT 1)
     WHERE community_code IS NULL`,
  );

  // 3. Far outside every county: swapped axes, projected or GCJ-02 coordinates sent as WGS84 … nothing else is checked.
  const far = await collect(
    `SELECT idx, code, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(p, 15) AS g
     FROM grid_cand g, LATERAL (SELECT ST_PointOnSurface(g.geom) AS p) s
     WHERE NOT EXISTS (SELECT 1 FROM districts k WHERE k.level = 'county'
       AND (ST_Intersects(k.geom, g.geom) OR ST_DWithin(ST_Transform(k.geom, $1::int), ST_Transform(g.geom, $1::int), $2)))
     ORDER BY idx`,
    [srid, config.jurisdictionM],
    (r) => problem('outside_jurisdiction', { m: config.jurisdictionM, at: at(r) }, gj(r.g), extraOf(r)),
  );
  if (far.length) {
    await c.query(`DELETE FROM grid_cand WHERE idx = ANY($1::int[])`, [far.map((r) => r.idx)]);
    dropped = true;
  }

  await collect(
    `SELECT g.idx, g.code, g.community_code, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(p, 15) AS g
     FROM grid_cand g LEFT JOIN districts d ON d.code = g.community_code AND d.level = 'community',
       LATERAL (SELECT ST_PointOnSurface(g.geom) AS p) s
     WHERE d.code IS NULL ORDER BY g.idx`,
    [],
    (r) => r.community_code
      ? problem('unknown_community', { community: r.community_code }, gj(r.g), extraOf(r))
      : problem('no_community', { at: at(r) }, gj(r.g), extraOf(r)),
  );

  await collect(
    `SELECT g.idx, g.code, w FROM grid_cand g CROSS JOIN LATERAL (SELECT g.work_grid_code AS w) s
     WHERE w IS NOT NULL AND NOT EXISTS (SELECT 1 FROM work_grids k WHERE k.code = w) ORDER BY g.idx`,
    [],
    (r) => problem('unknown_work_grid', { workGrid: r.w }, null, extraOf(r)),
  );

  // Bulk changes (imports): communities whose grids, after the change, tile them exactly (chain test) can have no
  // overlap, no part outside and no gap, so the overlay checks below skip them. Single edits take the overlay path.
  const proven = rows.length + replaces.length > BULK ? await provenCommunities(c) : [];

  // 4. Inside its community, up to the tolerance.
  await collect(
    `SELECT idx, code, community_code, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(o, 15) AS g FROM (
       SELECT g.idx, g.code, g.community_code, o FROM grid_cand g JOIN districts d ON d.code = g.community_code AND d.level = 'community',
         LATERAL (SELECT ST_CollectionExtract(ST_Difference(g.geom, d.geom, ${OVERLAY_GRID}), 3) AS o) x
       WHERE NOT ST_CoveredBy(g.geom, d.geom) AND NOT g.community_code = ANY($3::text[])) s,
       LATERAL (SELECT ST_Area(ST_Transform(o, $1::int)) AS area, ST_PointOnSurface(o) AS p) m
     WHERE area > $2 ORDER BY idx`,
    [srid, config.outsideToleranceM2, proven],
    (r) => problem('outside_community', { area: r.area, community: r.community_code, at: at(r) }, gj(r.g), { ...extraOf(r), area_m2: r.area }),
  );

  // 5. Overlaps with other grids (not replaced) and between candidates; the DE-9IM test keeps shared edges out.
  await collect(
    `WITH pairs AS (
       SELECT g.idx, g.code, o.code AS other, g.geom AS a, o.geom AS b FROM grid_cand g
       JOIN grids o ON o.geom && g.geom AND o.code IS DISTINCT FROM g.code
        AND NOT EXISTS (SELECT 1 FROM grid_gone r WHERE r.code = o.code)
        AND NOT (g.community_code = ANY($3::text[]) AND o.community_code = ANY($3::text[]))
        AND ST_Relate(g.geom, o.geom, '2********')
       UNION ALL
       SELECT g.idx, g.code, coalesce(o.code, '#' || o.idx) AS other, g.geom, o.geom FROM grid_cand g
       JOIN grid_cand o ON o.idx > g.idx AND o.geom && g.geom
        AND NOT (g.community_code = ANY($3::text[]) AND o.community_code = ANY($3::text[]))
        AND ST_Relate(g.geom, o.geom, '2********'))
     SELECT idx, code, other, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(x, 15) AS g
     FROM pairs, LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a, b), 3) AS x) i,
       LATERAL (SELECT ST_Area(ST_Transform(x, $1::int)) AS area, ST_PointOnSurface(x) AS p) m
     WHERE area > $2 ORDER BY idx, other`,
    [srid, config.overlapToleranceM2, proven],
    (r) => problem('overlap', { other: r.other, area: r.area, at: at(r) }, gj(r.g), { ...extraOf(r), other: r.other, area_m2: r.area }),
  );

  // 6. Gaps: what a replaced grid covered of its community must still be covered, by the candidates or by the
  //    community's other grids. Local to the replaced grids, so a district of 10k grids costs no more than a village.
  if (replaces.length && !dropped) {
    await collect(
      `WITH holes AS (
         SELECT o.community_code, ST_CollectionExtract(ST_Difference(
             CASE WHEN ST_CoveredBy(o.geom, d.geom) THEN o.geom ELSE ST_Intersection(o.geom, d.geom) END,
             coalesce((SELECT ST_Union(x.geom) FROM (
                 SELECT g.geom FROM grid_cand g WHERE g.geom && o.geom
                 UNION ALL
                 SELECT n.geom FROM grids n WHERE n.geom && o.geom AND n.community_code = o.community_code
                   AND NOT EXISTS (SELECT 1 FROM grid_gone r WHERE r.code = n.code)) x),
               ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326)), ${OVERLAY_GRID}), 3) AS gap
         FROM grid_gone o JOIN districts d ON d.code = o.community_code WHERE NOT o.community_code = ANY($3::text[])),
       pieces AS (
         SELECT community_code, (ST_Dump(ST_Union(gap))).geom AS gap FROM holes WHERE NOT ST_IsEmpty(gap) GROUP BY community_code)
       SELECT community_code, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(gap, 15) AS g
       FROM pieces, LATERAL (SELECT ST_Area(ST_Transform(gap, $1::int)) AS area, ST_PointOnSurface(gap) AS p) m
       WHERE area > $2 ORDER BY community_code, area DESC`,
      [srid, config.gapToleranceM2, proven],
      (r) => problem('gap', { area: r.area, community: r.community_code, at: at(r) }, gj(r.g), { grid: null, area_m2: r.area }),
    );
  }

  // 7. Slivers: each part of a candidate, by area and Polsby–Popper compactness 4πA/P².
  await collect(
    `SELECT idx, code, area, compactness, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(part, 15) AS g FROM (
       SELECT g.idx, g.code, d.geom AS part, ST_Transform(d.geom, $1::int) AS m FROM grid_cand g, ST_Dump(g.geom) d) s,
       LATERAL (SELECT ST_Area(m) AS area, CASE WHEN ST_Perimeter(m) > 0 THEN 4 * pi() * ST_Area(m) / ST_Perimeter(m) ^ 2 ELSE 0 END AS compactness,
                       ST_PointOnSurface(part) AS p) k
     WHERE area < $2 OR compactness < $3 ORDER BY idx`,
    [srid, config.minAreaM2, config.minCompactness],
    (r) => problem('sliver', { area: r.area, compactness: r.compactness, minArea: config.minAreaM2, minCompactness: config.minCompactness, at: at(r) },
      gj(r.g), { ...extraOf(r), area_m2: r.area }),
  );

  const { rows: resolved } = await c.query<{ idx: number; community_code: string | null }>(`SELECT idx, community_code FROM grid_cand`);
  for (const r of resolved) communities[r.idx] = r.community_code;
  problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
  return { problems, communities };
}

/**
 * Scratch tables of the checks, created once per database session and emptied at every commit (creating temp
 * tables per request costs more catalog work than the checks themselves).
 */
export async function ensureScratchTables(c: pg.PoolClient) {
  // a DO block, not CREATE … IF NOT EXISTS: that one takes a transaction id (and a WAL flush) even when the table exists
  await c.query(`DO $$ BEGIN
    IF to_regclass('pg_temp.grid_cand') IS NULL THEN
      CREATE TEMP TABLE grid_cand (idx int PRIMARY KEY, code text, community_code text, work_grid_code text, geom geometry NOT NULL)
        ON COMMIT DELETE ROWS;
      CREATE INDEX grid_cand_geom_idx ON grid_cand USING gist (geom);
    END IF;
    IF to_regclass('pg_temp.grid_gone') IS NULL THEN
      CREATE TEMP TABLE grid_gone (code text PRIMARY KEY, community_code text, geom geometry) ON COMMIT DELETE ROWS;
    END IF;
  END $$`);
}

async function scratchTables(c: pg.PoolClient) {
  await ensureScratchTables(c);
  await c.query(`DELETE FROM grid_cand; DELETE FROM grid_gone;`);
}

/**
 * Runs checks that write nothing: the scratch tables are made outside the transaction (once per session) and the
 * transaction is rolled back. A commit would flush WAL for the scratch rows — most of a check's time on a busy disk.
 */
export async function checkOnly<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await ensureScratchTables(c);
    await c.query('BEGIN');
    try {
      return await fn(c);
    } finally {
      await c.query('ROLLBACK');
    }
  } finally {
    c.release();
  }
}

/** Above this many candidates + replaced grids a change is checked as a bulk change (chain test first). */
const BULK = 20;

/**
 * Communities touched by the change (candidates and replaced grids) whose grids after the change tile them
 * exactly, and that overlap no other community (else grids of two communities could overlap unseen).
 */
async function provenCommunities(c: pg.PoolClient): Promise<string[]> {
  const { rows: comms } = await c.query<{ code: string; wkb: Buffer; clash: boolean }>(
    `SELECT d.code, ST_AsBinary(d.geom) AS wkb, EXISTS (SELECT 1 FROM districts o WHERE o.level = 'community' AND o.code <> d.code
              AND o.geom && d.geom AND ST_Relate(o.geom, d.geom, '2********')) AS clash
     FROM districts d WHERE d.level = 'community'
       AND d.code IN (SELECT community_code FROM grid_cand UNION SELECT community_code FROM grid_gone)`,
  );
  if (!comms.length) return [];
  const { rows: after } = await c.query<{ c: string; wkb: Buffer }>(
    `SELECT community_code AS c, ST_AsBinary(geom) AS wkb FROM grid_cand WHERE community_code = ANY($1::text[])
     UNION ALL
     SELECT g.community_code, ST_AsBinary(g.geom) FROM grids g
     WHERE g.community_code = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM grid_gone r WHERE r.code = g.code)
       AND NOT EXISTS (SELECT 1 FROM grid_cand k WHERE k.code = g.code)`,
    [comms.map((m) => m.code)],
  );
  const by = new Map<string, PolygonRings[][]>();
  for (const r of after) {
    const list = by.get(r.c) ?? [];
    list.push(wkbPolygons(r.wkb));
    by.set(r.c, list);
  }
  return comms.filter((m) => !m.clash && tilesExactly(wkbPolygons(m.wkb), by.get(m.code) ?? [])).map((m) => m.code);
}
