import type pg from 'pg';
import { transaction } from '../db/connect.ts';
import { LAYERS } from './catalog.ts';
import { prepareFeatures, type CrsName, type ImportableLayer, type Rejection } from '../domain/layer-import.ts';

export interface ImportReport {
  layer: ImportableLayer;
  total: number;
  /** rows inserted or updated; 0 when anything was rejected (all-or-nothing) */
  written: number;
  rejected: Rejection[];
}

/** Tolerance for "inside the jurisdiction": features may sit this far (metres) outside the county boundary. */
const JURISDICTION_TOLERANCE_M = 100;

/** Reference checks per layer: SQL selecting `idx, reason` of staging rows that point at something unknown. */
const REFERENCES: Partial<Record<ImportableLayer, string[]>> = {
  districts: [`SELECT idx, 'parent_code ' || (data->>'parent_code') || ' is neither in the file nor in the database' AS reason FROM staging s
    WHERE data->>'parent_code' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = s.data->>'parent_code')
      AND NOT EXISTS (SELECT 1 FROM staging p WHERE p.data->>'code' = s.data->>'parent_code')`],
  grids: [
    `SELECT idx, 'community_code ' || (data->>'community_code') || ' is not a known community' AS reason FROM staging s
      WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = s.data->>'community_code' AND d.level = 'community')`,
    `SELECT idx, 'work_grid_code ' || (data->>'work_grid_code') || ' is not a known work grid' AS reason FROM staging s
      WHERE data->>'work_grid_code' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM work_grids w WHERE w.code = s.data->>'work_grid_code')`,
  ],
  'work-grids': [`SELECT idx, 'community_code ' || (data->>'community_code') || ' is not a known community' AS reason FROM staging s
    WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = s.data->>'community_code' AND d.level = 'community')`],
  components: [
    `SELECT idx, 'owner_dept ' || (data->>'owner_dept') || ' is not a known department' AS reason FROM staging s
      WHERE data->>'owner_dept' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = s.data->>'owner_dept')`,
    `SELECT idx, 'maintainer_dept ' || (data->>'maintainer_dept') || ' is not a known department' AS reason FROM staging s
      WHERE data->>'maintainer_dept' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = s.data->>'maintainer_dept')`,
  ],
};

/**
 * Imports one GeoJSON document into a layer, all-or-nothing: features are validated in TypeScript (fields, codes,
 * CRS) and then in PostGIS (geometry validity with its reason and location, references, jurisdiction); if any
 * feature fails, nothing is written and the report lists every rejected feature with its reason.
 * Existing features with the same key are updated (re-importing a file is idempotent).
 */
export async function importLayer(
  pool: pg.Pool,
  layer: ImportableLayer,
  doc: unknown,
  opts: { mapping?: Record<string, string>; crs?: CrsName; analysisSrid: number },
): Promise<ImportReport> {
  const { rows, rejected } = prepareFeatures(layer, doc, opts);
  const total = rows.length + rejected.length;
  if (rejected.length) return { layer, total, written: 0, rejected };
  if (!rows.length) return { layer, total, written: 0, rejected: [] };

  const def = LAYERS[layer];
  const keyOf = (i: number) => String(rows[i][def.key]);
  return transaction(pool, async (c) => {
    await c.query(`CREATE TEMP TABLE staging (idx int PRIMARY KEY, data jsonb NOT NULL, geom geometry NOT NULL) ON COMMIT DROP`);
    await c.query(
      `INSERT INTO staging SELECT (e.i - 1)::int, e.v - 'geometry', ST_SetSRID(ST_GeomFromGeoJSON(e.v->>'geometry'), 4326)
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, i)`,
      [JSON.stringify(rows)],
    );
    const problems: Rejection[] = [];
    const collect = async (sql: string, params: unknown[] = []) => {
      const r = await c.query<{ idx: number; reason: string }>(sql, params);
      for (const row of r.rows) problems.push({ index: row.idx, id: keyOf(row.idx), reason: row.reason });
    };
    await collect(`SELECT idx, 'invalid geometry: ' || (d).reason || COALESCE(' at ' || ST_AsText((d).location), '') AS reason
      FROM (SELECT idx, ST_IsValidDetail(geom) AS d FROM staging) v WHERE NOT (d).valid`);
    for (const sql of REFERENCES[layer] ?? []) await collect(sql);
    if (layer !== 'districts') {
      await collect(
        `WITH j AS (SELECT ST_Transform(ST_Union(geom), $1::int) AS g FROM districts WHERE level = 'county')
         SELECT idx, 'outside the jurisdiction (more than ${JURISDICTION_TOLERANCE_M} m from the district boundary)' AS reason
         FROM staging, j WHERE j.g IS NOT NULL AND NOT ST_DWithin(ST_Transform(staging.geom, $1::int), j.g, ${JURISDICTION_TOLERANCE_M})`,
        [opts.analysisSrid],
      );
    }
    if (problems.length) {
      await c.query('DROP TABLE staging');
      problems.sort((a, b) => a.index - b.index);
      return { layer, total, written: 0, rejected: problems };
    }
    const cols = Object.keys(rows[0]).filter((k) => k !== 'geometry');
    const geom = def.geometry === 'point' ? 'staging.geom' : 'ST_Multi(staging.geom)';
    const res = await c.query(
      `INSERT INTO ${def.table} (${cols.join(', ')}, geom)
       SELECT ${cols.map((k) => `r.${k}`).join(', ')}, ${geom}
       FROM staging, jsonb_populate_record(NULL::${def.table}, staging.data) r ORDER BY staging.idx
       ON CONFLICT (${def.key}) DO UPDATE SET ${[...cols.filter((k) => k !== def.key), 'geom'].map((k) => `${k} = EXCLUDED.${k}`).join(', ')}`,
    );
    await c.query('DROP TABLE staging');
    return { layer, total, written: res.rowCount ?? 0, rejected: [] };
  });
}
