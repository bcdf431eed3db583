import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Geometry, Position } from 'geojson';
import { EXTENT } from '../domain/tiles.ts';

type Ring = [number, number][];
interface TileFeature {
  id?: number;
  type: 1 | 2 | 3;
  tags: Record<string, string | number | boolean>;
  geometry: Ring | Ring[];
}

const xy = (p: Position): [number, number] => [p[0], p[1]];

/** GeoJSON geometry in tile units → the MVT geometry type (1 point, 2 line, 3 polygon) and its rings/lines/points. */
export function toTileGeometry(g: Geometry): { type: 1 | 2 | 3; geometry: Ring | Ring[] } | null {
  switch (g.type) {
    case 'Point': return { type: 1, geometry: [xy(g.coordinates)] };
    case 'MultiPoint': return g.coordinates.length ? { type: 1, geometry: g.coordinates.map(xy) } : null;
    case 'LineString': return g.coordinates.length > 1 ? { type: 2, geometry: [g.coordinates.map(xy)] } : null;
    case 'MultiLineString': {
      const lines = g.coordinates.filter((l) => l.length > 1).map((l) => l.map(xy));
      return lines.length ? { type: 2, geometry: lines } : null;
    }
    case 'Polygon': {
      const rings = g.coordinates.filter((r) => r.length >= 4).map((r) => r.map(xy));
      return rings.length ? { type: 3, geometry: rings } : null;
    }
    case 'MultiPolygon': {
      const rings = g.coordinates.flat().filter((r) => r.length >= 4).map((r) => r.map(xy));
      return rings.length ? { type: 3, geometry: rings } : null;
    }
    case 'GeometryCollection': {
      // clipping can leave mixed collections; keep the highest-dimension part, as ST_AsMVTGeom does
      const parts = g.geometries.map(toTileGeometry).filter((p) => p !== null);
      if (!parts.length) return null;
      const type = Math.max(...parts.map((p) => p.type)) as 1 | 2 | 3;
      const same = parts.filter((p) => p.type === type);
      return { type, geometry: same.flatMap((p) => p.geometry as Ring[]) as Ring[] };
    }
  }
}

/**
 * Encodes rows `{ fid, g (GeoJSON text in tile units), ...props }` as a one-layer Mapbox Vector Tile.
 * Null properties are left out, as ST_AsMVT does.
 */
export function encodeTile(layerName: string, rows: Record<string, unknown>[]): Buffer {
  const features: TileFeature[] = [];
  for (const row of rows) {
    const geom = toTileGeometry(JSON.parse(row.g as string) as Geometry);
    if (!geom) continue;
    const tags: TileFeature['tags'] = {};
    for (const [k, v] of Object.entries(row)) {
      if (k === 'fid' || k === 'g' || v === null || v === undefined) continue;
      tags[k] = typeof v === 'object' ? String(v instanceof Date ? v.toISOString() : JSON.stringify(v)) : (v as string | number | boolean);
    }
    features.push({ id: Number(row.fid), type: geom.type, tags, geometry: geom.geometry });
  }
  if (!features.length) return Buffer.alloc(0);
  const pbf = fromGeojsonVt({ [layerName]: { features } as never }, { version: 2, extent: EXTENT });
  return Buffer.from(pbf.buffer, pbf.byteOffset, pbf.byteLength);
}
