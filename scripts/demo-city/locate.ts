/** Which mesh cell (hence grid, community, street) a point falls in: kd-tree of cell centres, then turf's PIP. */
import KDBush from 'kdbush';
import * as turf from '@turf/turf';
import type { Feature, Polygon } from 'geojson';
import { cellCentre, cellCorners, type Mesh } from './mesh.ts';
import { pointSegment, toXY } from './projection.ts';

export class Locator {
  private index: KDBush;
  private cells: number[] = [];
  private polys: Feature<Polygon>[] = [];
  private radius: number;

  constructor(private m: Mesh) {
    m.inDistrict.forEach((v, c) => { if (v) this.cells.push(c); });
    this.index = new KDBush(this.cells.length);
    let r = 0;
    for (const c of this.cells) {
      const [x, y] = cellCentre(m, c);
      this.index.add(x, y);
      const k = cellCorners(m, c);
      for (const v of k) r = Math.max(r, Math.hypot(m.x[v] - x, m.y[v] - y));
      this.polys.push(turf.polygon([[...k, k[0]].map((v) => [m.lon[v], m.lat[v]])]));
    }
    this.index.finish();
    this.radius = r + 1;
  }

  /**
   * The district cell containing the (already rounded) lon/lat, or -1 outside the district. Points within
   * `margin` metres of a cell edge also give -1: they are too close to call for the database, so callers move them.
   */
  cellAt(lon: number, lat: number, margin = 0.05): number {
    const [x, y] = toXY(this.m.frame, lon, lat);
    const pt = turf.point([lon, lat]);
    for (const k of this.index.within(x, y, this.radius)) {
      if (!turf.booleanPointInPolygon(pt, this.polys[k])) continue;
      const c = this.cells[k];
      const v = cellCorners(this.m, c);
      for (let e = 0; e < 4; e++) {
        const a = v[e], b = v[(e + 1) % 4];
        if (pointSegment(x, y, this.m.x[a], this.m.y[a], this.m.x[b], this.m.y[b]).d < margin) return -1;
      }
      return c;
    }
    return -1;
  }
}
