/**
 * Work calendar and deadlines (DESIGN.md §5.1). Pure: no I/O, no clock, no dependence on the machine's TZ.
 *
 * All local-time arithmetic is done on "local ms" = UTC ms + the calendar's fixed UTC offset
 * (Asia/Shanghai has had no DST since 1991, so a fixed +08:00 is exact for every date we handle).
 * Only getTime()/Date.UTC/toISOString are used — never getHours() & co., which read the host TZ.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type TimeLimitUnit = 'work_hours' | 'work_days' | 'calendar_hours';
export const TIME_LIMIT_UNITS: readonly TimeLimitUnit[] = ['work_hours', 'work_days', 'calendar_hours'];

export interface TimeLimit {
  value: number;
  unit: TimeLimitUnit;
}

export interface WorkPeriod {
  from: string; // "08:30"
  to: string; // "12:00"
  startMs: number; // ms after local midnight
  endMs: number;
}

export interface CalendarYear {
  year: number;
  provisional: boolean; // true = not (yet) the published notice, an estimate
  source?: string;
  note?: string;
}

export interface WorkCalendar {
  name: string;
  timezone: string;
  utcOffsetMinutes: number;
  workPeriods: readonly WorkPeriod[]; // sorted, non-overlapping
  dailyWorkMs: number; // work time of one workday
  weekend: ReadonlySet<number>; // ISO weekdays, 1 = Monday … 7 = Sunday
  holidays: ReadonlyMap<string, string>; // local date "YYYY-MM-DD" → holiday name (day off)
  makeUpWorkdays: ReadonlyMap<string, string>; // local date → holiday it makes up for (调休上班)
  years: ReadonlyMap<number, CalendarYear>; // years whose holidays are listed; others: weekends only
}

/** A calendar file that does not validate; `field` is the JSON path of the offending value. */
export class CalendarError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'CalendarError';
  }
}

// ---------------------------------------------------------------------------------------------- parsing

const TIME_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const OFFSET_RE = /^([+-])(\d{2}):(\d{2})$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseTime(v: unknown, field: string): number {
  const m = typeof v === 'string' ? TIME_RE.exec(v) : null;
  if (!m || (m[1] === '24' && m[2] !== '00')) throw new CalendarError(field, `expected a time "HH:MM" (00:00–24:00), got ${JSON.stringify(v)}`);
  return (Number(m[1]) * 60 + Number(m[2])) * MINUTE_MS;
}

/** Day number (days since 1970-01-01) of a valid "YYYY-MM-DD", else throws naming the field. */
function parseDate(v: unknown, field: string): number {
  const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) === v) return ms / DAY_MS;
  }
  throw new CalendarError(field, `expected a date "YYYY-MM-DD", got ${JSON.stringify(v)}`);
}

function optString(o: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new CalendarError(`${field}.${key}`, 'expected a string');
  return v;
}

function reqString(o: Record<string, unknown>, key: string, field: string): string {
  const v = optString(o, key, field);
  if (v === undefined || v === '') throw new CalendarError(`${field}.${key}`, 'required');
  return v;
}

function reqArray(o: Record<string, unknown>, key: string, field: string): unknown[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v)) throw new CalendarError(`${field}.${key}`, 'expected an array');
  return v;
}

/** Validates a calendar JSON document (format: geodata/calendar/README.md). Throws CalendarError. */
export function parseCalendar(json: unknown): WorkCalendar {
  if (!isObject(json)) throw new CalendarError('$', 'expected a JSON object');
  const name = optString(json, 'name', '$') ?? 'calendar';
  const timezone = reqString(json, 'timezone', '$');
  const off = OFFSET_RE.exec(reqString(json, 'utcOffset', '$'));
  if (!off || Number(off[2]) > 14 || Number(off[3]) > 59) throw new CalendarError('utcOffset', `expected "+HH:MM", got ${JSON.stringify(json.utcOffset)}`);
  const utcOffsetMinutes = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));

  // Work periods: valid, non-empty, non-overlapping (touching is fine).
  const rawPeriods = reqArray(json, 'workPeriods', '$');
  if (rawPeriods.length === 0) throw new CalendarError('workPeriods', 'at least one work period is required');
  const periods = rawPeriods.map((p, i): WorkPeriod & { field: string } => {
    const field = `workPeriods[${i}]`;
    if (!isObject(p)) throw new CalendarError(field, 'expected {"from": "HH:MM", "to": "HH:MM"}');
    const startMs = parseTime(p.from, `${field}.from`);
    const endMs = parseTime(p.to, `${field}.to`);
    if (endMs <= startMs) throw new CalendarError(`${field}.to`, `must be after from (${String(p.from)})`);
    return { from: p.from as string, to: p.to as string, startMs, endMs, field };
  });
  periods.sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < periods.length; i++) {
    if (periods[i].startMs < periods[i - 1].endMs) {
      throw new CalendarError(periods[i].field, `overlaps ${periods[i - 1].field} (${periods[i - 1].from}–${periods[i - 1].to})`);
    }
  }

  const rawWeekend = reqArray(json, 'weekend', '$');
  const weekend = new Set<number>();
  rawWeekend.forEach((d, i) => {
    if (!Number.isInteger(d) || (d as number) < 1 || (d as number) > 7) throw new CalendarError(`weekend[${i}]`, `expected an ISO weekday 1–7, got ${JSON.stringify(d)}`);
    weekend.add(d as number);
  });
  if (weekend.size === 7) throw new CalendarError('weekend', 'a calendar needs at least one working weekday');

  const holidays = new Map<string, string>();
  const makeUpWorkdays = new Map<string, string>();
  const years = new Map<number, CalendarYear>();
  const holidayField = new Map<string, string>();
  const rawYears = json.years ?? {};
  if (!isObject(rawYears)) throw new CalendarError('years', 'expected an object keyed by year');
  for (const [key, y] of Object.entries(rawYears)) {
    const field = `years.${key}`;
    if (!/^\d{4}$/.test(key)) throw new CalendarError(field, 'year keys must be four digits');
    if (!isObject(y)) throw new CalendarError(field, 'expected an object');
    const year = Number(key);
    const provisional = y.provisional ?? false;
    if (typeof provisional !== 'boolean') throw new CalendarError(`${field}.provisional`, 'expected true or false');
    years.set(year, { year, provisional, source: optString(y, 'source', field), note: optString(y, 'note', field) });

    reqArray(y, 'holidays', field).forEach((h, i) => {
      const hf = `${field}.holidays[${i}]`;
      if (!isObject(h)) throw new CalendarError(hf, 'expected {"name", "from", "to"}');
      const hname = reqString(h, 'name', hf);
      const from = parseDate(h.from, `${hf}.from`);
      const to = parseDate(h.to ?? h.from, `${hf}.to`);
      if (to < from) throw new CalendarError(`${hf}.to`, 'must not be before from');
      if (to - from > 31) throw new CalendarError(`${hf}.to`, 'a holiday longer than a month is surely a typo');
      if (dateOfDay(to).slice(0, 4) !== key) throw new CalendarError(`${hf}.to`, `must fall in ${key}`);
      for (let d = from; d <= to; d++) {
        const ds = dateOfDay(d);
        if (holidays.has(ds)) throw new CalendarError(hf, `${ds} is already a holiday in ${holidayField.get(ds)}`);
        holidays.set(ds, hname);
        holidayField.set(ds, hf);
      }
    });
    reqArray(y, 'workdays', field).forEach((w, i) => {
      const wf = `${field}.workdays[${i}]`;
      if (!isObject(w)) throw new CalendarError(wf, 'expected {"date", "for"}');
      const day = parseDate(w.date, `${wf}.date`);
      const ds = dateOfDay(day);
      if (ds.slice(0, 4) !== key) throw new CalendarError(`${wf}.date`, `must fall in ${key}`);
      // 调休 moves work onto a rest day; a make-up "workday" on a weekday is a typo.
      if (!weekend.has(isoWeekdayOfDay(day))) throw new CalendarError(`${wf}.date`, `${ds} is not a weekend day, so it cannot be a make-up workday`);
      if (makeUpWorkdays.has(ds)) throw new CalendarError(`${wf}.date`, `${ds} is listed twice`);
      makeUpWorkdays.set(ds, optString(w, 'for', wf) ?? '');
    });
  }
  for (const ds of makeUpWorkdays.keys()) {
    if (holidays.has(ds)) throw new CalendarError(holidayField.get(ds)!, `${ds} is both a holiday and a make-up workday`);
  }

  const workPeriods = periods.map(({ from, to, startMs, endMs }) => ({ from, to, startMs, endMs }));
  const dailyWorkMs = workPeriods.reduce((s, p) => s + p.endMs - p.startMs, 0);
  return { name, timezone, utcOffsetMinutes, workPeriods, dailyWorkMs, weekend, holidays, makeUpWorkdays, years };
}

// ------------------------------------------------------------------------------------------ local time

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday) of a day number; day 0 (1970-01-01) was a Thursday. */
function isoWeekdayOfDay(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function offsetMs(cal: WorkCalendar): number {
  return cal.utcOffsetMinutes * MINUTE_MS;
}

/** Local day number of an instant. */
function localDay(ms: number, cal: WorkCalendar): number {
  return Math.floor((ms + offsetMs(cal)) / DAY_MS);
}

/** UTC ms of local midnight starting a local day. */
function midnightOf(day: number, cal: WorkCalendar): number {
  return day * DAY_MS - offsetMs(cal);
}

/** Local calendar date "YYYY-MM-DD" of an instant. */
export function localDate(instant: Date, cal: WorkCalendar): string {
  return dateOfDay(localDay(instant.getTime(), cal));
}

/** Local wall-clock "YYYY-MM-DD HH:MM:SS" of an instant (for messages and tests). */
export function formatLocal(instant: Date, cal: WorkCalendar): string {
  return new Date(instant.getTime() + offsetMs(cal)).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant of a local date and time, e.g. atLocal("2025-01-27", "09:00", cal). */
export function atLocal(date: string, time: string, cal: WorkCalendar): Date {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) throw new RangeError(`not a time HH:MM[:SS]: ${time}`);
  const ms = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1000;
  return new Date(midnightOf(parseDate(date, 'date'), cal) + ms);
}

function isWorkdayNumber(day: number, cal: WorkCalendar): boolean {
  const ds = dateOfDay(day);
  if (cal.makeUpWorkdays.has(ds)) return true;
  if (cal.holidays.has(ds)) return false;
  return !cal.weekend.has(isoWeekdayOfDay(day));
}

/** Whether a local date "YYYY-MM-DD" is a workday: 调休 workdays yes, holidays no, else not a weekend day.
 *  Years the calendar does not list are treated as weekends-only. */
export function isWorkday(date: string, cal: WorkCalendar): boolean {
  return isWorkdayNumber(parseDate(date, 'date'), cal);
}

/** Whether the instant lies inside a work period of a workday (periods are half-open [from, to)). */
export function isWorkTime(instant: Date, cal: WorkCalendar): boolean {
  const ms = instant.getTime();
  const day = localDay(ms, cal);
  if (!isWorkdayNumber(day, cal)) return false;
  const t = ms - midnightOf(day, cal);
  return cal.workPeriods.some((p) => t >= p.startMs && t < p.endMs);
}

// ------------------------------------------------------------------------------------- work time

/** Milliseconds of work time in [a, b); negative when b is before a. */
export function workTimeBetween(a: Date, b: Date, cal: WorkCalendar): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -workTimeBetween(b, a, cal);
  let total = 0;
  for (let day = localDay(from, cal), last = localDay(to, cal); day <= last; day++) {
    if (!isWorkdayNumber(day, cal)) continue;
    const mid = midnightOf(day, cal);
    for (const p of cal.workPeriods) {
      const s = Math.max(mid + p.startMs, from);
      const e = Math.min(mid + p.endMs, to);
      if (e > s) total += e - s;
    }
  }
  return total;
}

/** The earliest instant at which `workMs` of work time has passed since `start` (start itself for 0). */
export function addWorkTime(start: Date, workMs: number, cal: WorkCalendar): Date {
  if (!(workMs >= 0) || !Number.isFinite(workMs)) throw new RangeError(`work time must be a finite ms ≥ 0, got ${workMs}`);
  const from = start.getTime();
  let remaining = workMs;
  if (remaining === 0) return new Date(from);
  for (let day = localDay(from, cal); ; day++) {
    if (!isWorkdayNumber(day, cal)) continue;
    const mid = midnightOf(day, cal);
    // Whole workday strictly after the start: skip it in one step (long limits stay cheap).
    if (mid >= from && remaining > cal.dailyWorkMs) {
      remaining -= cal.dailyWorkMs;
      continue;
    }
    for (const p of cal.workPeriods) {
      const s = Math.max(mid + p.startMs, from);
      const e = mid + p.endMs;
      if (e <= s) continue;
      if (e - s >= remaining) return new Date(s + remaining);
      remaining -= e - s;
    }
  }
}

function checkLimit(limit: TimeLimit): void {
  if (!TIME_LIMIT_UNITS.includes(limit.unit)) throw new RangeError(`unknown time limit unit: ${String(limit.unit)}`);
  if (!Number.isFinite(limit.value) || limit.value < 0) throw new RangeError(`time limit must be a finite number ≥ 0, got ${limit.value}`);
}

/** Length of a limit in its own measure: work ms for work units, plain ms for calendar hours. */
export function limitMs(limit: TimeLimit, cal: WorkCalendar): number {
  checkLimit(limit);
  switch (limit.unit) {
    case 'work_hours':
    case 'calendar_hours':
      return Math.round(limit.value * HOUR_MS);
    case 'work_days':
      return Math.round(limit.value * cal.dailyWorkMs);
  }
}

/** Time between a and b in the unit's measure (work time for work units, wall time for calendar hours). */
export function timeBetween(a: Date, b: Date, unit: TimeLimitUnit, cal: WorkCalendar): number {
  return unit === 'calendar_hours' ? b.getTime() - a.getTime() : workTimeBetween(a, b, cal);
}

function advance(start: Date, ms: number, unit: TimeLimitUnit, cal: WorkCalendar): Date {
  return unit === 'calendar_hours' ? new Date(start.getTime() + ms) : addWorkTime(start, ms, cal);
}

/**
 * Deadline = start + limit counted on the calendar.
 *
 * - work_hours: the earliest instant at which N hours of work time (inside work periods of workdays) have
 *   passed. A start outside work time begins counting at the next work period; a deadline that lands on the
 *   end of a period stays there (12:00, not 14:00).
 * - work_days: N × (work time of one workday), counted the same way. Hence for a start inside a work period
 *   the deadline is the same local time N workdays later (holidays skipped, 调休 Saturdays counted); for a
 *   start before opening, after closing or on a rest day it is the end of the N-th workday's work time
 *   (registered Saturday, 1 work day → Monday 18:00; Monday 07:00 → Monday 18:00). A start exactly at the
 *   beginning of a period, or in the lunch break, ends at the end of the preceding period instead of at the
 *   same clock time (Mon 14:00 + 1 → Tue 12:00): the same amount of work time, and the earliest such instant.
 *   Either way workTimeBetween(start, deadline) = N × daily work time exactly.
 * - calendar_hours: start + N hours of wall time.
 */
export function computeDeadline(start: Date, limit: TimeLimit, cal: WorkCalendar): Date {
  return advance(start, limitMs(limit, cal), limit.unit, cal);
}

/** 延期: the deadline moves by another limit, counted on from the current deadline. */
export function extendDeadline(deadline: Date, extendBy: TimeLimit, cal: WorkCalendar): Date {
  return computeDeadline(deadline, extendBy, cal);
}

/**
 * 挂账 then resume: the clock stood still from suspendedAt to resumedAt, so whatever remained of the limit
 * at suspension (in the unit's measure) is counted on from resumedAt. A case suspended after its deadline had
 * already passed keeps that deadline: a pause cannot undo an overdue.
 */
export function resumeDeadline(deadline: Date, suspendedAt: Date, resumedAt: Date, unit: TimeLimitUnit, cal: WorkCalendar): Date {
  if (resumedAt.getTime() < suspendedAt.getTime()) throw new RangeError('resumedAt is before suspendedAt');
  if (suspendedAt.getTime() >= deadline.getTime()) return deadline;
  return advance(resumedAt, timeBetween(suspendedAt, deadline, unit, cal), unit, cal);
}

// ---------------------------------------------------------------------------------------------- light

export type Light = 'green' | 'yellow' | 'red';

export interface LightInput {
  registeredAt: Date;
  deadline: Date; // current deadline, after extensions and suspensions
  limit: TimeLimit; // its unit decides whether work time or wall time is measured
  suspendedAt?: Date | null; // while suspended the clock is paused at this instant
}

/** Fraction of the time from registration to the deadline already used (0 … >1), in the limit's measure. */
export function usedFraction(now: Date, c: LightInput, cal: WorkCalendar): number {
  const at = c.suspendedAt && c.suspendedAt.getTime() < now.getTime() ? c.suspendedAt : now;
  const total = timeBetween(c.registeredAt, c.deadline, c.limit.unit, cal);
  const used = timeBetween(c.registeredAt, at, c.limit.unit, cal);
  if (total <= 0) return at.getTime() >= c.registeredAt.getTime() ? 1 : 0;
  return used / total;
}

/**
 * 亮灯 of an open case: red once `now` is after the deadline, yellow when ≥ yellowAt (default 80 %) of the time
 * from registration to the (current) deadline is used, else green. A suspended case is judged at the moment it
 * was suspended (its clock is paused). After a resumed suspension the paused work time counts as used in this
 * ratio (the cases table keeps only wall-clock suspended_seconds), so yellow comes a little early; red is exact.
 */
export function light(now: Date, c: LightInput, cal: WorkCalendar, opts: { yellowAt?: number } = {}): Light {
  const yellowAt = opts.yellowAt ?? 0.8;
  const at = c.suspendedAt && c.suspendedAt.getTime() < now.getTime() ? c.suspendedAt : now;
  if (at.getTime() > c.deadline.getTime()) return 'red';
  return usedFraction(now, c, cal) >= yellowAt ? 'yellow' : 'green';
}

export type Timeliness = 'on_time' | 'overdue';

/** 按期 / 超期 of a closed case: closed after its (final) deadline is overdue, whatever happened before. */
export function closedTimeliness(closedAt: Date, deadline: Date): Timeliness {
  return closedAt.getTime() > deadline.getTime() ? 'overdue' : 'on_time';
}
