import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkTime,
  atLocal,
  CalendarError,
  closedTimeliness,
  computeDeadline,
  extendDeadline,
  formatLocal,
  isWorkday,
  isWorkTime,
  light,
  localDate,
  parseCalendar,
  resumeDeadline,
  usedFraction,
  workTimeBetween,
  type TimeLimit,
} from '../../api/domain/calendar.ts';

const H = 3_600_000;
const MIN = 60_000;
const raw = JSON.parse(readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8'));
const cal = parseCalendar(raw);

const at = (date: string, time: string) => atLocal(date, time, cal);
const fmt = (d: Date) => formatLocal(d, cal);
const deadline = (date: string, time: string, value: number, unit: TimeLimit['unit']) => fmt(computeDeadline(at(date, time), { value, unit }, cal));

// Instants from 2023-12-25 to 2028-01-05 local, on whole minutes (and some on whole seconds).
const T0 = at('2023-12-25', '00:00').getTime();
const T1 = at('2028-01-05', '00:00').getTime();
const instant = fc.oneof(
  fc.integer({ min: 0, max: (T1 - T0) / MIN }).map((m) => new Date(T0 + m * MIN)),
  fc.integer({ min: 0, max: (T1 - T0) / 1000 }).map((s) => new Date(T0 + s * 1000)),
  // boundaries matter most: period starts/ends of random days
  fc.tuple(fc.integer({ min: 0, max: 1470 }), fc.constantFrom('08:30', '12:00', '14:00', '18:00', '00:00', '13:00')).map(
    ([d, t]) => new Date(T0 + d * 86_400_000 + (Number(t.slice(0, 2)) * 60 + Number(t.slice(3))) * MIN),
  ),
);

/** Days off/on by the published notices, independent of the parser's range expansion. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

describe('default.json', () => {
  it('parses, covers 2024–2027, marks only 2027 provisional', () => {
    expect(cal.timezone).toBe('Asia/Shanghai');
    expect(cal.utcOffsetMinutes).toBe(480);
    expect(cal.dailyWorkMs).toBe(7.5 * H);
    expect([...cal.years.keys()].sort()).toEqual([2024, 2025, 2026, 2027]);
    expect([...cal.years.values()].filter((y) => y.provisional).map((y) => y.year)).toEqual([2027]);
  });

  it('2025 Spring Festival: 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) worked', () => {
    for (const d of daysBetween('2025-01-28', '2025-02-04')) expect(isWorkday(d, cal), d).toBe(false);
    expect(isWorkday('2025-01-26', cal)).toBe(true);
    expect(isWorkday('2025-02-08', cal)).toBe(true);
    expect(isWorkday('2025-01-25', cal)).toBe(false); // an ordinary Saturday
    expect(isWorkday('2025-01-27', cal)).toBe(true);
    expect(isWorkday('2025-02-05', cal)).toBe(true);
    expect(isWorkday('2025-02-09', cal)).toBe(false);
  });

  it('holds the published 2024–2026 notices', () => {
    const off: [string, string][] = [
      ['2024-01-01', '2024-01-01'], ['2024-02-10', '2024-02-17'], ['2024-04-04', '2024-04-06'], ['2024-05-01', '2024-05-05'],
      ['2024-06-10', '2024-06-10'], ['2024-09-15', '2024-09-17'], ['2024-10-01', '2024-10-07'],
      ['2025-01-01', '2025-01-01'], ['2025-01-28', '2025-02-04'], ['2025-04-04', '2025-04-06'], ['2025-05-01', '2025-05-05'],
      ['2025-05-31', '2025-06-02'], ['2025-10-01', '2025-10-08'],
      ['2026-01-01', '2026-01-03'], ['2026-02-15', '2026-02-23'], ['2026-04-04', '2026-04-06'], ['2026-05-01', '2026-05-05'],
      ['2026-06-19', '2026-06-21'], ['2026-09-25', '2026-09-27'], ['2026-10-01', '2026-10-07'],
    ];
    const on = [
      '2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12',
      '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
      '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
    ];
    for (const [a, b] of off) for (const d of daysBetween(a, b)) expect(isWorkday(d, cal), d).toBe(false);
    for (const d of on) expect(isWorkday(d, cal), d).toBe(true);
    // Every make-up workday of 2024–2026 is listed, and no other weekend day is worked.
    const worked = daysBetween('2024-01-01', '2026-12-31').filter((d) => isWorkday(d, cal) && [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
    expect(worked).toEqual(on);
    // Yearly count of workdays: 2024 had 251 working days, 2025 had 248 under the notices.
    const count = (y: number) => daysBetween(`${y}-01-01`, `${y}-12-31`).filter((d) => isWorkday(d, cal)).length;
    expect(count(2024)).toBe(251);
    expect(count(2025)).toBe(248);
  });

  it('falls back to weekends only outside the listed years', () => {
    expect(isWorkday('2030-01-05', cal)).toBe(false); // Saturday
    expect(isWorkday('2030-01-07', cal)).toBe(true); // Monday
    expect(isWorkday('2030-01-01', cal)).toBe(true); // not listed → ordinary Tuesday
  });
});

describe('parseCalendar validation', () => {
  const base = () => structuredClone(raw);
  const fails = (mut: (j: any) => void, field: string | RegExp) => {
    const j = base();
    mut(j);
    let err: unknown;
    try {
      parseCalendar(j);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalendarError);
    if (typeof field === 'string') expect((err as CalendarError).field).toBe(field);
    else expect((err as CalendarError).message).toMatch(field);
    return err as CalendarError;
  };

  it('rejects non-objects and missing fields', () => {
    expect(() => parseCalendar(null)).toThrow(CalendarError);
    expect(() => parseCalendar([])).toThrow(CalendarError);
    fails((j) => delete j.timezone, '$.timezone');
    fails((j) => delete j.utcOffset, '$.utcOffset');
    fails((j) => (j.utcOffset = '8'), 'utcOffset');
    fails((j) => (j.workPeriods = []), 'workPeriods');
    fails((j) => (j.workPeriods = 'x'), '$.workPeriods');
  });

  it('rejects bad times naming the field', () => {
    fails((j) => (j.workPeriods[0].from = '25:00'), 'workPeriods[0].from');
    fails((j) => (j.workPeriods[1].to = '18:60'), 'workPeriods[1].to');
    fails((j) => (j.workPeriods[1].to = '24:30'), 'workPeriods[1].to');
    fails((j) => (j.workPeriods[0].from = '8:30'), 'workPeriods[0].from');
    fails((j) => (j.workPeriods[0].from = 830), 'workPeriods[0].from');
    fails((j) => (j.workPeriods[0] = { from: '12:00', to: '08:30' }), 'workPeriods[0].to');
    fails((j) => (j.workPeriods[0] = { from: '09:00', to: '09:00' }), 'workPeriods[0].to');
  });

  it('rejects overlapping work periods (touching is fine)', () => {
    const e = fails((j) => (j.workPeriods[1].from = '11:00'), 'workPeriods[1]');
    expect(e.message).toMatch(/overlaps workPeriods\[0\]/);
    // order in the file does not matter
    fails((j) => (j.workPeriods = [{ from: '14:00', to: '18:00' }, { from: '08:30', to: '14:30' }]), 'workPeriods[0]');
    const j = base();
    j.workPeriods = [{ from: '14:00', to: '18:00' }, { from: '08:30', to: '14:00' }];
    expect(parseCalendar(j).dailyWorkMs).toBe(9.5 * H);
  });

  it('rejects a date that is both a holiday and a make-up workday', () => {
    const e = fails((j) => j.years['2025'].workdays.push({ date: '2025-02-01', for: '春节' }), 'years.2025.holidays[1]');
    expect(e.message).toMatch(/2025-02-01 is both a holiday and a make-up workday/);
  });

  it('rejects bad dates, weekday make-up days, duplicates and wrong years', () => {
    fails((j) => (j.years['2025'].holidays[0].from = '2025-02-30'), 'years.2025.holidays[0].from');
    fails((j) => (j.years['2025'].holidays[0].to = '2024-12-31'), 'years.2025.holidays[0].to');
    fails((j) => (j.years['2025'].workdays[0].date = '2025-01-27'), /not a weekend day/);
    fails((j) => j.years['2025'].workdays.push({ date: '2025-01-26' }), /listed twice/);
    fails((j) => j.years['2025'].holidays.push({ name: 'x', from: '2025-10-08', to: '2025-10-09' }), /already a holiday/);
    fails((j) => (j.years['2025'].workdays[0].date = '2026-02-14'), 'years.2025.workdays[0].date');
    fails((j) => (j.years['25'] = { holidays: [] }), 'years.25');
    fails((j) => (j.years['2025'].provisional = 'no'), 'years.2025.provisional');
    fails((j) => (j.years['2025'].holidays[0].name = ''), 'years.2025.holidays[0].name');
    fails((j) => (j.weekend = [6, 8]), 'weekend[1]');
    fails((j) => (j.weekend = [1, 2, 3, 4, 5, 6, 7]), 'weekend');
  });
});

describe('local time is UTC+8, whatever the host TZ', () => {
  it('local dates around midnight', () => {
    expect(localDate(new Date('2024-12-31T15:59:59Z'), cal)).toBe('2024-12-31');
    expect(localDate(new Date('2024-12-31T16:00:00Z'), cal)).toBe('2025-01-01');
    expect(at('2025-01-02', '08:30').toISOString()).toBe('2025-01-02T00:30:00.000Z');
    expect(isWorkTime(new Date('2025-01-02T00:29:59Z'), cal)).toBe(false);
    expect(isWorkTime(new Date('2025-01-02T00:30:00Z'), cal)).toBe(true);
    expect(isWorkTime(new Date('2025-01-01T02:00:00Z'), cal)).toBe(false); // 元旦 10:00
  });

  it('gives the same answers under several process TZ settings', () => {
    const before = process.env.TZ;
    const run = () =>
      [
        deadline('2025-01-27', '16:00', 4, 'work_hours'),
        deadline('2025-01-24', '17:00', 3, 'work_days'),
        deadline('2024-12-31', '23:30', 1, 'work_hours'),
        localDate(new Date('2025-03-08T20:00:00Z'), cal),
        String(workTimeBetween(at('2025-01-20', '00:00'), at('2025-02-20', '00:00'), cal)),
        String(isWorkday('2025-02-08', cal)),
      ].join('|');
    const results = new Map<string, string>();
    try {
      for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai', 'Pacific/Chatham', 'Asia/Kolkata']) {
        process.env.TZ = tz;
        results.set(tz, run());
      }
      process.env.TZ = 'America/New_York';
      expect(new Date('2025-01-15T12:00:00Z').getTimezoneOffset()).toBe(300); // the switch really happened
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    expect(new Set(results.values()).size).toBe(1);
    expect(results.get('UTC')).toBe(
      ['2025-02-05 10:30:00', '2025-02-05 17:00:00', '2025-01-02 09:30:00', '2025-03-09', String(19 * 7.5 * H), 'true'].join('|'),
    );
  });
});

describe('computeDeadline — concrete cases', () => {
  it('2025 Spring Festival', () => {
    // Mon before the holiday + 1 work day → first workday after it, same time
    expect(deadline('2025-01-27', '10:00', 1, 'work_days')).toBe('2025-02-05 10:00:00');
    // 2 h on Mon, the rest after the holiday
    expect(deadline('2025-01-27', '16:00', 4, 'work_hours')).toBe('2025-02-05 10:30:00');
    // Fri 17:00 + 8 work hours: 1 h Fri, the make-up Sunday 1/26 counts
    expect(deadline('2025-01-24', '17:00', 8, 'work_hours')).toBe('2025-01-26 17:30:00');
    // Fri before the make-up Saturday 2/8
    expect(deadline('2025-02-07', '17:00', 2, 'work_hours')).toBe('2025-02-08 09:30:00');
    // registered during the holiday: 1 work day = the whole first workday
    expect(deadline('2025-01-30', '09:00', 1, 'work_days')).toBe('2025-02-05 18:00:00');
    expect(deadline('2025-01-30', '09:00', 1, 'work_hours')).toBe('2025-02-05 09:30:00');
    // 3 work days from Fri 1/24 17:00: Sun 1/26, Mon 1/27, Wed 2/5
    expect(deadline('2025-01-24', '17:00', 3, 'work_days')).toBe('2025-02-05 17:00:00');
    // calendar hours ignore the calendar
    expect(deadline('2025-01-27', '17:00', 24, 'calendar_hours')).toBe('2025-01-28 17:00:00');
    expect(deadline('2025-01-27', '17:00', 0.5, 'calendar_hours')).toBe('2025-01-27 17:30:00');
  });

  it('2026 Spring Festival (9 days, 2/14 and 2/28 worked)', () => {
    expect(deadline('2026-02-13', '17:00', 2, 'work_hours')).toBe('2026-02-14 09:30:00');
    expect(deadline('2026-02-14', '17:00', 1, 'work_days')).toBe('2026-02-24 17:00:00');
    expect(deadline('2026-02-27', '17:30', 1, 'work_hours')).toBe('2026-02-28 09:00:00');
  });

  it('lunch break is skipped', () => {
    expect(deadline('2025-03-03', '11:00', 2, 'work_hours')).toBe('2025-03-03 15:00:00');
    expect(deadline('2025-03-03', '12:30', 1, 'work_hours')).toBe('2025-03-03 15:00:00');
    expect(deadline('2025-03-03', '08:30', 3.5, 'work_hours')).toBe('2025-03-03 12:00:00'); // stays at 12:00
    expect(deadline('2025-03-03', '08:30', 7.5, 'work_hours')).toBe('2025-03-03 18:00:00');
    expect(deadline('2025-03-03', '11:59', 0.25, 'work_hours')).toBe('2025-03-03 14:14:00');
  });

  it('start outside work time', () => {
    expect(deadline('2025-03-03', '07:00', 1, 'work_hours')).toBe('2025-03-03 09:30:00');
    expect(deadline('2025-03-03', '19:00', 1, 'work_hours')).toBe('2025-03-04 09:30:00');
    expect(deadline('2025-03-03', '18:00', 1, 'work_hours')).toBe('2025-03-04 09:30:00');
    expect(deadline('2025-03-01', '10:00', 1, 'work_hours')).toBe('2025-03-03 09:30:00'); // Saturday
    expect(deadline('2025-03-03', '19:00', 0, 'work_hours')).toBe('2025-03-03 19:00:00'); // zero limit = start
  });

  it('work days: same local time N workdays later, or the end of the N-th workday', () => {
    expect(deadline('2025-03-03', '10:15', 1, 'work_days')).toBe('2025-03-04 10:15:00');
    expect(deadline('2025-03-03', '15:45', 5, 'work_days')).toBe('2025-03-10 15:45:00');
    expect(deadline('2025-03-03', '07:00', 1, 'work_days')).toBe('2025-03-03 18:00:00'); // before opening
    expect(deadline('2025-03-03', '20:00', 1, 'work_days')).toBe('2025-03-04 18:00:00'); // after closing
    expect(deadline('2025-03-01', '10:00', 1, 'work_days')).toBe('2025-03-03 18:00:00'); // Saturday
    expect(deadline('2025-03-01', '10:00', 2, 'work_days')).toBe('2025-03-04 18:00:00');
    // at the very start of a period / in the lunch break: the earliest instant with that much work time
    expect(deadline('2025-03-03', '08:30', 1, 'work_days')).toBe('2025-03-03 18:00:00');
    expect(deadline('2025-03-03', '14:00', 1, 'work_days')).toBe('2025-03-04 12:00:00');
    expect(deadline('2025-03-03', '12:30', 1, 'work_days')).toBe('2025-03-04 12:00:00');
    expect(deadline('2025-03-03', '10:00', 0.5, 'work_days')).toBe('2025-03-03 15:45:00');
  });

  it('year boundaries', () => {
    expect(deadline('2024-12-31', '17:00', 2, 'work_hours')).toBe('2025-01-02 09:30:00'); // 元旦 2025
    expect(deadline('2025-12-31', '17:00', 1, 'work_days')).toBe('2026-01-04 17:00:00'); // 元旦 2026, Sun 1/4 worked
    expect(deadline('2023-12-29', '17:00', 2, 'work_hours')).toBe('2024-01-02 09:30:00'); // 元旦 2024 from 12/30
    expect(deadline('2026-12-31', '17:30', 1, 'work_hours')).toBe('2027-01-04 09:00:00'); // provisional 2027
    expect(deadline('2024-12-31', '23:30', 24, 'calendar_hours')).toBe('2025-01-01 23:30:00');
  });

  it('long limits cross many holidays', () => {
    // 2025-09-26 (Fri) + 10 work days: 9/28 Sun worked, 10/1–10/8 off, 10/11 Sat worked
    expect(deadline('2025-09-26', '10:00', 10, 'work_days')).toBe('2025-10-16 10:00:00');
    expect(workTimeBetween(at('2025-01-01', '00:00'), at('2026-01-01', '00:00'), cal)).toBe(248 * 7.5 * H);
    expect(fmt(addWorkTime(at('2025-01-01', '00:00'), 248 * 7.5 * H, cal))).toBe('2025-12-31 18:00:00');
  });

  it('rejects bad limits', () => {
    expect(() => computeDeadline(at('2025-03-03', '09:00'), { value: -1, unit: 'work_hours' }, cal)).toThrow(RangeError);
    expect(() => computeDeadline(at('2025-03-03', '09:00'), { value: Number.NaN, unit: 'work_days' }, cal)).toThrow(RangeError);
    expect(() => computeDeadline(at('2025-03-03', '09:00'), { value: 1, unit: 'weeks' as never }, cal)).toThrow(RangeError);
  });
});

describe('computeDeadline — properties', () => {
  const workLimit = fc.oneof(
    fc.integer({ min: 0, max: 200 }).map((v) => ({ value: v, unit: 'work_hours' as const })),
    fc.integer({ min: 0, max: 240 }).map((q) => ({ value: q / 4, unit: 'work_hours' as const })),
    fc.integer({ min: 0, max: 30 }).map((v) => ({ value: v, unit: 'work_days' as const })),
  );
  const workMs = (l: TimeLimit) => (l.unit === 'work_days' ? l.value * cal.dailyWorkMs : l.value * H);

  it('a limit of N work hours / days spans exactly that much work time, and no less time would', () => {
    fc.assert(
      fc.property(instant, workLimit, (start, limit) => {
        const d = computeDeadline(start, limit, cal);
        const n = workMs(limit);
        expect(workTimeBetween(start, d, cal)).toBe(n);
        if (n > 0) {
          const before = new Date(d.getTime() - 1);
          expect(workTimeBetween(start, before, cal)).toBe(n - 1);
          // the last counted millisecond lies in work time on a workday: holidays/weekends/lunch are skipped
          expect(isWorkTime(before, cal)).toBe(true);
          expect(isWorkday(localDate(before, cal), cal)).toBe(true);
        } else {
          expect(d.getTime()).toBe(start.getTime());
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('work days from inside a work period land on the same local time, N workdays later', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 25 }), (start, n) => {
        const t = fmt(start).slice(11);
        fc.pre(isWorkTime(start, cal) && t !== '08:30:00' && t !== '14:00:00');
        // reference: walk the calendar day by day
        let day = Date.parse(`${localDate(start, cal)}T00:00:00Z`);
        for (let k = 0; k < n; ) {
          day += 86_400_000;
          if (isWorkday(new Date(day).toISOString().slice(0, 10), cal)) k++;
        }
        const expected = `${new Date(day).toISOString().slice(0, 10)} ${t}`;
        expect(fmt(computeDeadline(start, { value: n, unit: 'work_days' }, cal))).toBe(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('work days from outside work time end at 18:00 of a workday', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 25 }), (start, n) => {
        const t = fmt(start).slice(11);
        fc.pre(!isWorkTime(start, cal) && (t < '08:30:00' || t >= '18:00:00' || !isWorkday(localDate(start, cal), cal)));
        const d = computeDeadline(start, { value: n, unit: 'work_days' }, cal);
        expect(fmt(d).slice(11)).toBe('18:00:00');
        expect(isWorkday(localDate(d, cal), cal)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('calendar hours are plain hours', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 2000 }), (start, n) => {
        expect(computeDeadline(start, { value: n, unit: 'calendar_hours' }, cal).getTime() - start.getTime()).toBe(n * H);
      }),
    );
  });

  it('workTimeBetween is additive, antisymmetric and matches minute-by-minute counting', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 60 * 24 * 20 }), fc.integer({ min: 0, max: 60 * 24 * 20 }), (a, x, y) => {
        const b = new Date(a.getTime() + x * MIN);
        const c = new Date(b.getTime() + y * MIN);
        expect(workTimeBetween(a, c, cal)).toBe(workTimeBetween(a, b, cal) + workTimeBetween(b, c, cal));
        expect(workTimeBetween(c, a, cal)).toBe(-workTimeBetween(a, c, cal));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: (T1 - T0) / MIN - 4 * 1440 }), fc.integer({ min: 0, max: 3 * 1440 }), (m, len) => {
        const a = new Date(T0 + m * MIN);
        let n = 0;
        for (let k = 0; k < len; k++) if (isWorkTime(new Date(a.getTime() + k * MIN), cal)) n++;
        expect(workTimeBetween(a, new Date(a.getTime() + len * MIN), cal)).toBe(n * MIN);
      }),
      { numRuns: 200 },
    );
  });

  it('a whole holiday or weekend day holds no work time', () => {
    for (const [d] of cal.holidays) {
      if (!isWorkday(d, cal)) expect(workTimeBetween(at(d, '00:00'), new Date(at(d, '00:00').getTime() + 86_400_000), cal), d).toBe(0);
    }
    expect(workTimeBetween(at('2025-02-08', '00:00'), at('2025-02-09', '00:00'), cal)).toBe(7.5 * H); // make-up Saturday
  });

  it('is monotonic in the start and in the limit', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 5000 }), workLimit, fc.integer({ min: 0, max: 100 }), (s, dm, l, extra) => {
        const s2 = new Date(s.getTime() + dm * MIN);
        expect(computeDeadline(s2, l, cal).getTime()).toBeGreaterThanOrEqual(computeDeadline(s, l, cal).getTime());
        const l2 = { ...l, value: l.value + extra / 4 };
        expect(computeDeadline(s, l2, cal).getTime()).toBeGreaterThanOrEqual(computeDeadline(s, l, cal).getTime());
      }),
    );
  });
});

describe('extension and suspension', () => {
  it('extendDeadline adds the extension in work time', () => {
    const d = at('2025-03-04', '11:30');
    expect(fmt(extendDeadline(d, { value: 2, unit: 'work_days' }, cal))).toBe('2025-03-06 11:30:00');
    expect(fmt(extendDeadline(d, { value: 1, unit: 'work_hours' }, cal))).toBe('2025-03-04 14:30:00');
    expect(fmt(extendDeadline(at('2025-01-27', '18:00'), { value: 1, unit: 'work_days' }, cal))).toBe('2025-02-05 18:00:00');
  });

  it('resume: the remaining work time is counted on from the resumption', () => {
    // registered Mon 09:00 with 10 work hours → Tue 11:30; suspended Mon 10:00 (9 h left), resumed Wed 10:00
    const d0 = computeDeadline(at('2025-03-03', '09:00'), { value: 10, unit: 'work_hours' }, cal);
    expect(fmt(d0)).toBe('2025-03-04 11:30:00');
    const d1 = resumeDeadline(d0, at('2025-03-03', '10:00'), at('2025-03-05', '10:00'), 'work_hours', cal);
    expect(fmt(d1)).toBe('2025-03-06 11:30:00');
    // a pause over a weekend costs nothing in work time
    const d2 = resumeDeadline(d0, at('2025-03-01', '09:00'), at('2025-03-02', '20:00'), 'work_hours', cal);
    expect(fmt(d2)).toBe(fmt(d0));
    // calendar hours: the wall-clock pause is added
    const c0 = at('2025-03-03', '12:00');
    expect(fmt(resumeDeadline(c0, at('2025-03-03', '10:00'), at('2025-03-03', '11:00'), 'calendar_hours', cal))).toBe('2025-03-03 13:00:00');
    // suspended when already overdue: the deadline stays
    expect(resumeDeadline(d0, at('2025-03-05', '09:00'), at('2025-03-07', '09:00'), 'work_hours', cal)).toEqual(d0);
    expect(() => resumeDeadline(d0, at('2025-03-05', '09:00'), at('2025-03-04', '09:00'), 'work_hours', cal)).toThrow(RangeError);
  });

  it('property: after any pause the case still gets its full limit of unpaused work time', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 60 * 24 * 10 }), fc.integer({ min: 0, max: 60 * 24 * 10 }), (reg, hours, a, b) => {
        const d = computeDeadline(reg, { value: hours, unit: 'work_hours' }, cal);
        const s = new Date(reg.getTime() + a * MIN);
        const r = new Date(s.getTime() + b * MIN);
        const d2 = resumeDeadline(d, s, r, 'work_hours', cal);
        if (s.getTime() >= d.getTime()) expect(d2).toEqual(d);
        else expect(workTimeBetween(reg, d2, cal) - workTimeBetween(s, r, cal)).toBe(hours * H);
      }),
    );
  });
});

describe('light', () => {
  const registeredAt = at('2025-03-03', '09:00');
  const limit: TimeLimit = { value: 10, unit: 'work_hours' };
  const dl = computeDeadline(registeredAt, limit, cal); // Tue 11:30; 80 % = 8 work hours = Tue 09:30
  const c = { registeredAt, deadline: dl, limit };

  it('green, yellow at 80 % of the limit, red after the deadline', () => {
    expect(light(at('2025-03-03', '09:00'), c, cal)).toBe('green');
    expect(light(at('2025-03-04', '09:29:59'), c, cal)).toBe('green');
    expect(light(at('2025-03-04', '09:30'), c, cal)).toBe('yellow');
    expect(light(at('2025-03-04', '11:30'), c, cal)).toBe('yellow'); // at the deadline: not yet overdue
    expect(light(new Date(dl.getTime() + 1), c, cal)).toBe('red');
    expect(light(at('2025-03-04', '09:00'), c, cal, { yellowAt: 0.5 })).toBe('yellow');
    expect(usedFraction(at('2025-03-04', '09:30'), c, cal)).toBe(0.8);
  });

  it('work time, not wall time: the night does not use up the limit', () => {
    expect(light(at('2025-03-03', '23:59'), c, cal)).toBe('green'); // 7 of 10 h used
    expect(usedFraction(at('2025-03-03', '23:59'), c, cal)).toBeCloseTo(0.7);
  });

  it('calendar-hour limits use wall time', () => {
    const r = at('2025-03-03', '09:00');
    const cc = { registeredAt: r, deadline: computeDeadline(r, { value: 10, unit: 'calendar_hours' }, cal), limit: { value: 10, unit: 'calendar_hours' as const } };
    expect(light(at('2025-03-03', '16:59'), cc, cal)).toBe('green');
    expect(light(at('2025-03-03', '17:00'), cc, cal)).toBe('yellow');
    expect(light(at('2025-03-03', '19:01'), cc, cal)).toBe('red');
  });

  it('a suspended case is judged at its suspension', () => {
    const s = { ...c, suspendedAt: at('2025-03-03', '10:00') };
    expect(light(at('2025-03-20', '10:00'), s, cal)).toBe('green');
    expect(light(at('2025-03-20', '10:00'), { ...c, suspendedAt: at('2025-03-04', '10:00') }, cal)).toBe('yellow');
  });

  it('a zero limit is yellow until it is overdue', () => {
    const z = { registeredAt, deadline: registeredAt, limit: { value: 0, unit: 'work_hours' as const } };
    expect(light(registeredAt, z, cal)).toBe('yellow');
    expect(light(new Date(registeredAt.getTime() + 1), z, cal)).toBe('red');
  });

  it('property: the light only moves green → yellow → red as time passes', () => {
    const rank = { green: 0, yellow: 1, red: 2 };
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 0, max: 60 * 24 * 30 }), { minLength: 2, maxLength: 8 }), (reg, hours, offs) => {
        const l: TimeLimit = { value: hours, unit: 'work_hours' };
        const cc = { registeredAt: reg, deadline: computeDeadline(reg, l, cal), limit: l };
        const ranks = offs.sort((x, y) => x - y).map((m) => rank[light(new Date(reg.getTime() + m * MIN), cc, cal)]);
        for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThanOrEqual(ranks[i - 1]);
      }),
    );
  });

  it('closed cases: after the deadline is overdue, whatever happened before', () => {
    expect(closedTimeliness(dl, dl)).toBe('on_time');
    expect(closedTimeliness(new Date(dl.getTime() + 1000), dl)).toBe('overdue');
    expect(closedTimeliness(registeredAt, dl)).toBe('on_time');
  });
});
