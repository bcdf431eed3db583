/**
 * Geometry helpers of the grid editor. Pure. Grids are stored as MultiPolygons of one part; terra-draw edits plain
 * Polygons with a limited coordinate precision, so shapes go through `editablePolygon` on the way in.
 */
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson';

/** Decimals terra-draw keeps (1e-9° is about 0.1 mm): it refuses features with more. */
export const PRECISION = 9;

const round = (v: number, digits = PRECISION) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export const roundPosition = (p: Position, digits = PRECISION): Position => [round(p[0], digits), round(p[1], digits)];

/**
 * The outer ring of a one-part grid as a Polygon terra-draw accepts (rounded, closed, no repeated points);
 * null for shapes it cannot edit (several parts or holes).
 */
export function editablePolygon(g: Polygon | MultiPolygon | Geometry | null | undefined): Polygon | null {
  if (!g) return null;
  let rings: Position[][];
  if (g.type === 'Polygon') rings = g.coordinates;
  else if (g.type === 'MultiPolygon' && g.coordinates.length === 1) rings = g.coordinates[0];
  else return null;
  if (rings.length !== 1) return null;
  const ring: Position[] = [];
  for (const p of rings[0]) {
    const q = roundPosition(p);
    const last = ring[ring.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) ring.push(q);
  }
  if (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
  if (ring.length < 3) return null;
  return { type: 'Polygon', coordinates: [[...ring, [ring[0][0], ring[0][1]]]] };
}

const R = 6371008.8; // mean Earth radius, as turf's area

/** Area of a closed ring on the sphere (m², unsigned), by the Chamberlain–Duquette formula. */
function ringArea(ring: Position[]): number {
  const n = ring.length - 1; // the closing point repeats the first
  if (n < 3) return 0;
  let sum = 0;
  const rad = Math.PI / 180;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    const c = ring[(i + 2) % n];
    sum += (c[0] - a[0]) * rad * Math.sin(b[1] * rad);
  }
  return Math.abs((sum * R * R) / 2);
}

/** Area of a polygon or multipolygon in square metres (holes subtracted). */
export function areaM2(g: Geometry | null | undefined): number {
  if (!g) return 0;
  const polygon = (rings: Position[][]) => rings.reduce((s, r, i) => s + (i === 0 ? ringArea(r) : -ringArea(r)), 0);
  if (g.type === 'Polygon') return polygon(g.coordinates);
  if (g.type === 'MultiPolygon') return g.coordinates.reduce((s, p) => s + polygon(p), 0);
  return 0;
}

export type BBox = [number, number, number, number];

/** [west, south, east, north] of some geometries; null when they have no coordinates. */
export function bboxOf(geometries: (Geometry | null | undefined)[]): BBox | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c: unknown) => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1] as number); n = Math.max(n, c[1] as number);
      return;
    }
    for (const x of c) walk(x);
  };
  for (const g of geometries) {
    if (!g) continue;
    if (g.type === 'GeometryCollection') g.geometries.forEach((x) => walk('coordinates' in x ? x.coordinates : []));
    else walk(g.coordinates);
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** A bbox grown by `m` metres on every side (for loading what lies around a community). */
export function growBBox(b: BBox, m: number): BBox {
  const dLat = m / 111320;
  const dLon = m / (111320 * Math.cos((((b[1] + b[3]) / 2) * Math.PI) / 180));
  return [b[0] - dLon, b[1] - dLat, b[2] + dLon, b[3] + dLat];
}
