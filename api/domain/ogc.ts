/** Query parameters of OGC API – Features items requests, parsed without I/O; errors are RangeErrors naming the parameter. */
import { parseBbox } from './tiles.ts';

export const CRS84_URIS = ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/OGC/0/CRS84h'];

export interface ItemsQuery {
  limit: number;
  offset: number;
  bbox: [number, number, number, number] | null;
}

const first = (v: unknown): string | undefined => (Array.isArray(v) ? (v.length ? String(v[v.length - 1]) : undefined) : v === undefined ? undefined : String(v));

/**
 * limit: integer ≥ 1, default `dflt`; above `max` it is capped (OGC API – Features: a too large limit is not an
 * error). offset: integer ≥ 0. bbox: 4 numbers, or 6 with heights (dropped). bbox-crs: only CRS84.
 */
export function parseItemsQuery(q: Record<string, unknown>, dflt: number, max: number): ItemsQuery {
  const limitText = first(q.limit);
  let limit = dflt;
  if (limitText !== undefined) {
    if (!/^\s*\d+\s*$/.test(limitText) || Number(limitText) < 1) throw new RangeError(`limit must be a whole number from 1 to ${max}, got "${limitText}"`);
    limit = Math.min(Number(limitText), max);
  }
  const offsetText = first(q.offset);
  let offset = 0;
  if (offsetText !== undefined) {
    if (!/^\s*\d+\s*$/.test(offsetText) || !Number.isSafeInteger(Number(offsetText))) throw new RangeError(`offset must be a whole number ≥ 0, got "${offsetText}"`);
    offset = Number(offsetText);
  }
  const crs = first(q['bbox-crs']);
  if (crs !== undefined && !CRS84_URIS.includes(crs)) throw new RangeError(`bbox-crs "${crs}" is not supported; use ${CRS84_URIS[0]}`);
  const bboxText = first(q.bbox);
  let bbox: ItemsQuery['bbox'] = null;
  if (bboxText !== undefined) {
    const parts = bboxText.split(',');
    const four = parts.length === 6 ? [parts[0], parts[1], parts[3], parts[4]] : parts;
    bbox = parseBbox(four.join(',')); // its RangeErrors name the bbox and the problem
  }
  return { limit, offset, bbox };
}
