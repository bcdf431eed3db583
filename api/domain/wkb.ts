/**
 * Minimal reader of the polygons of a WKB or PostGIS EWKB geometry (an SRID and Z / M ordinates are read past):
 * rings as flat 2D [x0, y0, x1, y1, …] arrays, bit for bit (no decimal round trip).
 */

export type Ring = Float64Array;
/** A polygon: its shell, then its holes. */
export type PolygonRings = Ring[];

const EWKB_Z = 0x80000000, EWKB_M = 0x40000000, EWKB_SRID = 0x20000000;

/**
 * The polygons of a Polygon or MultiPolygon. With `skipOthers`, GeometryCollections are read too and their points and
 * lines (and those of the top level) are passed over; without it any other type is an error.
 */
export function wkbPolygons(wkb: Uint8Array, opts: { skipOthers?: boolean } = {}): PolygonRings[] {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const out: PolygonRings[] = [];
  let off = 0;
  const geometry = () => {
    const le = view.getUint8(off) === 1;
    const word = view.getUint32(off + 1, le);
    off += 5;
    if (word & EWKB_SRID) off += 4;
    const iso = (word & 0xffff) / 1000; // ISO WKB: 1000s for Z, 2000s for M, 3000s for ZM
    const dims = 2 + ((word & EWKB_Z) !== 0 || Math.floor(iso) % 2 === 1 ? 1 : 0) + ((word & EWKB_M) !== 0 || Math.floor(iso) >= 2 ? 1 : 0);
    const type = (word & 0xffff) % 1000;
    const count = () => {
      const n = view.getUint32(off, le);
      off += 4;
      return n;
    };
    const ring = (): Ring => {
      const pts = count();
      const r = new Float64Array(pts * 2);
      for (let i = 0; i < pts; i++, off += 8 * dims) {
        r[2 * i] = view.getFloat64(off, le);
        r[2 * i + 1] = view.getFloat64(off + 8, le);
      }
      return r;
    };
    if (type === 3) {
      out.push(Array.from({ length: count() }, ring));
    } else if (type === 6 || (opts.skipOthers && type >= 4 && type <= 7)) {
      for (let n = count(), p = 0; p < n; p++) geometry();
    } else if (opts.skipOthers && type === 1) {
      off += 8 * dims;
    } else if (opts.skipOthers && type === 2) {
      off += 8 * dims * count();
    } else {
      throw new Error(`WKB geometry type ${type} is not a 2D Polygon or MultiPolygon`);
    }
  };
  geometry();
  return out;
}
