// Which zone time-limit classes may apply at a point, known before SQL sees it (see deadlineVariants).
import type pg from 'pg';
import type { ZoneClass } from '../domain/zones.ts';

/**
 * Bounding boxes of the zones that carry a time-limit class. Only a point inside one can get a shortened
 * deadline, so only for such points are the per-class deadlines computed (the work calendar is not free).
 */
export class ZoneClassBoxes {
  constructor(private boxes: { cls: ZoneClass; w: number; s: number; e: number; n: number }[]) {}

  static async load(client: pg.PoolClient): Promise<ZoneClassBoxes> {
    const { rows } = await client.query<{ cls: ZoneClass; w: number; s: number; e: number; n: number }>(
      `SELECT time_limit_class AS cls, ST_XMin(geom) AS w, ST_YMin(geom) AS s, ST_XMax(geom) AS e, ST_YMax(geom) AS n
       FROM zones WHERE time_limit_class IS NOT NULL`,
    );
    return new ZoneClassBoxes(rows);
  }

  /** Classes of the zones whose box holds the point. */
  at(lon: number, lat: number): Set<ZoneClass> {
    const out = new Set<ZoneClass>();
    for (const b of this.boxes) if (lon >= b.w && lon <= b.e && lat >= b.s && lat <= b.n) out.add(b.cls);
    return out;
  }
}
