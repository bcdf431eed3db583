/**
 * Assessment periods (考核周期): a month `2026-10`, a year `2026`, or a day range `from`…`to` (both dates local and
 * inclusive, as bulletins print them: "2023-01-01 00:00:00 至 2023-01-31 23:59:59"). Local time is a fixed UTC
 * offset (China has had no daylight saving since 1991), so this needs no time-zone database — PGlite has none.
 * A period is half-open [from, to) in instants; its state is read as of `to` (what had happened by then).
 * Pure: no I/O, no host time zone.
 */

export interface AssessmentPeriod {
  /** `2026-10`, `2026`, or `2026-10-01~2026-10-15` (the key manual inputs are stored under) */
  label: string;
  kind: 'month' | 'year' | 'range';
  from: Date;
  to: Date;
}

export class PeriodError extends Error {
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
  }
}

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

/** Milliseconds of "+08:00" / "-05:30". */
export function offsetMs(utcOffset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset);
  if (!m) throw new Error(`utcOffset must look like +08:00, got ${utcOffset}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/** The instant of local midnight of y-m-d (month and day may overflow: Date.UTC normalises). */
const midnight = (y: number, m0: number, d: number, off: number) => new Date(Date.UTC(y, m0, d) - off);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local "YYYY-MM-DD" of an instant. */
export function localDate(t: Date, off: number): string {
  return new Date(t.getTime() + off).toISOString().slice(0, 10);
}

export function monthPeriod(year: number, month: number, off: number): AssessmentPeriod {
  return { label: `${year}-${pad(month)}`, kind: 'month', from: midnight(year, month - 1, 1, off), to: midnight(year, month, 1, off) };
}

export function yearPeriod(year: number, off: number): AssessmentPeriod {
  return { label: String(year), kind: 'year', from: midnight(year, 0, 1, off), to: midnight(year + 1, 0, 1, off) };
}

function parseDate(param: string, s: string): { y: number; m: number; d: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new PeriodError(param, `must be a date YYYY-MM-DD, got "${s}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new PeriodError(param, `"${s}" is not a calendar date`);
  }
  return { y, m: mo, d };
}

function checkYear(param: string, y: number) {
  if (y < 2000 || y > 2100) throw new PeriodError(param, `year ${y} is outside 2000–2100`);
}

/** `period=YYYY-MM | YYYY`, or `from` + `to` (local dates, inclusive). Throws PeriodError naming the parameter. */
export function parsePeriod(q: { period?: string; from?: string; to?: string }, utcOffset = '+08:00'): AssessmentPeriod {
  const off = offsetMs(utcOffset);
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined) throw new PeriodError('period', 'give either period or from/to, not both');
    const month = /^(\d{4})-(\d{2})$/.exec(q.period);
    if (month) {
      const y = Number(month[1]);
      const m = Number(month[2]);
      checkYear('period', y);
      if (m < 1 || m > 12) throw new PeriodError('period', `month ${month[2]} is not 01–12`);
      return monthPeriod(y, m, off);
    }
    if (/^\d{4}$/.test(q.period)) {
      checkYear('period', Number(q.period));
      return yearPeriod(Number(q.period), off);
    }
    throw new PeriodError('period', `must be YYYY-MM (a month) or YYYY (a year), got "${q.period}"`);
  }
  if (q.from === undefined && q.to === undefined) throw new PeriodError('period', 'is required (YYYY-MM or YYYY), or from and to (YYYY-MM-DD)');
  if (q.from === undefined) throw new PeriodError('from', 'is required with to');
  if (q.to === undefined) throw new PeriodError('to', 'is required with from');
  const a = parseDate('from', q.from);
  const b = parseDate('to', q.to);
  checkYear('from', a.y);
  checkYear('to', b.y);
  const from = midnight(a.y, a.m - 1, a.d, off);
  const to = midnight(b.y, b.m - 1, b.d + 1, off); // inclusive last day
  if (to <= from) throw new PeriodError('to', 'must not be before from');
  if ((to.getTime() - from.getTime()) / DAY_MS > MAX_RANGE_DAYS) throw new PeriodError('to', `the range may span at most ${MAX_RANGE_DAYS} days`);
  // A whole calendar month or year given as a range is that month or year (same label, same manual inputs).
  if (a.d === 1 && b.d === new Date(Date.UTC(b.y, b.m, 0)).getUTCDate()) {
    if (a.y === b.y && a.m === b.m) return monthPeriod(a.y, a.m, off);
    if (a.y === b.y && a.m === 1 && b.m === 12) return yearPeriod(a.y, off);
  }
  return { label: `${q.from}~${q.to}`, kind: 'range', from, to };
}

/**
 * 上期: the month before, the year before; for a range of whole months (a quarter, 2026-07-01~2026-09-30) the same
 * number of months just before (2026-04-01~2026-06-30, not 92 days from 03-31); for any other range the same
 * number of days just before.
 */
export function previousPeriod(p: AssessmentPeriod, utcOffset = '+08:00'): AssessmentPeriod {
  const off = offsetMs(utcOffset);
  const local = new Date(p.from.getTime() + off);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + 1;
  if (p.kind === 'month') return m === 1 ? monthPeriod(y - 1, 12, off) : monthPeriod(y, m - 1, off);
  if (p.kind === 'year') return yearPeriod(y - 1, off);
  const end = new Date(p.to.getTime() + off); // local midnight after the last day
  if (local.getUTCDate() === 1 && end.getUTCDate() === 1) {
    const months = end.getUTCFullYear() * 12 + end.getUTCMonth() - (y * 12 + m - 1);
    const from = midnight(y, m - 1 - months, 1, off);
    return { label: `${localDate(from, off)}~${localDate(new Date(p.from.getTime() - DAY_MS), off)}`, kind: 'range', from, to: p.from };
  }
  const days = Math.round((p.to.getTime() - p.from.getTime()) / DAY_MS);
  const from = new Date(p.from.getTime() - days * DAY_MS);
  const to = p.from;
  return { label: `${localDate(from, off)}~${localDate(new Date(to.getTime() - DAY_MS), off)}`, kind: 'range', from, to };
}

/** The n months ending with month p, oldest first (a trend's months). */
export function monthsEnding(p: AssessmentPeriod, n: number, utcOffset = '+08:00'): AssessmentPeriod[] {
  if (p.kind !== 'month') throw new Error(`monthsEnding needs a month, got ${p.label}`);
  const off = offsetMs(utcOffset);
  const local = new Date(p.from.getTime() + off);
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - (n - 1 - i), 1));
    return monthPeriod(d.getUTCFullYear(), d.getUTCMonth() + 1, off);
  });
}

/** The months of a year period (for schemes whose yearly score is the mean of the monthly ones). */
export function monthsOf(p: AssessmentPeriod, utcOffset = '+08:00'): AssessmentPeriod[] {
  if (p.kind !== 'year') return [p];
  const off = offsetMs(utcOffset);
  const y = new Date(p.from.getTime() + off).getUTCFullYear();
  return Array.from({ length: 12 }, (_, i) => monthPeriod(y, i + 1, off));
}

/** "2026年10月" / "2026年" / "2026-10-01至2026-10-15" for Chinese text. */
export function periodTitle(p: AssessmentPeriod): string {
  if (p.kind === 'month') return `${p.label.slice(0, 4)}年${Number(p.label.slice(5, 7))}月`;
  if (p.kind === 'year') return `${p.label}年`;
  return p.label.replace('~', '至');
}
