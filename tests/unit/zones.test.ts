import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_ZONE_TIME_LIMIT_FACTORS, inWindow, localClock, parseZoneFactors, zoneTimeLimit, zoneViolation, type ZoneAtPoint,
} from '../../api/domain/zones.ts';

const CN = 480; // UTC+08:00
/** An instant at a Beijing local date and time. */
const at = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

const zone = (over: Partial<ZoneAtPoint>): ZoneAtPoint => ({
  id: 'z', name: 'zone', level: 'restricted', windows: [], governedMinors: ['event:0501'], timeLimitClass: null, ...over,
});

describe('localClock', () => {
  it('gives the local ISO weekday and minute whatever the host time zone', () => {
    expect(localClock(at('2025-03-03', '00:00'), CN)).toEqual({ weekday: 1, minute: 0 }); // a Monday
    expect(localClock(at('2025-03-09', '23:59'), CN)).toEqual({ weekday: 7, minute: 1439 });
    expect(localClock(new Date('2025-03-02T16:30:00Z'), CN)).toEqual({ weekday: 1, minute: 30 });
  });
});

describe('inWindow', () => {
  it('is half-open [from, to) on the listed weekdays', () => {
    const w = { days: [1, 2, 3, 4, 5], from: '06:00', to: '09:00' };
    expect(inWindow(at('2025-03-04', '06:00'), w, CN)).toBe(true);
    expect(inWindow(at('2025-03-04', '08:59'), w, CN)).toBe(true);
    expect(inWindow(at('2025-03-04', '09:00'), w, CN)).toBe(false);
    expect(inWindow(at('2025-03-04', '05:59'), w, CN)).toBe(false);
    expect(inWindow(at('2025-03-08', '07:00'), w, CN)).toBe(false); // Saturday
  });

  it('treats missing days as every day and from = to as the whole day', () => {
    expect(inWindow(at('2025-03-09', '07:00'), { from: '06:00', to: '09:00' }, CN)).toBe(true);
    expect(inWindow(at('2025-03-09', '23:00'), { days: [7], from: '00:00', to: '00:00' }, CN)).toBe(true);
    expect(inWindow(at('2025-03-10', '01:00'), { days: [7], from: '00:00', to: '00:00' }, CN)).toBe(false);
    expect(inWindow(at('2025-03-10', '23:59'), { from: '00:00', to: '24:00' }, CN)).toBe(true);
  });

  it('lets a window over midnight belong to the day it starts on', () => {
    const night = { days: [5, 6], from: '22:00', to: '02:00' }; // Friday and Saturday night markets
    expect(inWindow(at('2025-03-07', '23:00'), night, CN)).toBe(true); // Friday 23:00
    expect(inWindow(at('2025-03-08', '01:30'), night, CN)).toBe(true); // Saturday 01:30 = Friday's night
    expect(inWindow(at('2025-03-09', '01:30'), night, CN)).toBe(true); // Sunday 01:30 = Saturday's night
    expect(inWindow(at('2025-03-07', '01:30'), night, CN)).toBe(false); // Friday 01:30 = Thursday's night
    expect(inWindow(at('2025-03-08', '02:00'), night, CN)).toBe(false);
  });

  it('never matches a malformed window', () => {
    expect(inWindow(at('2025-03-04', '07:00'), { from: '6:00', to: '09:00' }, CN)).toBe(false);
    expect(inWindow(at('2025-03-04', '07:00'), { from: '06:00', to: '25:00' }, CN)).toBe(false);
    expect(inWindow(at('2025-03-04', '07:00'), { from: '06:75', to: '09:00' }, CN)).toBe(false);
  });

  it('a window and its complement cover every instant exactly once', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }), fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), (a, b, d) => {
      fc.pre(a !== b);
      const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      expect(inWindow(d, { from: hm(a), to: hm(b) }, CN)).not.toBe(inWindow(d, { from: hm(b), to: hm(a) }, CN));
    }));
  });
});

describe('zoneViolation', () => {
  const monday7 = at('2025-03-03', '07:00');
  const monday12 = at('2025-03-03', '12:00');
  const morning = [{ from: '06:00', to: '09:00' }];

  it('flags a governed category in a prohibited zone at any time', () => {
    expect(zoneViolation([zone({ id: 'p', level: 'prohibited', windows: morning })], 'event:0501', monday7, CN)).toEqual({ level: 'prohibited', zoneId: 'p' });
  });

  it('flags a restricted zone only outside its windows; no windows = never allowed', () => {
    expect(zoneViolation([zone({ windows: morning })], 'event:0501', monday7, CN)).toBe(null);
    expect(zoneViolation([zone({ windows: morning })], 'event:0501', monday12, CN)).toEqual({ level: 'restricted', zoneId: 'z' });
    expect(zoneViolation([zone({ windows: [] })], 'event:0501', monday7, CN)).toEqual({ level: 'restricted', zoneId: 'z' });
  });

  it('ignores categories the zone does not govern, key areas, and zones governing nothing', () => {
    expect(zoneViolation([zone({ level: 'prohibited' })], 'event:0502', monday12, CN)).toBe(null);
    expect(zoneViolation([zone({ level: 'prohibited' })], 'component:0501', monday12, CN)).toBe(null); // codes repeat across kinds
    expect(zoneViolation([zone({ level: 'key' })], 'event:0501', monday12, CN)).toBe(null);
    expect(zoneViolation([zone({ level: 'prohibited', governedMinors: [] })], 'event:0501', monday12, CN)).toBe(null);
  });

  it('prefers prohibited over restricted, then the first zone by id', () => {
    const zones = [zone({ id: 'r1' }), zone({ id: 'p2', level: 'prohibited' }), zone({ id: 'p1', level: 'prohibited' })];
    expect(zoneViolation(zones, 'event:0501', monday12, CN)).toEqual({ level: 'prohibited', zoneId: 'p1' });
    // a restricted zone that allows now does not excuse another that does not
    expect(zoneViolation([zone({ id: 'a', windows: morning }), zone({ id: 'b', windows: [{ from: '10:00', to: '11:00' }] })], 'event:0501', monday7, CN)).toEqual({ level: 'restricted', zoneId: 'b' });
  });
});

describe('zoneTimeLimit', () => {
  const f = DEFAULT_ZONE_TIME_LIMIT_FACTORS;
  it('applies the strictest class present and names it', () => {
    expect(zoneTimeLimit({ value: 2, unit: 'work_hours' }, [], f)).toEqual({ limit: { value: 2, unit: 'work_hours' }, zoneClass: null });
    expect(zoneTimeLimit({ value: 2, unit: 'work_hours' }, [{ timeLimitClass: 'B' }, { timeLimitClass: 'A' }], f)).toEqual({ limit: { value: 1, unit: 'work_hours' }, zoneClass: 'A' });
    expect(zoneTimeLimit({ value: 3, unit: 'work_days' }, [{ timeLimitClass: null }, { timeLimitClass: 'B' }], f)).toEqual({ limit: { value: 2.25, unit: 'work_days' }, zoneClass: 'B' });
    expect(zoneTimeLimit({ value: 3, unit: 'work_days' }, [{ timeLimitClass: 'C' }], f)).toEqual({ limit: { value: 3, unit: 'work_days' }, zoneClass: 'C' });
  });

  it('never lengthens a limit', () => {
    fc.assert(fc.property(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.subarray(['A', 'B', 'C'] as const), (v, classes) => {
      const r = zoneTimeLimit({ value: v, unit: 'work_hours' }, classes.map((c) => ({ timeLimitClass: c })), f);
      expect(r.limit.value).toBeLessThanOrEqual(v + 1e-9);
    }));
  });
});

describe('parseZoneFactors', () => {
  it('reads partial objects over the defaults and names bad keys', () => {
    expect(parseZoneFactors('{"A":0.3}')).toEqual({ A: 0.3, B: 0.75, C: 1 });
    expect(() => parseZoneFactors('{"D":0.5}')).toThrow(/ZONE_TIME_LIMIT_FACTORS\.D/);
    expect(() => parseZoneFactors('{"A":1.5}')).toThrow(/ZONE_TIME_LIMIT_FACTORS\.A/);
    expect(() => parseZoneFactors('{"A":0}')).toThrow(/ZONE_TIME_LIMIT_FACTORS\.A/);
    expect(() => parseZoneFactors('[0.5]')).toThrow(/must be an object/);
    expect(() => parseZoneFactors('nope')).toThrow(/not JSON/);
  });
});
