/**
 * Shape checks of a submitted grid geometry that need no database: GeoJSON type, numeric coordinates in the
 * longitude/latitude range (catches swapped axes and projected metres), closed rings of at least 4 points and the
 * vertex cap. They run first, so PostGIS never parses a 100k-vertex or unclosed polygon (PostGIS accepts an unclosed
 * ring from GeoJSON without complaint). Validity proper (self-intersection, holes outside shells) is PostGIS's job.
 */
import type { Geometry, LineString, Position } from 'geojson';
import { problem, type Problem } from './grid-problems.ts';

/** At most this many coordinate problems per geometry: one bad file must not produce a megabyte of errors. */
const MAX_PROBLEMS = 20;

const isPair = (p: unknown): p is Position =>
  Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number' && Number.isFinite(p[0]) && Number.isFinite(p[1]);
const inRange = (p: Position) => Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;
const point = (p: Position): Geometry => ({ type: 'Point', coordinates: [p[0], p[1]] });

/** Number of positions in a GeoJSON coordinates array of any depth (0 for junk). */
export function countPositions(c: unknown): number {
  if (!Array.isArray(c)) return 0;
  if (c.length && typeof c[0] === 'number') return 1;
  let n = 0;
  for (const x of c) n += countPositions(x);
  return n;
}

/** Bounding polygon of the numeric in-range positions, to draw where an oversized geometry lies. */
function envelope(c: unknown): Geometry | null {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const walk = (x: unknown) => {
    if (!Array.isArray(x)) return;
    if (isPair(x)) {
      if (!inRange(x)) return;
      minx = Math.min(minx, x[0]); maxx = Math.max(maxx, x[0]); miny = Math.min(miny, x[1]); maxy = Math.max(maxy, x[1]);
      return;
    }
    for (const y of x) walk(y);
  };
  walk(c);
  if (!Number.isFinite(minx)) return null;
  return { type: 'Polygon', coordinates: [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]] };
}

/**
 * Problems of a grid geometry's shape; empty when PostGIS may take it. `extra` (grid code, index) is copied into
 * every problem.
 */
export function checkPolygonShape(g: unknown, maxVertices: number, extra: Partial<Problem> = {}): Problem[] {
  const geom = g as { type?: unknown; coordinates?: unknown } | null;
  const type = geom && typeof geom === 'object' ? geom.type : undefined;
  if (type !== 'Polygon' && type !== 'MultiPolygon') {
    return [problem('geometry_type', { got: typeof type === 'string' ? type : geom === null || geom === undefined ? 'nothing' : typeof geom }, null, extra)];
  }
  const coords = geom!.coordinates;
  const n = countPositions(coords);
  if (n > maxVertices) return [problem('too_many_vertices', { n, max: maxVertices }, envelope(coords), extra)];

  const out: Problem[] = [];
  const add = (p: Problem) => {
    if (out.length < MAX_PROBLEMS) out.push(p);
  };
  const polygons: [unknown, string][] = type === 'Polygon' ? [[coords, 'coordinates']] : Array.isArray(coords) ? coords.map((p, i) => [p, `coordinates[${i}]`]) : [];
  if (!Array.isArray(coords) || polygons.length === 0) add(problem('too_few_points', { ring: 'coordinates', n: 0 }, null, extra));
  for (const [rings, path] of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) {
      add(problem('too_few_points', { ring: path, n: 0 }, null, extra));
      continue;
    }
    rings.forEach((ring: unknown, r) => {
      const ringPath = `${path}[${r}]`;
      if (!Array.isArray(ring)) {
        add(problem('bad_coordinates', { path: ringPath }, null, extra));
        return;
      }
      let ok = true;
      ring.forEach((pos: unknown, i) => {
        if (!isPair(pos)) {
          ok = false;
          add(problem('bad_coordinates', { path: `${ringPath}[${i}]` }, null, extra));
        } else if (!inRange(pos)) {
          ok = false;
          add(problem('out_of_range', { path: `${ringPath}[${i}]`, x: pos[0], y: pos[1] }, null, extra));
        }
      });
      if (!ok) return;
      const pts = ring as Position[];
      if (pts.length < 4) {
        add(problem('too_few_points', { ring: ringPath, n: pts.length, at: pts[0] ? [pts[0][0], pts[0][1]] : null }, pts[0] ? point(pts[0]) : null, extra));
        return;
      }
      const first = pts[0];
      const last = pts[pts.length - 1];
      if (first[0] !== last[0] || first[1] !== last[1]) {
        add(problem('unclosed_ring', { ring: ringPath, at: [last[0], last[1]] }, { type: 'MultiPoint', coordinates: [[first[0], first[1]], [last[0], last[1]]] }, extra));
      }
    });
  }
  return out;
}

/** Problems of a split line: a LineString of at least 2 numeric, in-range positions; null when fine. */
export function lineProblem(g: unknown): string | null {
  const line = g as LineString | null;
  if (!line || typeof line !== 'object' || line.type !== 'LineString') return `line must be a GeoJSON LineString, got ${line && typeof line === 'object' ? String((line as { type?: unknown }).type) : typeof line}`;
  if (!Array.isArray(line.coordinates) || line.coordinates.length < 2) return 'line needs at least 2 points';
  for (const [i, p] of line.coordinates.entries()) {
    if (!isPair(p)) return `line coordinates[${i}] are not a pair of numbers`;
    if (!inRange(p)) return `line coordinates[${i}] (${p[0]}, ${p[1]}) are outside the longitude/latitude range (WGS84 longitude, latitude expected)`;
  }
  return null;
}
