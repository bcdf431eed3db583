import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export interface DecodedFeature { id: number | undefined; type: number; properties: Record<string, unknown>; geometry: { x: number; y: number }[][] }

/** Decodes one layer of a Mapbox Vector Tile. */
export function decodeLayer(buf: Uint8Array, layer: string): DecodedFeature[] {
  if (!buf.length) return [];
  const tile = new VectorTile(new PbfReader(buf));
  const l = tile.layers[layer];
  if (!l) return [];
  return Array.from({ length: l.length }, (_, i) => {
    const f = l.feature(i);
    return { id: f.id, type: f.type, properties: f.properties, geometry: f.loadGeometry().map((r) => r.map((p) => ({ x: p.x, y: p.y }))) };
  });
}

/** Signed area of a ring in tile coordinates (surveyor's formula): positive = exterior ring per MVT 2.1. */
export function ringArea(ring: { x: number; y: number }[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j].x - ring[i].x) * (ring[i].y + ring[j].y);
  return a / 2;
}

/** The XYZ tile containing (lon, lat) at zoom z. */
export function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}
