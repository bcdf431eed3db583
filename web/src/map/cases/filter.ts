/**
 * Case filters of the desk and the wall, applied to the case store's columns: the map and the case list both
 * show exactly the rows this returns. Dictionary filters become masks over the dictionaries first, so the loop
 * over 60k cases only reads typed arrays.
 */
import { FLAG_REPEAT, type FeedColumns, type FeedDicts } from '../../../../api/cases-feed/format.ts';

/** What the filter reads of the case store (plain, so it can be tested without Svelte). */
export interface CaseTable {
  cols: FeedColumns;
  dicts: FeedDicts;
  count: number;
}

export const RANGES = ['today', 'week', 'month', 'quarter', 'year', 'custom'] as const;
export type Range = (typeof RANGES)[number];
export const RANGE_LABEL: Record<Range, string> = {
  today: '今日',
  week: '本周',
  month: '本月',
  quarter: '近三个月',
  year: '近一年',
  custom: '自定义',
};

export interface CaseFilters {
  range: Range;
  /** YYYY-MM-DD (China Standard Time), for range = custom; '' = open-ended. */
  from: string;
  to: string;
  /** Also every open case, whenever reported (the wall: the month's cases plus all unfinished work). */
  includeOpen: boolean;
  kind: '' | 'event' | 'component';
  major: string;
  minor: string;
  /** Empty = all. */
  sources: string[];
  statuses: string[];
  /** '' stands for "no light" (not registered yet, or finished). */
  lights: string[];
  department: string;
  /** A street (9 digits) or community (12 digits) code; '' = all. */
  district: string;
  /** Only repeat cases (重复案件: their repeat group reached its threshold). */
  repeat: boolean;
}

export const defaultFilters = (): CaseFilters => ({
  range: 'month',
  from: '',
  to: '',
  includeOpen: false,
  kind: '',
  major: '',
  minor: '',
  sources: [],
  statuses: [],
  lights: [],
  department: '',
  district: '',
  repeat: false,
});

const CST = 8 * 3600;
const DAY = 86400;

/** [from, to) in epoch seconds for a range, at `now` (ms). */
export function rangeBounds(f: Pick<CaseFilters, 'range' | 'from' | 'to'>, now: number): [number, number] {
  const t = Math.floor(now / 1000);
  const localMidnight = Math.floor((t + CST) / DAY) * DAY - CST;
  const local = new Date((t + CST) * 1000);
  switch (f.range) {
    case 'today':
      return [localMidnight, Infinity];
    case 'week': {
      const weekday = (local.getUTCDay() + 6) % 7; // Monday = 0
      return [localMidnight - weekday * DAY, Infinity];
    }
    case 'month':
      return [Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) / 1000 - CST, Infinity];
    case 'quarter':
      return [t - 90 * DAY, Infinity];
    case 'year':
      return [t - 365 * DAY, Infinity];
    case 'custom': {
      const day = (s: string) => Date.parse(`${s}T00:00:00+08:00`) / 1000;
      return [f.from ? day(f.from) : 0, f.to ? day(f.to) + DAY : Infinity];
    }
  }
}

function mask<T>(list: T[], keep: (t: T) => boolean): Uint8Array {
  const m = new Uint8Array(list.length + 1);
  list.forEach((t, i) => (m[i] = keep(t) ? 1 : 0));
  return m;
}

/** Rows that pass the filters, in store order (oldest first). */
export function filterRows(store: CaseTable, f: CaseFilters, now: number): Int32Array {
  const { cols, dicts, count } = store;
  const [t0, t1] = rangeBounds(f, now);
  const minorOk = mask(dicts.minors, (m) => (!f.kind || m.kind === f.kind) && (!f.major || m.code.slice(0, 2) === f.major) && (!f.minor || m.code === f.minor));
  const sourceOk = mask(dicts.sources, (s) => !f.sources.length || f.sources.includes(s));
  const statusOk = mask(dicts.statuses, (s) => !f.statuses.length || f.statuses.includes(s));
  const lightOk = mask(dicts.lights, (l) => !f.lights.length || f.lights.includes(l));
  const open = mask(dicts.statuses, (s) => s !== 'closed' && s !== 'voided');
  const dept = f.department ? dicts.departments.findIndex((d) => d.id === f.department) : -2;
  const byStreet = f.district.length === 9;
  const district = !f.district ? -2 : byStreet ? dicts.streets.findIndex((d) => d.code === f.district) : dicts.communities.findIndex((d) => d.code === f.district);
  const out = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const rep = cols.reportedAt[i];
    if (!((rep >= t0 && rep < t1) || (f.includeOpen && open[cols.status[i]]))) continue;
    if (!minorOk[cols.minor[i]] || !sourceOk[cols.source[i]] || !statusOk[cols.status[i]] || !lightOk[cols.light[i]]) continue;
    if (dept !== -2 && cols.department[i] !== dept) continue;
    if (district !== -2 && (byStreet ? cols.street[i] : cols.community[i]) !== district) continue;
    if (f.repeat && !(cols.flags[i] & FLAG_REPEAT)) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}


/** The majors (code → name) among the feed's minors of `kind` (all kinds when null), by code: a filter's 大类 list. */
export function majorsOf(minors: FeedDicts['minors'], kind: string | null | undefined): [string, string][] {
  const seen = new Map<string, string>();
  for (const m of minors) {
    if (kind && m.kind !== kind) continue;
    const key = m.code.slice(0, 2);
    if (!seen.has(key)) seen.set(key, m.majorName ?? key);
  }
  return [...seen].sort((a, b) => a[0].localeCompare(b[0]));
}

/** The feed's minors of `kind` and `major` (either null = any): a filter's 小类 list. */
export const minorsOf = (minors: FeedDicts['minors'], kind: string | null | undefined, major: string | null | undefined) =>
  minors.filter((m) => (!kind || m.kind === kind) && (!major || m.code.startsWith(major)));
