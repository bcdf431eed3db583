/**
 * Unit-grid codes: county(6) + street(3) + community(3) + serial (2 or 3 digits) → 14 or 15 digits.
 * Code checks, the next free serials of a community, and the renumbering order (Beijing DB11: west→east within a
 * row, rows north→south).
 */
import type { Geometry } from 'geojson';
import { problem, type Problem } from './grid-problems.ts';

export const GRID_CODE = /^\d{14,15}$/;
export const COMMUNITY_CODE = /^\d{12}$/;

/** Format and prefix problems of a grid code for its community (when one is known). */
export function codeProblems(code: string, community: string | null | undefined, geometry: Geometry | null, extra: Partial<Problem> = {}): Problem[] {
  if (!GRID_CODE.test(code)) return [problem('code_format', { code }, geometry, { grid: code, ...extra })];
  if (community && code.slice(0, 12) !== community) return [problem('code_prefix', { code, community }, geometry, { grid: code, ...extra })];
  return [];
}

/** Serial width a community uses: 3 once any of its codes has 15 digits, 2 for 14, `dflt` when it has none. */
export function serialWidth(codes: Iterable<string>, dflt: 2 | 3): 2 | 3 {
  let width: 2 | 3 | null = null;
  for (const c of codes) {
    if (c.length === 15) return 3;
    if (c.length === 14) width = 2;
  }
  return width ?? dflt;
}

/**
 * `count` new codes for a community: serials above the highest one the community has ever used (codes of deleted
 * grids are not handed out again: cases registered in them still carry them), then, once the width is exhausted,
 * the lowest never-used serials. Throws a RangeError when the width has no room left.
 */
export function nextCodes(community: string, everUsed: Iterable<string>, count: number, width: 2 | 3): string[] {
  const max = width === 2 ? 99 : 999;
  const used = new Set<number>();
  for (const c of everUsed) if (c.startsWith(community) && c.length === 12 + width) used.add(Number(c.slice(12)));
  const out: number[] = [];
  let s = used.size ? Math.max(...used) + 1 : 1;
  while (out.length < count && s <= max) out.push(s++);
  for (let t = 1; out.length < count && t <= max; t++) if (!used.has(t) && !out.includes(t)) out.push(t);
  if (out.length < count) {
    throw new RangeError(`community ${community} has no free ${width}-digit grid serial left (${count} needed); renumber it with 3-digit serials`);
  }
  return out.map((n) => community + String(n).padStart(width, '0'));
}

export interface Placed {
  code: string;
  /** easting and northing of a point inside the grid, metres */
  x: number;
  y: number;
  /** north–south extent of the grid, metres */
  height: number;
}

/**
 * Reading order of grids (DB11): rows from north to south, west to east within a row. A grid starts a new row
 * when its point lies more than half a typical (median) grid height south of the row's first grid.
 */
export function readingOrder(items: Placed[]): Placed[] {
  if (items.length === 0) return [];
  const heights = items.map((i) => i.height).sort((a, b) => a - b);
  const band = heights[Math.floor(heights.length / 2)] / 2;
  const byNorth = [...items].sort((a, b) => b.y - a.y || a.x - b.x || a.code.localeCompare(b.code));
  const rows: Placed[][] = [];
  let top = Infinity;
  for (const it of byNorth) {
    if (!rows.length || it.y < top - band) {
      rows.push([]);
      top = it.y;
    }
    rows[rows.length - 1].push(it);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.x - b.x || b.y - a.y || a.code.localeCompare(b.code)));
}

/** The renumbering of a community: old → new code for every grid, serials 1… in reading order. */
export function renumberMap(community: string, items: Placed[], width: 2 | 3): { old: string; new: string }[] {
  const max = width === 2 ? 99 : 999;
  if (items.length > max) throw new RangeError(`community ${community} has ${items.length} grids: more than ${width}-digit serials allow`);
  return readingOrder(items).map((it, i) => ({ old: it.code, new: community + String(i + 1).padStart(width, '0') }));
}
