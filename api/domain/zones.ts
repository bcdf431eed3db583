/**
 * Order-grade zones (市容秩序等级区域) at intake, DESIGN.md §5.3. Pure: the zones a point falls in come from SQL;
 * whether the case is a zone violation and how the zone class shortens the time limit are decided here.
 */
import type { TimeLimit } from './calendar.ts';

export type ZoneLevel = 'prohibited' | 'restricted' | 'key';
export type ZoneClass = 'A' | 'B' | 'C';
export type ZoneViolationLevel = 'prohibited' | 'restricted';

/** An allowed window of a restricted zone, local time: ISO weekdays (1 = Monday; absent = every day), [from, to). */
export interface ZoneWindow {
  days?: number[];
  from: string; // "HH:MM"
  to: string; // "HH:MM"; before `from` = over midnight (a night market 22:00–02:00); equal = the whole day
}

export interface ZoneAtPoint {
  id: string;
  name: string;
  level: ZoneLevel;
  windows: ZoneWindow[];
  /** "event:0501" keys (kind:minor). Empty = the zone governs no category: never a violation. */
  governedMinors: string[];
  timeLimitClass: ZoneClass | null;
}

export interface ZoneViolation {
  level: ZoneViolationLevel;
  zoneId: string;
}

const DAY_MIN = 24 * 60;

function minutesOf(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && v <= DAY_MIN ? v : null;
}

/** Local ISO weekday (1–7) and minute of the day of an instant, at a fixed UTC offset (no host TZ). */
export function localClock(at: Date, utcOffsetMinutes: number): { weekday: number; minute: number } {
  const localMin = Math.floor(at.getTime() / 60_000) + utcOffsetMinutes;
  const day = Math.floor(localMin / DAY_MIN);
  return { weekday: ((((day + 3) % 7) + 7) % 7) + 1, minute: localMin - day * DAY_MIN }; // day 0 was a Thursday
}

/** Whether the instant lies in the window. A window over midnight belongs to the day it starts on.
 *  A malformed window (bad time) never matches, so it cannot excuse a violation. */
export function inWindow(at: Date, w: ZoneWindow, utcOffsetMinutes: number): boolean {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  if (from === null || to === null) return false;
  const { weekday, minute } = localClock(at, utcOffsetMinutes);
  const onDay = (d: number) => !w.days || w.days.length === 0 || w.days.includes(d);
  if (from === to) return onDay(weekday);
  if (from < to) return onDay(weekday) && minute >= from && minute < to;
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  return (onDay(weekday) && minute >= from) || (onDay(yesterday) && minute < to);
}

/**
 * A case is a zone violation when its category is governed by a prohibited zone it falls in, or by a restricted
 * zone and `at` is outside every allowed window of that zone (no windows = never allowed). Prohibited wins over
 * restricted; among zones of one level the first by id is named.
 */
export function zoneViolation(zones: readonly ZoneAtPoint[], minorKey: string, at: Date, utcOffsetMinutes: number): ZoneViolation | null {
  const governing = zones.filter((z) => z.governedMinors.includes(minorKey)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const prohibited = governing.find((z) => z.level === 'prohibited');
  if (prohibited) return { level: 'prohibited', zoneId: prohibited.id };
  const restricted = governing.find((z) => z.level === 'restricted' && !z.windows.some((w) => inWindow(at, w, utcOffsetMinutes)));
  return restricted ? { level: 'restricted', zoneId: restricted.id } : null;
}

export type ZoneTimeLimitFactors = Readonly<Record<ZoneClass, number>>;

/** Default shortening of the time limit by zone class: core area (A) halves it, B three quarters, C unchanged. */
export const DEFAULT_ZONE_TIME_LIMIT_FACTORS: ZoneTimeLimitFactors = { A: 0.5, B: 0.75, C: 1 };

/**
 * The time limit of a case in these zones: the taxonomy's limit times the strictest (smallest) factor of the
 * zone classes present; unchanged when no zone has a class. Returns the class that applied.
 */
export function zoneTimeLimit(limit: TimeLimit, zones: readonly Pick<ZoneAtPoint, 'timeLimitClass'>[], factors: ZoneTimeLimitFactors): { limit: TimeLimit; zoneClass: ZoneClass | null } {
  let best: ZoneClass | null = null;
  for (const z of zones) {
    if (z.timeLimitClass && (best === null || factors[z.timeLimitClass] < factors[best])) best = z.timeLimitClass;
  }
  if (best === null || factors[best] === 1) return { limit, zoneClass: best };
  return { limit: { value: Math.round(limit.value * factors[best] * 1000) / 1000, unit: limit.unit }, zoneClass: best };
}

/** Parses ZONE_TIME_LIMIT_FACTORS ('{"A":0.5,"B":0.75,"C":1}'); each factor in (0, 1]. Throws naming the key. */
export function parseZoneFactors(json: string): ZoneTimeLimitFactors {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error(`ZONE_TIME_LIMIT_FACTORS is not JSON: ${json}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('ZONE_TIME_LIMIT_FACTORS must be an object {"A":…, "B":…, "C":…}');
  const out = { ...DEFAULT_ZONE_TIME_LIMIT_FACTORS };
  for (const [k, f] of Object.entries(v)) {
    if (k !== 'A' && k !== 'B' && k !== 'C') throw new Error(`ZONE_TIME_LIMIT_FACTORS.${k}: zone classes are A, B and C`);
    if (typeof f !== 'number' || !(f > 0 && f <= 1)) throw new Error(`ZONE_TIME_LIMIT_FACTORS.${k} must be a number in (0, 1], got ${JSON.stringify(f)}`);
    out[k] = f;
  }
  return out;
}
