/**
 * Case ids: county code (6) + local registration date yyyymmdd (8) + daily serial (5), e.g. 4502032026010100123.
 * Never a bare sequence: the id says where and when, and stays unique when districts are sharded apart.
 */
import { localDate, type WorkCalendar } from './calendar.ts';

export const CASE_ID_RE = /^(\d{6})(\d{8})(\d{5})$/;
export const MAX_DAILY_SERIAL = 99_999;

/** The local day an id is issued on, "YYYY-MM-DD" in the calendar's time zone (not the host's). */
export function caseDay(at: Date, cal: WorkCalendar): string {
  return localDate(at, cal);
}

export function formatCaseId(county: string, day: string, serial: number): string {
  if (!/^\d{6}$/.test(county)) throw new RangeError(`county code must be 6 digits, got "${county}"`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`day must be YYYY-MM-DD, got "${day}"`);
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_DAILY_SERIAL) {
    throw new RangeError(`daily serial must be 1…${MAX_DAILY_SERIAL}, got ${serial}`);
  }
  return county + day.replaceAll('-', '') + String(serial).padStart(5, '0');
}

export interface ParsedCaseId {
  county: string;
  day: string; // YYYY-MM-DD
  serial: number;
}

/** Splits a case id; null when it is not one (wrong length, non-digits, impossible date, serial 0). */
export function parseCaseId(id: string): ParsedCaseId | null {
  const m = CASE_ID_RE.exec(id);
  if (!m) return null;
  const day = `${m[2].slice(0, 4)}-${m[2].slice(4, 6)}-${m[2].slice(6, 8)}`;
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) return null;
  const serial = Number(m[3]);
  if (serial < 1) return null;
  return { county: m[1], day, serial };
}
