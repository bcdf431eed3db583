/**
 * The study area as coordinates, for the in-area test of cases in cells straddling its boundary (pure). The
 * polygon comes from PostGIS as hex EWKB (StudyArea.geom, metric CRS): read here bit for bit, no decimal round
 * trip. The test is turf's booleanPointInPolygon (point-in-polygon-hao on robust-predicates' orient2d), boundary
 * included, as ST_Intersects counts it.
 */
// the one turf module, not @turf/turf: importing all of turf costs the API a second at start-up
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { MultiPolygon } from 'geojson';

type Ring = [number, number][];

/** The polygons of a (Multi)Polygon or GeometryCollection EWKB in hex; other parts (points, lines) are skipped. */
export function polygonsOfEwkb(hex: string): Ring[][] {
  const buf = Buffer.from(hex, 'hex');
  let o = 0;
  const out: Ring[][] = [];
  const read = (): void => {
    const le = buf[o] === 1;
    o += 1;
    const u32 = () => { const v = le ? buf.readUInt32LE(o) : buf.readUInt32BE(o); o += 4; return v; };
    const f64 = () => { const v = le ? buf.readDoubleLE(o) : buf.readDoubleBE(o); o += 8; return v; };
    const typeWord = u32();
    const hasZ = (typeWord & 0x80000000) !== 0 || Math.floor((typeWord & 0xffff) / 1000) % 2 === 1;
    const hasM = (typeWord & 0x40000000) !== 0 || Math.floor((typeWord & 0xffff) / 1000) >= 2;
    if (typeWord & 0x20000000) u32(); // SRID
    const type = (typeWord & 0xffff) % 1000;
    const dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
    const point = (): [number, number] => {
      const p: [number, number] = [f64(), f64()];
      o += 8 * (dims - 2);
      return p;
    };
    const points = (): [number, number][] => Array.from({ length: u32() }, point);
    switch (type) {
      case 1: point(); return;
      case 2: points(); return;
      case 3: out.push(Array.from({ length: u32() }, points)); return;
      case 4: case 5: case 6: case 7: { const n = u32(); for (let i = 0; i < n; i++) read(); return; }
      default: throw new Error(`EWKB geometry type ${type} is not supported for a study area`);
    }
  };
  read();
  return out;
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
