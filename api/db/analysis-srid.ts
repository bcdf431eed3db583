import type pg from 'pg';
import { utmSrid } from '../domain/utm.ts';

/** ANALYSIS_SRID if set, else the UTM zone of the districts' centre (Web Mercator only while no district exists). */
export async function resolveAnalysisSrid(pool: Pick<pg.ClientBase, 'query'>, configured?: number): Promise<number> {
  if (configured) return configured;
  const { rows } = await pool.query<{ lon: number | null; lat: number | null }>(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) AS c FROM districts) s`,
  );
  const { lon, lat } = rows[0] ?? {};
  return lon == null || lat == null ? 3857 : utmSrid(lon, lat);
}
