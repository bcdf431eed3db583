/** Minimal reader of 2D (Multi)Polygon WKB, as ST_AsBinary returns it: rings as flat [x0, y0, x1, y1, …] arrays. */

export type Ring = Float64Array;
/** A polygon: its shell, then its holes. */
export type PolygonRings = Ring[];

/** The polygons of a Polygon or MultiPolygon WKB. */
export function wkbPolygons(wkb: Uint8Array): PolygonRings[] {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const out: PolygonRings[] = [];
  let off = 0;
  const geometry = () => {
    const le = view.getUint8(off) === 1;
    const type = view.getUint32(off + 1, le); // plain 2D WKB (ST_AsBinary of a 2D column): 3 Polygon, 6 MultiPolygon
    off += 5;
    if (type === 3) {
      const n = view.getUint32(off, le);
      off += 4;
      const rings: Ring[] = [];
      for (let r = 0; r < n; r++) {
        const pts = view.getUint32(off, le);
        off += 4;
        const ring = new Float64Array(pts * 2);
        for (let i = 0; i < pts * 2; i++, off += 8) ring[i] = view.getFloat64(off, le);
        rings.push(ring);
      }
      out.push(rings);
    } else if (type === 6) {
      const n = view.getUint32(off, le);
      off += 4;
      for (let p = 0; p < n; p++) geometry();
    } else {
      throw new Error(`WKB geometry type ${type} is not a 2D Polygon or MultiPolygon`);
    }
  };
  geometry();
  return out;
}
