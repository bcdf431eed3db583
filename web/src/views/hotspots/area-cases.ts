/**
 * The cases of a hot area, read from the case feed the browser already holds (no extra request): the cases the
 * analysis counted — not voided, in its window, passing its filters — whose point lies in the area's polygon.
 * Pure (a CaseTable, no Svelte); newest first.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import type { CaseTable } from '../../map/cases/filter.ts';
import { bboxOf, pointInPolygon } from './model.ts';

export interface AreaCaseQuery {
  /** the analysis window, ISO instants ([from, to); null = open) */
  from: string | null;
  to: string | null;
  /** the filters the analysis used (response parameters.filters) */
  filters: Partial<Record<'kind' | 'major' | 'minor' | 'source' | 'department' | 'district', string[]>>;
  geometry: Polygon | MultiPolygon;
}

const flag = <T>(list: T[], keep: (t: T) => boolean): Uint8Array => {
  const m = new Uint8Array(list.length + 1);
  list.forEach((t, i) => (m[i] = keep(t) ? 1 : 0));
  return m;
};

export function casesInArea(store: CaseTable, q: AreaCaseQuery): Int32Array {
  const { cols, dicts, count } = store;
  const f = q.filters;
  const t0 = q.from ? Date.parse(q.from) / 1000 : -Infinity;
  const t1 = q.to ? Date.parse(q.to) / 1000 : Infinity;
  const has = (list: string[] | undefined, v: string) => !list || list.includes(v);
  const minorOk = flag(dicts.minors, (m) => has(f.kind, m.kind) && has(f.major, m.code.slice(0, 2)) && has(f.minor, m.code));
  const sourceOk = flag(dicts.sources, (s) => has(f.source, s));
  const statusOk = flag(dicts.statuses, (s) => s !== 'voided');
  const deptOk = flag(dicts.departments, (d) => has(f.department, d.id));
  const districts = f.district;
  const countyOk = flag(dicts.counties, (c) => !districts || districts.includes(c));
  const streetOk = flag(dicts.streets, (s) => !districts || districts.includes(s.code));
  const communityOk = flag(dicts.communities, (c) => !districts || districts.includes(c.code));
  const NONE = 0xffff;
  const [w, s, e, n] = bboxOf(q.geometry);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const x = cols.lon[i], y = cols.lat[i];
    if (x < w || x > e || y < s || y > n) continue;
    const t = cols.reportedAt[i];
    if (t < t0 || t >= t1) continue;
    if (!minorOk[cols.minor[i]] || !sourceOk[cols.source[i]] || !statusOk[cols.status[i]]) continue;
    if (f.department && (cols.department[i] === NONE || !deptOk[cols.department[i]])) continue;
    if (districts && !countyOk[cols.county[i]] && !(cols.street[i] !== NONE && streetOk[cols.street[i]]) && !(cols.community[i] !== NONE && communityOk[cols.community[i]])) continue;
    if (!pointInPolygon(x, y, q.geometry)) continue;
    out.push(i);
  }
  out.sort((a, b) => cols.reportedAt[b] - cols.reportedAt[a] || b - a);
  return Int32Array.from(out);
}
