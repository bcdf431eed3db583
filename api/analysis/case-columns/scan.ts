/**
 * The analyses' passes over the columnar copy (pure): which cases count (not voided, in the window, passing the
 * filters, in the study area) and in which lattice cell, then counts per cell, per cell × time step, and the
 * breakdowns of hot areas. The rules are those the SQL used (api/analysis/hotspots/cases-sql.ts filterConditions):
 * a point lies in the cell of cells.ts cellOf, and a case in a cell straddling the area's boundary counts when the
 * point is in the area, boundary included.
 */
import { hexIndex, squareIndex, cellKey, type CellKind } from '../hotspots/cells.ts';
import { indexCells } from '../hotspots/components.ts';
import type { Filters } from '../hotspots/params.ts';
import type { CaseColumns, Coded } from './store.ts';

export interface Window {
  /** ms, inclusive */
  from?: number;
  /** ms, exclusive */
  to?: number;
}

export interface LatticeCells {
  kind: CellKind;
  size: number;
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  /** 1 = the cell lies wholly inside the area */
  inside: ArrayLike<number>;
}

/** Position of the lattice cell (a, b), or −1: a dense table over the index ranges (a map when that is too sparse). */
export function cellFinder(l: LatticeCells): (a: number, b: number) => number {
  const n = l.a.length;
  if (!n) return () => -1;
  let a0 = Infinity, a1 = -Infinity, b0 = Infinity, b1 = -Infinity;
  for (let i = 0; i < n; i++) {
    a0 = Math.min(a0, l.a[i]); a1 = Math.max(a1, l.a[i]);
    b0 = Math.min(b0, l.b[i]); b1 = Math.max(b1, l.b[i]);
  }
  const w = a1 - a0 + 1, h = b1 - b0 + 1;
  if (w * h <= 8 * n + 1_000_000) {
    const table = new Int32Array(w * h).fill(-1);
    for (let i = 0; i < n; i++) table[(l.b[i] - b0) * w + (l.a[i] - a0)] = i;
    return (a, b) => (a < a0 || a > a1 || b < b0 || b > b1 ? -1 : table[(b - b0) * w + (a - a0)]);
  }
  const map = indexCells(l.a, l.b);
  return (a, b) => map.get(cellKey(a, b)) ?? -1;
}

/** Per code of a coded column, whether it passes; null = no filter on it. */
function masks(cols: CaseColumns, f: Filters): { column: Coded; mask: Uint8Array }[] {
  const out: { column: Coded; mask: Uint8Array }[] = [];
  const add = (column: Coded, values: string[] | undefined) => {
    if (values) out.push({ column, mask: cols.dict[column].mask(values) });
  };
  add('kind', f.kind);
  add('major', f.major);
  add('minor', f.minor);
  add('source', f.source);
  add('department', f.department);
  return out;
}

/** District filter: a county (6), street (9) or community (12 digits) code matches its own column; any one passes. */
function districtMasks(cols: CaseColumns, codes: string[] | undefined): { column: Coded; mask: Uint8Array }[] | null {
  if (!codes) return null;
  const by = (len: number) => codes.filter((d) => d.length === len);
  return ([['district', 6], ['street', 9], ['community', 12]] as const)
    .filter(([, len]) => by(len).length)
    .map(([column, len]) => ({ column, mask: cols.dict[column].mask(by(len)) }));
}

export interface CellScan {
  /** the lattice cell of each row that counts, else −1 (rows added after the scan are not in it) */
  cellOfRow: Int32Array;
  counts: Float64Array;
  cases: number;
  /** first and last report time (ms) of the counted cases; NaN when none */
  first: number;
  last: number;
}

/**
 * Counts per lattice cell of the cases that count. `inArea(x, y)` is asked only for points in cells straddling the
 * area's boundary.
 */
export function scanCells(cols: CaseColumns, w: Window, filters: Filters, lattice: LatticeCells, inArea: (x: number, y: number) => boolean): CellScan {
  const n = cols.size;
  const find = cellFinder(lattice);
  const cellOfRow = new Int32Array(n).fill(-1);
  const counts = new Float64Array(lattice.a.length);
  const from = w.from ?? -Infinity, to = w.to ?? Infinity;
  const ms = masks(cols, filters).map((m) => ({ codes: cols.dict[m.column].codes, mask: m.mask }));
  const ds = districtMasks(cols, filters.district)?.map((m) => ({ codes: cols.dict[m.column].codes, mask: m.mask })) ?? null;
  const { x, y, t, voided } = cols;
  const { kind, size, inside } = lattice;
  let cases = 0, first = Infinity, last = -Infinity;
  rows: for (let r = 0; r < n; r++) {
    if (voided[r]) continue;
    const tr = t[r];
    if (!(tr >= from && tr < to)) continue;
    for (let k = 0; k < ms.length; k++) if (!ms[k].mask[ms[k].codes[r]]) continue rows;
    if (ds) {
      let any = false;
      for (let k = 0; k < ds.length && !any; k++) any = ds[k].mask[ds[k].codes[r]] === 1;
      if (!any) continue;
    }
    const px = x[r], py = y[r];
    if (px !== px || py !== py) continue; // NaN: no point
    let cell: number;
    if (kind === 'square') {
      cell = find(squareIndex(px, size), squareIndex(py, size));
    } else {
      const [q, rr] = hexIndex(px, py, size);
      cell = find(q, rr);
    }
    if (cell < 0) continue;
    if (!inside[cell] && !inArea(px, py)) continue;
    cellOfRow[r] = cell;
    counts[cell]++;
    cases++;
    if (tr < first) first = tr;
    if (tr > last) last = tr;
  }
  return { cellOfRow, counts, cases, first: cases ? first : NaN, last: cases ? last : NaN };
}

/**
 * The 0-based bucket of `v` among ascending `edges` (PostgreSQL width_bucket − 1): before the first edge → −1,
 * at or after the last → edges.length − 1.
 */
export function bucket(edges: ArrayLike<number>, v: number): number {
  let lo = 0, hi = edges.length; // count of edges ≤ v
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Counts per time step × cell (index t·cells + cell) of the counted cases; `edges` (ms) bound the steps. */
export function countSteps(cols: CaseColumns, scan: CellScan, edges: ArrayLike<number>): Float64Array {
  const cells = scan.counts.length;
  const steps = Math.max(0, edges.length - 1);
  const cube = new Float64Array(steps * cells);
  const { cellOfRow } = scan;
  for (let r = 0; r < cellOfRow.length; r++) {
    const cell = cellOfRow[r];
    if (cell < 0) continue;
    const s = bucket(edges, cols.t[r]);
    if (s >= 0 && s < steps) cube[s * cells + cell]++;
  }
  return cube;
}

export interface AreaBreakdown {
  minors: { kind: string; code: string; count: number }[];
  departments: { id: string | null; count: number }[];
  sources: { source: string | null; count: number }[];
  /** counts per month (between consecutive month edges) */
  months: number[];
}

/**
 * Per area (`areaOfCell`: cell → area number, −1 = none) the counted cases by (kind, minor), department, source
 * and month; `monthEdges` (ms) bound the months. Lists in code order (first seen first); the caller sorts.
 */
export function areaBreakdowns(cols: CaseColumns, scan: CellScan, areaOfCell: Int32Array, areas: number, monthEdges: ArrayLike<number>): AreaBreakdown[] {
  const kinds = cols.dict.kind, minors = cols.dict.minor, deps = cols.dict.department, srcs = cols.dict.source;
  const nk = kinds.values.length, nm = minors.values.length, nd = deps.values.length, ns = srcs.values.length;
  const months = Math.max(0, monthEdges.length - 1);
  const byMinor = new Float64Array(areas * nk * nm);
  const byDep = new Float64Array(areas * nd);
  const bySrc = new Float64Array(areas * ns);
  const byMonth = new Float64Array(areas * months);
  const { cellOfRow } = scan;
  for (let r = 0; r < cellOfRow.length; r++) {
    const cell = cellOfRow[r];
    if (cell < 0) continue;
    const c = areaOfCell[cell];
    if (c < 0) continue;
    byMinor[(c * nk + kinds.codes[r]) * nm + minors.codes[r]]++;
    byDep[c * nd + deps.codes[r]]++;
    bySrc[c * ns + srcs.codes[r]]++;
    const m = bucket(monthEdges, cols.t[r]);
    if (m >= 0 && m < months) byMonth[c * months + m]++;
  }
  const out: AreaBreakdown[] = [];
  for (let c = 0; c < areas; c++) {
    const b: AreaBreakdown = { minors: [], departments: [], sources: [], months: Array.from(byMonth.subarray(c * months, (c + 1) * months)) };
    for (let k = 0; k < nk; k++) {
      for (let m = 0; m < nm; m++) {
        const n = byMinor[(c * nk + k) * nm + m];
        if (n) b.minors.push({ kind: kinds.values[k]!, code: minors.values[m]!, count: n });
      }
    }
    for (let d = 0; d < nd; d++) if (byDep[c * nd + d]) b.departments.push({ id: deps.values[d], count: byDep[c * nd + d] });
    for (let s = 0; s < ns; s++) if (bySrc[c * ns + s]) b.sources.push({ source: srcs.values[s], count: bySrc[c * ns + s] });
    out.push(b);
  }
  return out;
}
