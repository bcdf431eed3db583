/**
 * Local metric frame (metres east/north of an origin) for the generator's own placement work over a ~10 km
 * city. Equirectangular with the WGS84 metres-per-degree at the origin latitude: across 10 km it differs from
 * UTM by well under 0.1 %, and the generator keeps points away from every threshold (30 m road snap, zone and
 * grid edges) by more than that, so the database, working in UTM, draws the same conclusions.
 */
export interface LocalFrame {
  lon0: number;
  lat0: number;
  /** metres per degree of longitude / latitude at lat0 */
  mx: number;
  my: number;
}

export function localFrame(lon0: number, lat0: number): LocalFrame {
  const p = (lat0 * Math.PI) / 180;
  const my = 111132.954 - 559.822 * Math.cos(2 * p) + 1.175 * Math.cos(4 * p);
  const mx = 111412.84 * Math.cos(p) - 93.5 * Math.cos(3 * p) + 0.118 * Math.cos(5 * p);
  return { lon0, lat0, mx, my };
}

/** Coordinates are rounded to 7 decimals (~1 cm) everywhere, once, so shared vertices stay identical. */
export function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

export function toLonLat(f: LocalFrame, x: number, y: number): [number, number] {
  return [round7(f.lon0 + x / f.mx), round7(f.lat0 + y / f.my)];
}

export function toXY(f: LocalFrame, lon: number, lat: number): [number, number] {
  return [(lon - f.lon0) * f.mx, (lat - f.lat0) * f.my];
}

/** Distance from p to segment ab, all in metres, and the parameter t ∈ [0,1] of the closest point. */
export function pointSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): { d: number; t: number } {
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const qx = ax + t * dx - px, qy = ay + t * dy - py;
  return { d: Math.sqrt(qx * qx + qy * qy), t };
}
