import type pg from 'pg';
import type { LabelLayer } from './style.ts';

/**
 * One label point per polygon (ST_PointOnSurface: inside even for concave shapes), as a GeoJSON
 * FeatureCollection built in SQL. Tiled polygons would be labelled once per tile they cross.
 */
const QUERIES: Record<LabelLayer, string> = {
  districts: `SELECT json_build_object('code', code, 'name', name, 'level', level) AS props, geom FROM districts`,
  'work-grids': `SELECT json_build_object('code', code, 'name', name) AS props, geom FROM work_grids`,
  grids: `SELECT json_build_object('code', code) AS props, geom FROM grids`,
  zones: `SELECT json_build_object('id', id, 'name', name, 'level', level) AS props, geom FROM zones`,
};

export async function labelPoints(pool: pg.Pool, layer: LabelLayer): Promise<string> {
  const { rows } = await pool.query<{ fc: string }>(
    `SELECT json_build_object(
       'type', 'FeatureCollection',
       'features', coalesce(json_agg(json_build_object(
         'type', 'Feature',
         'properties', t.props,
         'geometry', ST_AsGeoJSON(ST_PointOnSurface(t.geom), 6)::json)), '[]'::json))::text AS fc
     FROM (${QUERIES[layer]}) t`,
  );
  return rows[0].fc;
}

/** [minLon, minLat, maxLon, maxLat] of all districts, or undefined while none are loaded. */
export async function districtBounds(pool: pg.Pool): Promise<[number, number, number, number] | undefined> {
  const { rows } = await pool.query<{ x0: number | null; y0: number | null; x1: number | null; y1: number | null }>(
    `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
       FROM (SELECT ST_Extent(geom)::box2d AS e FROM districts) s`,
  );
  const r = rows[0];
  if (!r || r.x0 == null || r.y0 == null || r.x1 == null || r.y1 == null) return undefined;
  return [r.x0, r.y0, r.x1, r.y1].map((v) => Math.round(Number(v) * 1e6) / 1e6) as [number, number, number, number];
}
