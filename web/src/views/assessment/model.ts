/**
 * Pure helpers of the manager view (no DOM, no fetch): period choices and their query parameters, number
 * formats as the bulletins print them, period-on-period changes, table sorting and chart scales.
 * Unit-tested in tests/unit/assessment-view.test.ts.
 */
import type { GroupNumber, Rate } from './types.ts';

// ------------------------------------------------------------------------------------------------ periods

export type PeriodKind = 'month' | 'quarter' | 'year';
/** `2026-10`, `2026-Q3` or `2026` */
export interface PeriodChoice {
  kind: PeriodKind;
  value: string;
}

const CST = 8 * 3600_000;
const pad = (n: number) => String(n).padStart(2, '0');
const CN_QUARTER = ['一', '二', '三', '四'];

/** Year and month (1–12) of an instant in China Standard Time. */
function ym(now: Date): { y: number; m: number } {
  const d = new Date(now.getTime() + CST);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1 };
}

const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function periodTitle(c: PeriodChoice): string {
  if (c.kind === 'month') return `${c.value.slice(0, 4)}年${Number(c.value.slice(5, 7))}月`;
  if (c.kind === 'quarter') return `${c.value.slice(0, 4)}年第${CN_QUARTER[Number(c.value.slice(6)) - 1]}季度`;
  return `${c.value}年`;
}

/** The choices of a kind up to now, newest first: 24 months, 8 quarters, 3 years (the current one so far). */
export function periodOptions(kind: PeriodKind, now: Date): { value: string; label: string }[] {
  const { y, m } = ym(now);
  const q = Math.ceil(m / 3);
  const list: string[] = [];
  if (kind === 'month') for (let i = 0; i < 24; i++) list.push(monthAdd(y, m, -i));
  if (kind === 'quarter') for (let i = 0; i < 8; i++) {
    const k = (y * 4 + q - 1) - i;
    list.push(`${Math.floor(k / 4)}-Q${(k % 4) + 1}`);
  }
  if (kind === 'year') for (let i = 0; i < 3; i++) list.push(String(y - i));
  return list.map((value, i) => ({ value, label: periodTitle({ kind, value }) + (i === 0 ? '（至今）' : '') }));
}

function monthAdd(y: number, m: number, k: number): string {
  const d = new Date(Date.UTC(y, m - 1 + k, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

/** What opens first: the last whole month or quarter (the one a bulletin is due for), this year so far. */
export function defaultPeriod(kind: PeriodKind, now: Date): PeriodChoice {
  const opts = periodOptions(kind, now);
  return { kind, value: kind === 'year' ? opts[0].value : opts[1].value };
}

export function isPeriodChoice(kind: string, value: string): boolean {
  if (kind === 'month') return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
  if (kind === 'quarter') return /^\d{4}-Q[1-4]$/.test(value);
  if (kind === 'year') return /^\d{4}$/.test(value);
  return false;
}

/** Query parameters of the assessment API: a month or year as `period`, a quarter as `from`/`to` (local dates). */
export function periodQuery(c: PeriodChoice): Record<string, string> {
  if (c.kind !== 'quarter') return { period: c.value };
  const y = Number(c.value.slice(0, 4));
  const first = (Number(c.value.slice(6)) - 1) * 3 + 1;
  return { from: `${y}-${pad(first)}-01`, to: `${y}-${pad(first + 2)}-${lastDay(y, first + 2)}` };
}

/** The last month of the period, but not after the current month: where its 12-month trend ends. */
export function trendEnd(c: PeriodChoice, now: Date): string {
  const { y, m } = ym(now);
  const current = `${y}-${pad(m)}`;
  const end = c.kind === 'month' ? c.value : c.kind === 'year' ? `${c.value}-12` : `${c.value.slice(0, 4)}-${pad(Number(c.value.slice(6)) * 3)}`;
  return end > current ? current : end;
}

/** The months a period covers (`2026-07`, `2026-08`, `2026-09` for 2026-Q3), to mark them on the trend. */
export function periodMonths(c: PeriodChoice): string[] {
  const y = Number(c.value.slice(0, 4));
  if (c.kind === 'month') return [c.value];
  if (c.kind === 'year') return Array.from({ length: 12 }, (_, i) => `${y}-${pad(i + 1)}`);
  const first = (Number(c.value.slice(6)) - 1) * 3 + 1;
  return [0, 1, 2].map((i) => `${y}-${pad(first + i)}`);
}

/** "2026-10-01 至 2026-10-31" of a half-open [from, to) in China Standard Time. */
export function periodRange(p: { from: string; to: string }): string {
  const day = (t: number) => new Date(t + CST).toISOString().slice(0, 10);
  return `${day(Date.parse(p.from))} 至 ${day(Date.parse(p.to) - 1)}`;
}

/** Bulletins are monthly: the month of a month period, else null. */
export const bulletinMonth = (c: PeriodChoice): string | null => (c.kind === 'month' ? c.value : null);

/**
 * The period manual inputs of a scheme are entered under (the API keeps them per month or per year), or why
 * they cannot be entered for this choice.
 */
export function inputPeriod(c: PeriodChoice, annual: 'recompute' | 'mean-of-months'): { label: string } | { reason: string } {
  if (c.kind === 'month') return { label: c.value };
  if (c.kind === 'quarter') return { reason: '季度考核不单独录入人工评分项（按各项默认值计分）；请按月或按年录入。' };
  if (annual === 'mean-of-months') return { reason: '该方案的年度成绩为各月成绩的平均值，人工评分项请按月录入。' };
  return { label: c.value };
}

// ------------------------------------------------------------------------------------------------ numbers

/** Decimal rounding half away from zero that survives binary fractions (as api/domain/assessment/metrics.ts). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  const r = Math.round(Number((Math.abs(x) * f).toPrecision(12)));
  return (Math.sign(x) * r) / f || 0;
}

/** "57.58%" as the bulletins print it; "—" without a denominator. */
export function percent(v: number | null, digits = 2): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return `${round(v * 100, digits).toFixed(digits)}%`;
}

export const int = (n: number) => n.toLocaleString('zh-CN');
export const fixed2 = (n: number) => round(n, 2).toFixed(2);

export type Dir = 'up' | 'down' | 'flat' | 'none';

/** Change of a rate in percentage points: "▲2.4" / "▼0.7" / "持平"; none without both values. */
export function rateChange(cur: Rate, prev: Rate): { text: string; dir: Dir; points: number | null } {
  if (cur.value === null || prev.value === null) return { text: '', dir: 'none', points: null };
  const points = round((cur.value - prev.value) * 100, 1);
  if (points === 0) return { text: '持平', dir: 'flat', points };
  return { text: `${points > 0 ? '▲' : '▼'}${Math.abs(points).toFixed(1)}`, dir: points > 0 ? 'up' : 'down', points };
}

/** Change of a count: "▲12" / "▼3" / "持平". */
export function countChange(cur: number, prev: number): { text: string; dir: Dir } {
  if (cur === prev) return { text: '持平', dir: 'flat' };
  return { text: `${cur > prev ? '▲' : '▼'}${int(Math.abs(cur - prev))}`, dir: cur > prev ? 'up' : 'down' };
}

/** The value of a per-group number for a group (its own key, else "*", else the largest: as the API). */
export function forGroup(v: GroupNumber, group: string | null): number {
  if (typeof v === 'number') return v;
  if (group !== null && Object.hasOwn(v, group)) return v[group];
  if (Object.hasOwn(v, '*')) return v['*'];
  return Math.max(...Object.values(v));
}

// ------------------------------------------------------------------------------------------------ sorting

export type SortDir = 'asc' | 'desc';
export type Sort = { key: string; dir: SortDir } | null;

/** Clicking a header: a new column sorts numbers largest first and text A→Z; again reverses; a third time restores the API's order. */
export function nextSort(s: Sort, key: string, numeric: boolean): Sort {
  const first: SortDir = numeric ? 'desc' : 'asc';
  if (!s || s.key !== key) return { key, dir: first };
  if (s.dir === first) return { key, dir: first === 'desc' ? 'asc' : 'desc' };
  return null;
}

const collator = new Intl.Collator('zh-CN', { numeric: true });

/** Stable sort by a value; missing values (null: no denominator, no rank) last in either direction. */
export function sortRows<T>(rows: readonly T[], value: (r: T) => number | string | null, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: value(r) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === 'string' || typeof b.v === 'string' ? collator.compare(String(a.v), String(b.v)) : a.v - b.v;
      return c ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

// ------------------------------------------------------------------------------------------------ charts

/** y range of a rate chart: 0–100 % widened to the data (rates can pass 100 %, see the README), never degenerate. */
export function rateDomain(values: (number | null)[]): [number, number] {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const lo = v.length ? Math.max(0, Math.floor(Math.min(...v) * 10 - 0.5) / 10) : 0;
  const hi = Math.max(1, v.length ? Math.ceil(Math.max(...v) * 10) / 10 : 1);
  return [Math.min(lo, hi - 0.1), hi];
}

/** SVG path through the points, broken where a value is missing. */
export function linePath(points: ({ x: number; y: number } | null)[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!p) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    pen = true;
  }
  return d;
}
