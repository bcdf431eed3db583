/**
 * Grid writes: create, update, delete, split, merge, revert, renumber. Each runs in one transaction under the grid
 * write lock: versions first (409), then the same checks as `POST /api/grids/validate` (422 with the problems),
 * then the change and its revisions. Any failure rolls everything back.
 */
import type pg from 'pg';
import type { Geometry } from 'geojson';
import { lineProblem } from '../domain/grid-geometry.ts';
import { nextCodes, readingOrder, renumberMap, serialWidth, type Placed } from '../domain/grid-codes.ts';
import { problem, type Problem } from '../domain/grid-problems.ts';
import type { GridConfig } from './config.ts';
import { validateGrids, type Candidate } from './validate.ts';
import {
  badRequest, beginChange, communityCodes, everUsedCodes, features, GridError, gridWrite, invalid, lockVersions, NEXT_VERSION_SQL,
  recordCodeMap, recordRevisions,
} from './store.ts';

export interface WriteContext {
  pool: pg.Pool;
  actor: string;
  srid: number;
  config: GridConfig;
}

const check = async (ctx: WriteContext, c: pg.PoolClient, cands: Candidate[], replaces: string[]) => {
  const v = await validateGrids(c, cands, replaces, { srid: ctx.srid, config: ctx.config });
  if (v.problems.length) throw invalid(v.problems);
  return v;
};

async function newCodes(ctx: WriteContext, c: pg.PoolClient, community: string, n: number): Promise<string[]> {
  const width = serialWidth(await communityCodes(c, community), ctx.config.serialDigits);
  try {
    return nextCodes(community, await everUsedCodes(c, community), n, width);
  } catch (err) {
    throw new GridError(409, { error: 'no_free_code', message: (err as Error).message });
  }
}

/** Inserts candidates from `grid_cand` under the given codes. */
async function insertFromCandidates(c: pg.PoolClient, codes: Map<number, string>) {
  await c.query(
    `INSERT INTO grids (code, district_code, street_code, community_code, work_grid_code, version, geom)
     SELECT k.code, left(k.code, 6), left(k.code, 9), left(k.code, 12), g.work_grid_code, ${NEXT_VERSION_SQL('k.code')}, ST_Multi(g.geom)
     FROM grid_cand g JOIN unnest($1::int[], $2::text[]) AS k(idx, code) ON k.idx = g.idx`,
    [[...codes.keys()], [...codes.values()]],
  );
}

export interface CreateInput { code?: string; community_code?: string; work_grid_code?: string | null; geometry: unknown }

export async function createGrid(ctx: WriteContext, input: CreateInput) {
  return gridWrite(ctx.pool, async (c) => {
    const v = await check(ctx, c, [{ code: input.code ?? null, community_code: input.community_code ?? null, work_grid_code: input.work_grid_code ?? null, geometry: input.geometry }], []);
    const community = v.communities[0];
    if (!community) throw badRequest('give code or community_code: the grid lies in no community');
    const code = input.code ?? (await newCodes(ctx, c, community, 1))[0];
    const change = await beginChange(c, [code]);
    await insertFromCandidates(c, new Map([[0, code]]));
    const rev = await recordRevisions(c, change, 'create', ctx.actor, [{ code }]);
    return { grid: (await features(c, [code]))[0], revision: rev.get(code), change };
  });
}

export async function updateGrid(ctx: WriteContext, code: string, input: { geometry: unknown; version: number }) {
  return gridWrite(ctx.pool, async (c) => {
    const found = await lockVersions(c, [{ code, version: input.version }]);
    await check(ctx, c, [{ code, community_code: found.get(code)!.community_code, geometry: input.geometry }], [code]);
    const change = await beginChange(c, [code]);
    await c.query(
      `UPDATE grids g SET geom = ST_Multi(k.geom), version = g.version + 1, updated_at = now() FROM grid_cand k WHERE g.code = $1 AND k.idx = 0`,
      [code],
    );
    const rev = await recordRevisions(c, change, 'update', ctx.actor, [{ code }]);
    return { grid: (await features(c, [code]))[0], revision: rev.get(code), change };
  });
}

/** Deleting a grid uncovers its area on purpose: the gap comes back as a warning, not a refusal. */
export async function deleteGrid(ctx: WriteContext, code: string, version: number) {
  return gridWrite(ctx.pool, async (c) => {
    await lockVersions(c, [{ code, version }]);
    const v = await validateGrids(c, [], [code], { srid: ctx.srid, config: ctx.config });
    const change = await beginChange(c, [code]);
    await c.query(`DELETE FROM grids WHERE code = $1`, [code]);
    const rev = await recordRevisions(c, change, 'delete', ctx.actor, [{ code }]);
    return { deleted: code, revision: rev.get(code), change, warnings: v.problems };
  });
}

/** Split by a line: the pieces get new codes (reading order), the original code is retired. */
export async function splitGrid(ctx: WriteContext, input: { code: string; line: unknown; version: number }) {
  const lp = lineProblem(input.line);
  if (lp) throw badRequest(lp);
  return gridWrite(ctx.pool, async (c) => {
    const found = await lockVersions(c, [{ code: input.code, version: input.version }]);
    const community = found.get(input.code)!.community_code;
    const { rows } = await c.query<{ wkb: string; x: number; y: number; height: number }>(
      `SELECT p.geom::text AS wkb, ST_X(q) AS x, ST_Y(q) AS y, ST_YMax(m) - ST_YMin(m) AS height
       FROM grids g, LATERAL ST_Dump(ST_CollectionExtract(ST_Split(g.geom, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)), 3)) p,
         LATERAL (SELECT ST_Transform(p.geom, $3::int) AS m) t, LATERAL (SELECT ST_PointOnSurface(m) AS q) s
       WHERE g.code = $1`,
      [input.code, JSON.stringify(input.line), ctx.srid],
    );
    if (rows.length < 2) {
      throw invalid([problem('split_line', { code: input.code }, input.line as Geometry, { grid: input.code })]);
    }
    const ordered = readingOrder(rows.map((r, i) => ({ code: String(i), x: r.x, y: r.y, height: r.height })));
    const codes = await newCodes(ctx, c, community, rows.length);
    const pieces = ordered.map((o, i) => ({ code: codes[i], wkb: rows[Number(o.code)].wkb }));
    const { rows: wg } = await c.query<{ w: string | null }>(`SELECT work_grid_code AS w FROM grids WHERE code = $1`, [input.code]);
    await check(ctx, c, pieces.map((p) => ({ code: p.code, community_code: community, wkb: p.wkb, work_grid_code: wg[0].w })), [input.code]);
    const change = await beginChange(c, [input.code, ...codes]);
    await c.query(`DELETE FROM grids WHERE code = $1`, [input.code]);
    await insertFromCandidates(c, new Map(pieces.map((p, i) => [i, p.code])));
    const revs = await recordRevisions(c, change, 'split', ctx.actor, [
      { code: input.code, note: { pieces: codes } },
      ...codes.map((code) => ({ code, note: { from: input.code } })),
    ]);
    await recordCodeMap(c, change, 'split', ctx.actor, codes.map((n) => ({ old: input.code, new: n })));
    return { from: input.code, pieces: await features(c, codes), revisions: [...revs.values()], change };
  });
}

/** Merge neighbours of one community into one grid, which keeps the lowest of their codes. */
export async function mergeGrids(ctx: WriteContext, input: { codes: string[]; versions: number[] }) {
  const { codes, versions } = input;
  if (codes.length < 2) throw badRequest('codes must list at least 2 grids to merge');
  if (new Set(codes).size !== codes.length) throw badRequest('codes lists a grid more than once');
  if (versions.length !== codes.length) throw badRequest(`versions must give one version per code (${codes.length}), got ${versions.length}`);
  return gridWrite(ctx.pool, async (c) => {
    const found = await lockVersions(c, codes.map((code, i) => ({ code, version: versions[i] })));
    const communities = [...new Set([...found.values()].map((f) => f.community_code))];
    if (communities.length > 1) throw invalid([problem('merge_communities', { codes: codes.join(', '), communities: communities.join(', ') }, null)]);
    const { rows } = await c.query<{ wkb: string; parts: number; g: string }>(
      `SELECT ST_Multi(u)::text AS wkb, ST_NumGeometries(ST_Multi(u)) AS parts, ST_AsGeoJSON(u, 15) AS g
       FROM (SELECT ST_Union(geom) AS u FROM grids WHERE code = ANY($1::text[])) s`,
      [codes],
    );
    if (rows[0].parts !== 1) throw invalid([problem('not_adjacent', { codes: codes.join(', ') }, JSON.parse(rows[0].g))]);
    const survivor = [...codes].sort()[0];
    await check(ctx, c, [{ code: survivor, community_code: communities[0], wkb: rows[0].wkb }], codes);
    const change = await beginChange(c, codes);
    await c.query(`DELETE FROM grids WHERE code = ANY($1::text[]) AND code <> $2`, [codes, survivor]);
    await c.query(
      `UPDATE grids g SET geom = ST_Multi(k.geom), version = g.version + 1, updated_at = now() FROM grid_cand k WHERE g.code = $1 AND k.idx = 0`,
      [survivor],
    );
    const others = codes.filter((x) => x !== survivor);
    const revs = await recordRevisions(c, change, 'merge', ctx.actor, codes.map((code) => ({ code, note: code === survivor ? { merged: others } : { into: survivor } })));
    await recordCodeMap(c, change, 'merge', ctx.actor, others.map((o) => ({ old: o, new: survivor })));
    return { grid: (await features(c, [survivor]))[0], merged: others, revisions: [...revs.values()], change };
  });
}

/** Restores the grid to its state right after `revision`; recreates it if it is gone. */
export async function revertGrid(ctx: WriteContext, code: string, input: { revision: number; version?: number }) {
  return gridWrite(ctx.pool, async (c) => {
    const { rows } = await c.query<{ grid_code: string; op: string; wkb: string | null; work_grid_code: string | null }>(
      `SELECT grid_code, op, geom_after::text AS wkb, props_after->>'work_grid_code' AS work_grid_code FROM grid_revisions WHERE id = $1`,
      [input.revision],
    );
    const rev = rows[0];
    if (!rev) throw new GridError(404, { error: 'unknown_revision', message: `no revision ${input.revision}` });
    if (rev.grid_code !== code) throw badRequest(`revision ${input.revision} belongs to grid ${rev.grid_code}, not ${code}`);
    if (!rev.wkb) {
      throw new GridError(409, { error: 'revision_without_grid', message: `revision ${input.revision} (${rev.op}) left no grid ${code}; revert to an earlier revision` });
    }
    const { rows: cur } = await c.query<{ version: number }>(`SELECT version FROM grids WHERE code = $1 FOR UPDATE`, [code]);
    const exists = cur.length > 0;
    if (exists && input.version !== undefined) await lockVersions(c, [{ code, version: input.version }]);
    await check(ctx, c, [{ code, community_code: code.slice(0, 12), wkb: rev.wkb, work_grid_code: rev.work_grid_code }], exists ? [code] : []);
    const change = await beginChange(c, [code]);
    if (exists) {
      await c.query(
        `UPDATE grids g SET geom = ST_Multi(k.geom), work_grid_code = k.work_grid_code, version = g.version + 1, updated_at = now()
         FROM grid_cand k WHERE g.code = $1 AND k.idx = 0`,
        [code],
      );
    } else {
      await insertFromCandidates(c, new Map([[0, code]]));
    }
    const revs = await recordRevisions(c, change, 'revert', ctx.actor, [{ code, note: { revision: input.revision } }]);
    return { grid: (await features(c, [code]))[0], revision: revs.get(code), change };
  });
}

/**
 * Renumbers a community's grids in reading order (DB11: west→east, north→south). Codes change, geometries do not;
 * the old→new map is stored (grid_code_map) and returned. Cases keep the codes they were registered with.
 */
export async function renumberCommunity(ctx: WriteContext, community: string) {
  return gridWrite(ctx.pool, async (c) => {
    const { rows: known } = await c.query(`SELECT 1 FROM districts WHERE code = $1 AND level = 'community'`, [community]);
    if (!known.length) throw new GridError(404, { error: 'unknown_community', message: `no community with code ${community}` });
    const { rows } = await c.query<Placed>(
      `SELECT code, ST_X(p) AS x, ST_Y(p) AS y, ST_YMax(m) - ST_YMin(m) AS height
       FROM grids g, LATERAL (SELECT ST_Transform(g.geom, $2::int) AS m) t, LATERAL (SELECT ST_PointOnSurface(m) AS p) s
       WHERE community_code = $1 FOR UPDATE OF g`,
      [community, ctx.srid],
    );
    const width = rows.length > 99 ? 3 : serialWidth(rows.map((r) => r.code), ctx.config.serialDigits);
    const map = renumberMap(community, rows, width);
    const changed = map.filter((m) => m.old !== m.new);
    if (!changed.length) return { community, change: null, changed: 0, map };
    const change = await beginChange(c, changed.map((m) => m.old));
    await c.query(`DELETE FROM grids WHERE code = ANY($1::text[])`, [changed.map((m) => m.old)]);
    // delete + insert rather than UPDATE: swapping codes in place would trip the primary key mid-statement
    await c.query(
      `INSERT INTO grids (code, district_code, street_code, community_code, work_grid_code, version, updated_at, geom)
       SELECT m.n, b.district_code, b.street_code, b.community_code, b.work_grid_code, b.version + 1, now(), b.geom
       FROM grid_before b JOIN unnest($1::text[], $2::text[]) AS m(o, n) ON m.o = b.code`,
      [changed.map((m) => m.old), changed.map((m) => m.new)],
    );
    await recordRevisions(c, change, 'renumber', ctx.actor, changed.map((m) => ({ code: m.new, beforeCode: m.old, note: { from: m.old } })));
    await recordCodeMap(c, change, 'renumber', ctx.actor, changed);
    return { community, change, changed: changed.length, map };
  });
}

export type { Problem };
