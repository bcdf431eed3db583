import { describe, expect, it } from 'vitest';
import { parseZonesAnalysisConfig, rankHighIncidence, violatedZone, ZonesAnalysisConfigError } from '../../api/domain/zone-analysis.ts';
import type { ZoneAtPoint } from '../../api/domain/zones.ts';

const zone = (id: string, level: ZoneAtPoint['level'], o: Partial<ZoneAtPoint> = {}): ZoneAtPoint => ({ id, name: id, level, windows: [], governedMinors: ['event:0501'], timeLimitClass: null, ...o });
const noon = new Date('2026-01-10T04:00:00Z'); // 12:00 at +08:00

describe('high-incidence ranking', () => {
  it('flags the top ⌈share × population⌉ by competition rank, ties included, never zero', () => {
    const { ranked, topN } = rankHighIncidence([5, 9, 9, 0, 1], 40, { topShare: 0.05, minCount: null });
    expect(topN).toBe(2);
    expect(ranked).toEqual([
      { rank: 3, highIncidence: false }, { rank: 1, highIncidence: true }, { rank: 1, highIncidence: true },
      { rank: 5, highIncidence: false }, { rank: 4, highIncidence: false },
    ]);
    expect(rankHighIncidence([0, 0], 2, { topShare: 1, minCount: null }).ranked.every((r) => !r.highIncidence)).toBe(true);
  });

  it('also flags counts from minCount on', () => {
    expect(rankHighIncidence([50, 30, 29], 100, { topShare: 0.01, minCount: 30 }).ranked.map((r) => r.highIncidence)).toEqual([true, true, false]);
  });
});

describe('violation attribution', () => {
  it('takes the zone intake marked', () => {
    expect(violatedZone([zone('a', 'prohibited'), { ...zone('b', 'prohibited'), violation: true }], 'event:0501', noon, 480, 'prohibited')).toBe('b');
  });
  it('else applies the intake rule (prohibited first, restricted outside its windows)', () => {
    const r1 = zone('r1', 'restricted', { windows: [{ from: '11:00', to: '13:00' }] });
    const r2 = zone('r2', 'restricted', { windows: [{ from: '06:00', to: '09:00' }] });
    expect(violatedZone([r1, r2], 'event:0501', noon, 480, 'restricted')).toBe('r2');
  });
  it('falls back to a zone of the recorded level when zones changed since', () => {
    expect(violatedZone([zone('p', 'prohibited', { governedMinors: [] })], 'event:0501', noon, 480, 'prohibited')).toBe('p');
    expect(violatedZone([zone('k', 'key')], 'event:0501', noon, 480, 'prohibited')).toBeNull();
  });
});

describe('geodata/zones-analysis.json validation', () => {
  const field = (json: unknown) => {
    try {
      parseZonesAnalysisConfig(json);
    } catch (e) {
      expect(e).toBeInstanceOf(ZonesAnalysisConfigError);
      return (e as ZonesAnalysisConfigError).field;
    }
    return null;
  };
  it('reads the shipped defaults and names bad fields', () => {
    expect(parseZonesAnalysisConfig({ highIncidence: { topShare: 0.1, minCount: null }, utcOffset: '+07:00' })).toEqual({ highIncidence: { topShare: 0.1, minCount: null }, maxRangeDays: 366, utcOffsetMinutes: 420 });
    expect(field({ highIncidence: { topShare: 0 } })).toBe('highIncidence.topShare');
    expect(field({ highIncidence: { minCount: 2.5 } })).toBe('highIncidence.minCount');
    expect(field({ highIncidence: { top: 1 } })).toBe('highIncidence.top');
    expect(field({ maxRangeDays: -1 })).toBe('maxRangeDays');
    expect(field({ utcOffset: 'CST' })).toBe('utcOffset');
    expect(field({ other: 1 })).toBe('other');
  });
});
