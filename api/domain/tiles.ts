/** Pure tile arithmetic: validation, Web-Mercator bounds, per-zoom simplification. */

export const EXTENT = 4096;
export const BUFFER = 64;
const HALF_WORLD = 20037508.342789244;

export interface TileCoord { z: number; x: number; y: number }

/** Checks z/x/y are integers inside the tile pyramid (z ≤ 24); returns a message naming the problem, or null. */
export function tileProblem({ z, x, y }: TileCoord): string | null {
  if (!Number.isInteger(z) || z < 0 || z > 24) return `zoom z=${z} must be an integer 0–24`;
  const n = 2 ** z;
  if (!Number.isInteger(x) || x < 0 || x >= n) return `x=${x} is outside 0–${n - 1} at zoom ${z}`;
  if (!Number.isInteger(y) || y < 0 || y >= n) return `y=${y} is outside 0–${n - 1} at zoom ${z}`;
  return null;
}

/** Tile bounds in EPSG:3857 metres. */
export function tileBounds({ z, x, y }: TileCoord): { minx: number; miny: number; maxx: number; maxy: number } {
  const size = (2 * HALF_WORLD) / 2 ** z;
  return { minx: -HALF_WORLD + x * size, maxx: -HALF_WORLD + (x + 1) * size, maxy: HALF_WORLD - y * size, miny: HALF_WORLD - (y + 1) * size };
}

/**
 * Simplification tolerance in metres for zoom z: half a tile unit, so simplified vertices move less than the
 * quantisation `ST_AsMVTGeom` applies anyway; 0 (no simplification) from zoom 15, where shapes are drawn exactly.
 */
export function simplifyTolerance(z: number): number {
  if (z >= 15) return 0;
  return (2 * HALF_WORLD) / 2 ** z / EXTENT / 2;
}

/** Parses `minLon,minLat,maxLon,maxLat` (WGS84); throws a RangeError naming the problem. */
export function parseBbox(text: string): [number, number, number, number] {
  const parts = text.split(',');
  if (parts.length !== 4) throw new RangeError(`bbox must be minLon,minLat,maxLon,maxLat (4 numbers), got ${parts.length} values`);
  const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (nums.some((v) => !Number.isFinite(v))) throw new RangeError(`bbox values must be numbers: "${text}"`);
  const [minLon, minLat, maxLon, maxLat] = nums;
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) throw new RangeError(`bbox is outside WGS84 longitude/latitude range: "${text}"`);
  if (minLon >= maxLon || minLat >= maxLat) throw new RangeError(`bbox min must be below max: "${text}"`);
  return [minLon, minLat, maxLon, maxLat];
}
