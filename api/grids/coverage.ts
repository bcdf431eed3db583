/**
 * Full coverage check of a district or community: gaps, overlaps and grids sticking out of their community.
 * Works on PostGIS 3.3 (no ST_CoverageInvalidEdges / ST_CoverageClean):
 *   1. the exact chain test (api/domain/coverage-chain.ts) on the grids' oriented edges, in TypeScript: a community
 *      whose grids tile it exactly is proven clean without any polygon overlay;
 *   2. only the other communities (and those overlapping another community) take the overlay path: indexed
 *      self-join + DE-9IM interior test for overlaps, difference for parts outside, union/difference for gaps.
 * A tiled district costs one pass over its edges instead of an ST_Union of every grid.
 */
import type pg from 'pg';
import type { Geometry } from 'geojson';
import { tilesExactly } from '../domain/coverage-chain.ts';
import { problem, type Problem } from '../domain/grid-problems.ts';
import { wkbPolygons, type PolygonRings } from '../domain/wkb.ts';
import { transaction } from '../db/connect.ts';
import type { GridConfig } from './config.ts';
import { OVERLAY_GRID } from './overlay.ts';

export interface CommunityCoverage {
  code: string;
  grids: number;
  /** 'chain' when the chain test proved an exact tiling; 'overlay' when problems were searched geometrically */
  method: 'chain' | 'overlay';
}

export interface CoverageReport {
  scope: string;
  communities: CommunityCoverage[];
  problems: Problem[];
}

const at = (r: Record<string, any>): [number, number] | null => (r.x == null ? null : [Number(r.x), Number(r.y)]);
const gj = (t: string): Geometry => JSON.parse(t) as Geometry;

/** `scope`: a county (6 digits), street (9) or community (12) code. */
export async function coverageCheck(db: pg.Pool, scope: string, opts: { srid: number; config: GridConfig }): Promise<CoverageReport> {
  return transaction(db, async (c) => {
    await c.query('SET LOCAL jit = off'); // GEOS does the work; JIT compiling the costly-looking plans only adds time
    return check(c, scope, opts);
  });
}

async function check(c: pg.PoolClient, scope: string, opts: { srid: number; config: GridConfig }): Promise<CoverageReport> {
  const { srid, config } = opts;
  const len = scope.length;

  // 1. chain test on the grids' edges (in TypeScript: hashing 40k edges beats any overlay in SQL)
  const { rows: comms } = await c.query<{ code: string; wkb: Buffer }>(
    `SELECT code, ST_AsBinary(geom) AS wkb FROM districts WHERE level = 'community' AND left(code, $2) = $1 ORDER BY code`,
    [scope, len],
  );
  const { rows: grids } = await c.query<{ c: string; wkb: Buffer }>(
    `SELECT community_code AS c, ST_AsBinary(geom) AS wkb FROM grids WHERE left(community_code, $2) = $1`,
    [scope, len],
  );
  const byCommunity = new Map<string, PolygonRings[][]>();
  for (const g of grids) {
    const list = byCommunity.get(g.c) ?? [];
    list.push(wkbPolygons(g.wkb));
    byCommunity.set(g.c, list);
  }
  // communities overlapping each other would let grids of two communities overlap unseen by the chain test
  const { rows: clashing } = await c.query<{ code: string }>(
    `SELECT DISTINCT unnest(ARRAY[a.code, b.code]) AS code FROM districts a JOIN districts b
       ON a.code < b.code AND a.geom && b.geom AND a.level = 'community' AND b.level = 'community' AND ST_Relate(a.geom, b.geom, '2********')
     WHERE left(a.code, $2) = $1 OR left(b.code, $2) = $1`,
    [scope, len],
  );
  const clash = new Set(clashing.map((r) => r.code));
  const communities: CommunityCoverage[] = comms.map((m) => {
    const own = byCommunity.get(m.code) ?? [];
    const exact = !clash.has(m.code) && tilesExactly(wkbPolygons(m.wkb), own);
    return { code: m.code, grids: own.length, method: exact ? 'chain' : 'overlay' };
  });
  // grids filed under a community that is not in the districts table cannot be checked by either path
  const known = new Set(comms.map((m) => m.code));
  const orphans = [...byCommunity.keys()].filter((k) => !known.has(k));

  const suspects = communities.filter((m) => m.method === 'overlay').map((m) => m.code);
  const problems: Problem[] = [];
  if (suspects.length) problems.push(...(await overlay(c, suspects, srid, config)));
  for (const o of orphans) problems.push(problem('unknown_community', { community: o }, null));
  return { scope, communities, problems };
}

/** Locates overlaps, parts outside and gaps in the given communities, with the overlay functions of PostGIS 3.3. */
async function overlay(c: pg.PoolClient, communities: string[], srid: number, config: GridConfig): Promise<Problem[]> {
  const problems: Problem[] = [];
  const { rows: overlaps } = await c.query(
    `SELECT a.code, b.code AS other, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(x, 15) AS g
     FROM grids a JOIN grids b ON b.geom && a.geom AND a.code <> b.code
       -- driven by the suspect communities' grids; a pair of two suspects is reported once
       AND (a.code < b.code OR NOT b.community_code = ANY($1::text[])) AND ST_Relate(a.geom, b.geom, '2********'),
       LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS x) i,
       LATERAL (SELECT ST_Area(ST_Transform(x, $2::int)) AS area, ST_PointOnSurface(x) AS p) m
     WHERE a.community_code = ANY($1::text[]) AND area > $3
     ORDER BY a.code, b.code`,
    [communities, srid, config.overlapToleranceM2],
  );
  for (const r of overlaps) {
    problems.push(problem('overlap', { other: r.other, area: r.area, at: at(r) }, gj(r.g), { grid: r.code, other: r.other, area_m2: r.area }));
  }

  const { rows: outside } = await c.query(
    `SELECT g.code, g.community_code, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(o, 15) AS g
     FROM grids g JOIN districts d ON d.code = g.community_code,
       LATERAL (SELECT ST_CollectionExtract(ST_Difference(g.geom, d.geom, ${OVERLAY_GRID}), 3) AS o) x,
       LATERAL (SELECT ST_Area(ST_Transform(o, $2::int)) AS area, ST_PointOnSurface(o) AS p) m
     WHERE g.community_code = ANY($1::text[]) AND NOT ST_CoveredBy(g.geom, d.geom) AND area > $3
     ORDER BY g.code`,
    [communities, srid, config.outsideToleranceM2],
  );
  for (const r of outside) {
    problems.push(problem('outside_community', { area: r.area, community: r.community_code, at: at(r) }, gj(r.g), { grid: r.code, area_m2: r.area }));
  }

  const { rows: gaps } = await c.query(
    `SELECT community_code, area, ST_X(p) AS x, ST_Y(p) AS y, ST_AsGeoJSON(gap, 15) AS g FROM (
       SELECT d.code AS community_code, (ST_Dump(ST_CollectionExtract(ST_Difference(d.geom,
                coalesce((SELECT ST_Union(g.geom) FROM grids g WHERE g.community_code = d.code), ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326)), ${OVERLAY_GRID}), 3))).geom AS gap
       FROM districts d WHERE d.code = ANY($1::text[])) s,
       LATERAL (SELECT ST_Area(ST_Transform(gap, $2::int)) AS area, ST_PointOnSurface(gap) AS p) m
     WHERE area > $3 ORDER BY community_code, area DESC`,
    [communities, srid, config.gapToleranceM2],
  );
  for (const r of gaps) {
    problems.push(problem('gap', { area: r.area, community: r.community_code, at: at(r) }, gj(r.g), { grid: null, area_m2: r.area }));
  }
  return problems;
}
