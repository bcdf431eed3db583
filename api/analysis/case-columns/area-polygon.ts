/**
 * The study area as coordinates, for the in-area test of cases in cells straddling its boundary (pure). The
 * polygon comes from PostGIS as hex EWKB (StudyArea.geom, metric CRS), read bit for bit by api/domain/wkb.ts. The
 * test is turf's booleanPointInPolygon (point-in-polygon-hao on robust-predicates' orient2d), boundary included, as
 * ST_Intersects counts it.
 */
// the one turf module, not @turf/turf: importing all of turf costs the API a second at start-up
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { MultiPolygon } from 'geojson';
import { wkbPolygons } from '../../domain/wkb.ts';

type Ring = [number, number][];

/** The polygons of a (Multi)Polygon or GeometryCollection EWKB in hex, as [x, y] pairs; points and lines are skipped. */
export function polygonsOfEwkb(hex: string): Ring[][] {
  return wkbPolygons(Buffer.from(hex, 'hex'), { skipOthers: true }).map((rings) =>
    rings.map((flat) => Array.from({ length: flat.length / 2 }, (_, i): [number, number] => [flat[2 * i], flat[2 * i + 1]])),
  );
}

/** `(x, y) → in the area (boundary included)`, for the polygons of polygonsOfEwkb. */
export function inAreaTest(polygons: Ring[][]): (x: number, y: number) => boolean {
  const boxes = polygons.map((p) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of p[0] ?? []) {
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
    return [x0, y0, x1, y1];
  });
  const geoms = polygons.map((p): MultiPolygon => ({ type: 'MultiPolygon', coordinates: [p] }));
  return (x, y) => {
    for (let i = 0; i < geoms.length; i++) {
      const [x0, y0, x1, y1] = boxes[i];
      if (x < x0 || x > x1 || y < y0 || y > y1) continue;
      if (booleanPointInPolygon([x, y], geoms[i])) return true;
    }
    return false;
  };
}

const tests = new WeakMap<object, (x: number, y: number) => boolean>();

/** The in-area test of a study area (hex EWKB `geom`), built once per area object (study areas are cached). */
export function inAreaOf(area: { geom: string }): (x: number, y: number) => boolean {
  let t = tests.get(area);
  if (!t) tests.set(area, (t = inAreaTest(polygonsOfEwkb(area.geom))));
  return t;
}
