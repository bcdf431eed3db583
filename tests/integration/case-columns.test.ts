/**
 * The analyses' in-process copy of the cases (api/analysis/case-columns), on the embedded database and the real
 * server: the hotspot counts equal a direct SQL count (the SQL cell formula, ST_Intersects) after each kind of
 * change between two requests — insert, move, re-categorise, void, delete — refreshed by deltas except after a
 * removal; a transaction that began before a refresh and commits after it is counted by the next request; and the
 * cell index of cells.ts equals cellIndexSql on points where rounding decides.
 */
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStoredXy } from '../../api/analysis/case-xy.ts';
import { CaseColumnsSource } from '../../api/analysis/case-columns/source.ts';
import { cellIndexSql, cellOf, hexLateralSql, SQRT3 } from '../../api/analysis/hotspots/cells.ts';
import { serverUrl, type TestDatabase } from '../helpers/db.ts';
import { miniCityApp } from '../helpers/mini-city.ts';

const SRID = 32649;
const SIZE = 200;
const AUTH = { authorization: 'Bearer demo-manager' };
const DATABASES: [string, boolean][] = [['embedded PGlite', true], ...(serverUrl ? [['PostgreSQL server', false] as [string, boolean]] : [])];

/** 400 events on a grid over the county (some outside it: the grid is wider), minors 0501/0502 */
const CASES_SQL = `
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'g' || i || '-' || j, '450203', 'patrol', 'event', '05', (ARRAY['0501', '0502'])[1 + (i + j) % 2], 'registered', 'd1',
       timestamptz '2025-03-01 10:00+08' + ((i * j) % 60) * interval '1 day',
       ST_SetSRID(ST_MakePoint(109.445 + i * 0.0031 + (j % 7) * 0.00011, 24.245 + j * 0.0027 + (i % 5) * 0.00013), 4326)
FROM generate_series(0, 19) i, generate_series(0, 19) j`;

const NEW_CASE = (id: string, lon: number, lat: number) => `INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
  VALUES ('${id}', '450203', 'web', 'event', '05', '0501', 'registered', 'd1', timestamptz '2025-03-10 10:00+08', ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326))`;

describe.each(DATABASES)('the columnar copy of the cases on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const q = async <T = any>(sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows as T[];

  /** non-zero counts per cell "col,row" of the endpoint */
  const analysed = async (filter = '') => {
    const res = await app.inject({ url: `/api/analysis/hotspots?cellSize=${SIZE}&band=${3 * SIZE}${filter}`, headers: AUTH });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const out: Record<string, number> = {};
    for (const f of res.json().cells.features) if (f.properties.count) out[`${f.properties.col},${f.properties.row}`] = f.properties.count;
    return out;
  };
  /** the same by SQL: in the county (ST_Intersects), not voided, cell by cellIndexSql */
  const expected = async (where = 'true') => {
    const idx = cellIndexSql('square', 'p.x', 'p.y', `${SIZE}::float8`);
    const rows = await q<{ a: number; b: number; n: number }>(`SELECT ${idx.a} AS a, ${idx.b} AS b, count(*)::int AS n
      FROM (SELECT ST_X(m) AS x, ST_Y(m) AS y FROM cases c CROSS JOIN LATERAL ST_Transform(c.geom, ${SRID}) m, districts d
            WHERE d.level = 'county' AND c.status <> 'voided' AND ST_Intersects(ST_Transform(d.geom, ${SRID}), m) AND (${where})) p
      GROUP BY 1, 2`);
    return Object.fromEntries(rows.map((r) => [`${r.a},${r.b}`, r.n]));
  };
  const same = async (filter = '', where = 'true') => {
    const [got, want] = [await analysed(filter), await expected(where)];
    expect(Object.keys(want).length).toBeGreaterThan(10);
    expect(got).toEqual(want);
  };

  beforeAll(async () => {
    ({ t, app } = await miniCityApp({ embedded, casesSql: CASES_SQL, analysisSrid: SRID }));
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('follows inserts, moves, re-categorisations, voids and deletes between two requests', async () => {
    await same();
    await q(NEW_CASE('n1', 109.47, 24.27));
    await same();
    await q(`UPDATE cases SET geom = ST_SetSRID(ST_MakePoint(109.49, 24.29), 4326) WHERE id = 'n1'`);
    await same();
    await same('&minor=0502', `c.minor = '0502'`);
    await q(`UPDATE cases SET minor = '0502' WHERE id IN ('n1', 'g3-4', 'g5-6')`);
    await same('&minor=0502', `c.minor = '0502'`);
    await q(`UPDATE cases SET status = 'voided' WHERE id IN ('g7-7', 'g8-9')`);
    await same();
    await q(`DELETE FROM cases WHERE id IN ('g9-9', 'g10-10', 'n1')`);
    await same();
    await q(`UPDATE cases SET status = 'registered' WHERE id = 'g7-7'`);
    await same();
  });

  it('refreshes by deltas, and loads again after a removal', async () => {
    const source = new CaseColumnsSource(t.db.pool);
    const version = async () => (await q<{ v: string }>('SELECT coalesce(sum(changes), 0)::text AS v FROM case_change_counts'))[0].v;
    await ensureStoredXy(t.db.pool, SRID);
    const n0 = (await q<{ n: number }>('SELECT count(*)::int AS n FROM cases'))[0].n;
    const cols = await source.columns(SRID, true, await version(), SRID);
    expect(source.last).toMatchObject({ kind: 'full', rows: n0 });
    await q(NEW_CASE('d1', 109.46, 24.26));
    expect(await source.columns(SRID, true, await version(), SRID)).toBe(cols);
    // at least the new row; more when a transaction elsewhere on the server (another test file) held the previous
    // refresh's snapshot xmin back: rows written since are read again, harmlessly
    expect(source.last).toMatchObject({ kind: 'delta' });
    expect(source.last!.rows).toBeGreaterThanOrEqual(1);
    expect(cols.size).toBe(n0 + 1);
    const row = cols.ids.get('d1');
    const [p] = await q<{ x: number; y: number }>(`SELECT ax AS x, ay AS y FROM cases WHERE id = 'd1'`);
    expect([cols.x[row], cols.y[row]]).toEqual([p.x, p.y]);
    // the same version again: no refresh
    source.last = null;
    await source.columns(SRID, true, await version(), SRID);
    expect(source.last).toBe(null);
    await q(`DELETE FROM cases WHERE id = 'd1'`);
    const again = await source.columns(SRID, true, await version(), SRID);
    expect(source.last).toMatchObject({ kind: 'full', rows: n0 });
    expect(again.ids.get('d1')).toBe(-1);
  });

  it.skipIf(embedded)('counts a transaction that began before a refresh and committed after it', async () => {
    // two writers in progress at the refresh: its snapshot lists both (xmin:xmax:xid,xid)
    const [other, third] = [new pg.Client({ connectionString: t.config.databaseUrl }), new pg.Client({ connectionString: t.config.databaseUrl })];
    await other.connect();
    await third.connect();
    try {
      await other.query('BEGIN');
      await other.query(NEW_CASE('late', 109.47, 24.27)); // its xid is taken now
      await third.query('BEGIN');
      await third.query(NEW_CASE('later', 109.471, 24.271));
      await q(NEW_CASE('early', 109.48, 24.28)); // committed: the next request refreshes while 'late' is in progress
      await same(); // 'late' not yet visible
      await third.query('COMMIT');
      await other.query('COMMIT');
      await same();
      expect(Object.values(await analysed()).reduce((s, n) => s + n, 0)).toBe(Object.values(await expected()).reduce((s, n) => s + n, 0));
      expect((await q(`SELECT count(*)::int AS n FROM cases WHERE id IN ('late', 'later', 'early')`))[0].n).toBe(3);
    } finally {
      await other.end();
      await third.end();
    }
  });

  it('computes the cell index as cellIndexSql does, where rounding decides', async () => {
    const all: [number, number][] = [];
    const pts = all;
    for (const s of [1, 0.1, 3, 120, 250, 333.3]) {
      for (const k of [-1e6 - 1, -3, -1, 0, 1, 2, 7, 41, 1e5 + 7]) {
        const v = k * s;
        for (const w of [v, v + 1e-9, v - 1e-9, v * (1 + Number.EPSILON), v * (1 - Number.EPSILON), (k + 0.5) * s]) pts.push([w, -w + s / 3]);
        // hexagon vertices and edge midpoints, where two or three centres are equally near
        const cx = s * (k + 0.5 * (k % 2)), cy = s * (SQRT3 / 2) * k;
        for (const [dx, dy] of [[0.5, 0.5 / SQRT3], [0, 1 / SQRT3], [0.5, 0], [0.25, SQRT3 / 4], [-0.5, 0]]) pts.push([cx + dx * s, cy + dy * s]);
      }
    }
    for (const kind of ['square', 'hex'] as const) {
      for (const s of [1, 0.1, 120, 333.3]) {
        const pts = all.filter(([x, y]) => Math.max(Math.abs(x), Math.abs(y)) / s < 1e9); // int cell indices
        const idx = cellIndexSql(kind, 'p.x', 'p.y', '$3::float8');
        const rows = await q<{ a: number; b: number }>(
          `SELECT ${idx.a} AS a, ${idx.b} AS b FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i)
           ${kind === 'hex' ? hexLateralSql('p.x', 'p.y', '$3::float8') : ''} ORDER BY p.i`,
          [pts.map((p) => p[0]), pts.map((p) => p[1]), s],
        );
        const diff = pts.map((p, i) => ({ p, sql: [rows[i].a, rows[i].b], ts: cellOf(kind, p[0], p[1], s) })).filter((d) => d.sql[0] !== d.ts[0] || d.sql[1] !== d.ts[1]);
        expect({ kind, s, diff: diff.slice(0, 5) }).toEqual({ kind, s, diff: [] });
      }
    }
  });
});
