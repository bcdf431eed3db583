/**
 * Date-time parsing for legacy exports: a format pattern (yyyy MM dd HH hh mm ss a …, or "iso", "epoch",
 * "epoch_ms") plus an IANA time zone for wall-clock values, without a date library. Pure: the host TZ is never
 * read (only Date.UTC / getTime and Intl with an explicit timeZone).
 *
 * Tokens: yyyy yy  MMM (Jan…Dec) MM M  dd d  HH H (0–23)  hh h (1–12, needs a)  mm m  ss s  SSS S (fraction)
 * a (AM/PM, also am/pm, 上午/下午)  XXX (Z or ±HH:MM, ±HHMM; overrides the time zone).
 * Anything else is literal; text in single quotes is literal ('T'). Single-letter tokens take 1–2 digits.
 * Wall-clock times that do not exist (spring-forward gap) are moved forward by the gap; ambiguous ones
 * (fall-back) take the earlier instant.
 */

export type DateParser = (text: string) => Date | null;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

type Field = 'year' | 'yy' | 'monthName' | 'month' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'fraction' | 'ampm' | 'offset';

const TOKENS: [string, Field, string][] = [
  ['yyyy', 'year', '(\\d{4})'],
  ['yy', 'yy', '(\\d{2})'],
  ['MMM', 'monthName', '([A-Za-z]{3,9})'],
  ['MM', 'month', '(\\d{2})'],
  ['M', 'month', '(\\d{1,2})'],
  ['dd', 'day', '(\\d{2})'],
  ['d', 'day', '(\\d{1,2})'],
  ['HH', 'hour', '(\\d{2})'],
  ['H', 'hour', '(\\d{1,2})'],
  ['hh', 'hour12', '(\\d{2})'],
  ['h', 'hour12', '(\\d{1,2})'],
  ['mm', 'minute', '(\\d{2})'],
  ['m', 'minute', '(\\d{1,2})'],
  ['ss', 'second', '(\\d{2})'],
  ['s', 'second', '(\\d{1,2})'],
  ['SSS', 'fraction', '(\\d{1,9})'],
  ['S', 'fraction', '(\\d{1,9})'],
  ['a', 'ampm', '(AM|PM|am|pm|A\\.M\\.|P\\.M\\.|a\\.m\\.|p\\.m\\.|上午|下午)'],
  ['XXX', 'offset', '(Z|z|[+-]\\d{2}:?\\d{2})'],
];

/** Throws RangeError for a zone Intl does not know; returns the canonical name. */
export function checkTimeZone(tz: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

/**
 * Offset (ms, local − UTC) of a zone at an instant. Intl is slow (microseconds a call), so offsets are cached per
 * UTC day when the day has none of the zone's transitions (offset equal at both ends), else per quarter hour
 * (transitions fall on those).
 */
const zones = new Map<string, { fmt: Intl.DateTimeFormat; days: Map<number, number>; quarters: Map<number, number> }>();
const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;
const MIXED = Number.NaN; // marks a day with a transition

export function zoneOffsetMs(tz: string, utcMs: number): number {
  let z = zones.get(tz);
  if (!z) {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    z = { fmt, days: new Map(), quarters: new Map() };
    zones.set(tz, z);
  }
  const day = Math.floor(utcMs / DAY_MS);
  let off = z.days.get(day);
  if (off === undefined) {
    const a = intlOffset(z.fmt, day * DAY_MS);
    off = a === intlOffset(z.fmt, (day + 1) * DAY_MS - QUARTER_MS) ? a : MIXED;
    if (z.days.size > 100_000) z.days.clear();
    z.days.set(day, off);
  }
  if (!Number.isNaN(off)) return off;
  const q = Math.floor(utcMs / QUARTER_MS);
  let qo = z.quarters.get(q);
  if (qo === undefined) {
    qo = intlOffset(z.fmt, q * QUARTER_MS);
    if (z.quarters.size > 100_000) z.quarters.clear();
    z.quarters.set(q, qo);
  }
  return qo;
}

function intlOffset(fmt: Intl.DateTimeFormat, t: number): number {
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  // Years before 1 CE do not occur in case data; era is ignored.
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
}

/** The instant at which the wall clock in `tz` shows `localMs` (local fields encoded as if UTC). */
export function fromZonedWallClock(localMs: number, tz: string): number {
  // The offsets a day either side bracket any transition near this wall-clock time (as Temporal's "compatible").
  const before = zoneOffsetMs(tz, localMs - 86_400_000);
  const after = zoneOffsetMs(tz, localMs + 86_400_000);
  const tBefore = localMs - before;
  if (before === after || zoneOffsetMs(tz, tBefore) === before) return tBefore; // usual case; overlap → earlier
  const tAfter = localMs - after;
  if (zoneOffsetMs(tz, tAfter) === after) return tAfter;
  return tBefore; // in a gap: no such wall-clock time; read with the old offset = moved forward by the gap
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return leap ? 29 : MONTH_DAYS[month - 1];
}

/** Builds a UTC ms from local fields, or null when a field is out of range (Feb 30, 25:00 …). */
function localMsOf(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 24 || mi > 59 || s > 60) return null;
  if (h === 24 && (mi || s || ms)) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms);
  // Date.UTC maps years 0–99 to 1900–1999: rebuild explicitly for those.
  return y < 100 ? new Date(t).setUTCFullYear(y) : t;
}

function parseOffset(s: string): number {
  if (s === 'Z' || s === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(s)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

function fractionMs(f: string | undefined): number {
  return f ? Math.floor(Number(`0.${f}`) * 1000) : 0;
}

function instant(localMs: number | null, offset: string | undefined, tz: string): Date | null {
  if (localMs === null || Number.isNaN(localMs)) return null;
  return new Date(offset !== undefined ? localMs - parseOffset(offset) : fromZonedWallClock(localMs, tz));
}

/**
 * Compiles a format into a parser. `iso`: YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|±HH:MM] (date alone = midnight);
 * `epoch` / `epoch_ms`: Unix seconds / milliseconds. A value carrying its own offset ignores `tz`.
 * Throws an Error describing the problem for a format it cannot use.
 */
export function compileDateFormat(format: string, tz: string): DateParser {
  checkTimeZone(tz);
  const f = format.trim();
  if (f.toLowerCase() === 'iso') {
    return (text) => {
      const m = ISO_RE.exec(text.trim());
      if (!m) return null;
      const local = localMsOf(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), fractionMs(m[7]));
      return instant(local, m[8], tz);
    };
  }
  if (f === 'epoch' || f === 'epoch_ms') {
    const scale = f === 'epoch' ? 1000 : 1;
    return (text) => {
      const t = text.trim();
      if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
      return new Date(Number(t) * scale);
    };
  }

  const fields: Field[] = [];
  let re = '';
  for (let i = 0; i < f.length; ) {
    if (f[i] === "'") {
      const end = f.indexOf("'", i + 1);
      if (end < 0) throw new Error(`format "${format}": unterminated quote`);
      re += end === i + 1 ? "'" : escapeRe(f.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    const tok = TOKENS.find(([t]) => f.startsWith(t, i));
    if (tok) {
      fields.push(tok[1]);
      re += tok[2];
      i += tok[0].length;
    } else if (/[A-Za-z]/.test(f[i])) {
      throw new Error(`format "${format}": unknown token "${f[i]}" at ${i + 1} (quote literal letters: 'T')`);
    } else {
      re += /\s/.test(f[i]) ? '\\s+' : escapeRe(f[i]);
      i++;
    }
  }
  const has = (x: Field) => fields.includes(x);
  if (!has('year') && !has('yy')) throw new Error(`format "${format}" has no year (yyyy or yy)`);
  if (!has('month') && !has('monthName')) throw new Error(`format "${format}" has no month (MM, M or MMM)`);
  if (!has('day')) throw new Error(`format "${format}" has no day (dd or d)`);
  if (has('hour12') !== has('ampm')) throw new Error(`format "${format}": a 12-hour clock (hh) needs an AM/PM marker (a), and a needs hh`);
  if (new Set(fields).size !== fields.length) throw new Error(`format "${format}" names a field twice`);
  const regex = new RegExp(`^\\s*${re}\\s*$`);

  return (text) => {
    const m = regex.exec(text);
    if (!m) return null;
    let y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0, ms = 0, pm: boolean | null = null;
    let offset: string | undefined;
    for (let k = 0; k < fields.length; k++) {
      const v = m[k + 1];
      switch (fields[k]) {
        case 'year': y = +v; break;
        case 'yy': y = 2000 + +v; break; // legacy case systems start after 2000
        case 'monthName': {
          mo = MONTHS.indexOf(v.slice(0, 3).toLowerCase()) + 1;
          if (mo === 0) return null;
          break;
        }
        case 'month': mo = +v; break;
        case 'day': d = +v; break;
        case 'hour': h = +v; break;
        case 'hour12': h = +v; if (h < 1 || h > 12) return null; break;
        case 'minute': mi = +v; break;
        case 'second': s = +v; break;
        case 'fraction': ms = fractionMs(v); break;
        case 'ampm': pm = /^[pP]|下午/.test(v); break;
        case 'offset': offset = v; break;
      }
    }
    if (pm !== null) h = (h % 12) + (pm ? 12 : 0); // 12 AM = 00, 12 PM = 12
    return instant(localMsOf(y, mo, d, h, mi, s, ms), offset, tz);
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
