/**
 * Snapping of a pointer to outside geometry: neighbouring grids, the community boundary, roads. terra-draw only
 * snaps to features in its own store, so the grid editor hands it this through its `toCustom` hook. Pure: the
 * caller gives the projection (lon/lat → screen pixels).
 *
 * Rules: layers are tried in priority order (grids before the community boundary before roads), and within a layer
 * a vertex within the tolerance wins over a nearer edge — so a corner shared by three grids is hit exactly rather
 * than a point a hair beside it. An edge point is interpolated in lon/lat along the segment (the straight edge
 * PostGIS sees), with its position along the segment found in screen space.
 */
import type { Geometry, Position } from 'geojson';

export interface ScreenPoint {
  x: number;
  y: number;
}
export type Project = (lng: number, lat: number) => ScreenPoint;

/** One kind of thing to snap to: its distinct vertices and its segments. */
export interface SnapLayer {
  name: string;
  vertices: Position[];
  segments: [Position, Position][];
}

export interface Snapped {
  position: Position;
  kind: 'vertex' | 'edge';
  layer: string;
  distancePx: number;
}

/** Vertices (deduplicated) and segments of the lines and rings of some geometries. */
export function snapLayer(name: string, geometries: (Geometry | null | undefined)[]): SnapLayer {
  const seen = new Set<string>();
  const vertices: Position[] = [];
  const segments: [Position, Position][] = [];
  const line = (coords: Position[]) => {
    for (let i = 0; i < coords.length; i++) {
      const p = coords[i];
      const key = `${p[0]},${p[1]}`;
      if (!seen.has(key)) {
        seen.add(key);
        vertices.push([p[0], p[1]]);
      }
      if (i > 0) {
        const a = coords[i - 1];
        if (a[0] !== p[0] || a[1] !== p[1]) segments.push([[a[0], a[1]], [p[0], p[1]]]);
      }
    }
  };
  const walk = (g: Geometry | null | undefined) => {
    if (!g) return;
    switch (g.type) {
      case 'Point':
        line([g.coordinates]);
        break;
      case 'MultiPoint':
        g.coordinates.forEach((c) => line([c]));
        break;
      case 'LineString':
        line(g.coordinates);
        break;
      case 'MultiLineString':
      case 'Polygon':
        g.coordinates.forEach(line);
        break;
      case 'MultiPolygon':
        g.coordinates.forEach((p) => p.forEach(line));
        break;
      case 'GeometryCollection':
        g.geometries.forEach(walk);
        break;
    }
  };
  geometries.forEach(walk);
  return { name, vertices, segments };
}

const dist2 = (a: ScreenPoint, b: ScreenPoint) => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;

/** The snapped position for a pointer, or null when nothing is within `tolerancePx`. */
export function snapPoint(pointer: ScreenPoint, layers: SnapLayer[], project: Project, tolerancePx: number): Snapped | null {
  const tol2 = tolerancePx * tolerancePx;
  for (const layer of layers) {
    let best: Snapped | null = null;
    let bestD2 = tol2;
    for (const v of layer.vertices) {
      const d2 = dist2(pointer, project(v[0], v[1]));
      if (d2 <= bestD2) {
        bestD2 = d2;
        best = { position: [v[0], v[1]], kind: 'vertex', layer: layer.name, distancePx: Math.sqrt(d2) };
      }
    }
    if (best) return best;
    for (const [a, b] of layer.segments) {
      const pa = project(a[0], a[1]);
      const pb = project(b[0], b[1]);
      const dx = pb.x - pa.x;
      const dy = pb.y - pa.y;
      const len2 = dx * dx + dy * dy;
      if (len2 === 0) continue;
      const t = Math.max(0, Math.min(1, ((pointer.x - pa.x) * dx + (pointer.y - pa.y) * dy) / len2));
      const d2 = dist2(pointer, { x: pa.x + t * dx, y: pa.y + t * dy });
      if (d2 <= bestD2) {
        bestD2 = d2;
        best = { position: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], kind: 'edge', layer: layer.name, distancePx: Math.sqrt(d2) };
      }
    }
    if (best) return best;
  }
  return null;
}
