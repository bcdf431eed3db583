import { describe, expect, it } from 'vitest';
import { ParamError, parseInstant, parseRange } from '../../api/analysis/params.ts';
import { parseRepeatQuery } from '../../api/analysis/repeats/query.ts';
import { DEFAULT_REPEATS_CONFIG as CFG } from '../../api/domain/repeats.ts';

const known = new Set(['event:0102', 'event:0201', 'component:0101']);
const param = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParamError);
    return (e as ParamError).param;
  }
  return null;
};
const base = { from: '2026-01-01', to: '2026-02-01' };

describe('repeat query parameters', () => {
  it('reads local dates and ISO times', () => {
    expect(parseInstant('from', '2026-01-01', 480)).toBe(Date.parse('2025-12-31T16:00:00Z'));
    expect(parseInstant('from', '2026-01-01T08:30', 480)).toBe(Date.parse('2026-01-01T00:30:00Z'));
    expect(parseInstant('from', '2026-01-01T08:30:00Z', 480)).toBe(Date.parse('2026-01-01T08:30:00Z'));
    expect(param(() => parseInstant('from', '2026-02-30', 480))).toBe('from');
    expect(param(() => parseRange({ from: '2026-01-01', to: '2027-01-03' }, 480, 366))).toBe('to');
  });

  it('applies overrides over the config and echoes them', () => {
    const q = parseRepeatQuery({ ...base, radius: '80', snap: '10', thresholdAlley: '5', period: 'quarter', excludeMinors: '', minor: '0102', minSize: '1', reached: 'true' }, CFG, known);
    expect(q.rules).toMatchObject({ radiusM: 80, roadSnapM: 10, thresholds: { main: 2, secondary: 3, alley: 5, keyArea: 2 }, period: 'quarter', excludedMinors: [], excludedKinds: ['component'] });
    expect(q.overrides).toEqual({ radius: 80, snap: 10, thresholdAlley: 5, period: 'quarter', excludeMinors: [] });
    expect(q).toMatchObject({ minor: { code: '0102' }, minSize: 1, reached: true });
    expect(parseRepeatQuery(base, CFG, known)).toMatchObject({ rules: CFG, overrides: {}, minSize: 2 });
  });

  it('names the bad parameter', () => {
    const p = (q: Record<string, string>) => param(() => parseRepeatQuery({ ...base, ...q }, CFG, known));
    expect(p({ minor: '0103' })).toBe('minor');
    expect(p({ minor: 'component:0102' })).toBe('minor');
    expect(p({ radius: '-1' })).toBe('radius');
    expect(p({ radius: '0' })).toBe('radius');
    expect(p({ radius: '501' })).toBe('radius');
    expect(p({ snap: '1e9' })).toBe('snap');
    expect(p({ thresholdKeyArea: '2.5' })).toBe('thresholdKeyArea');
    expect(p({ excludeKinds: 'parts' })).toBe('excludeKinds');
    expect(p({ excludeMinors: '0102,9999' })).toBe('excludeMinors');
    expect(p({ district: '4502' })).toBe('district');
    expect(p({ minSize: '0' })).toBe('minSize');
    expect(p({ reached: 'maybe' })).toBe('reached');
    expect(p({ from: '2026-03-01' })).toBe('from');
    expect(p({ bbox: '1,2,3,4' })).toBe('bbox');
  });
});

describe('shipped settings files', () => {
  it('geodata/repeats.json and geodata/zones-analysis.json load and validate (非法小广告 is 0201 in CJ/T 214-2007)', async () => {
    const { loadRepeatsConfig } = await import('../../api/analysis/repeats/config.ts');
    const { loadZonesAnalysisConfig } = await import('../../api/analysis/zones/config.ts');
    expect(loadRepeatsConfig()).toEqual(CFG);
    expect(loadZonesAnalysisConfig()).toEqual({ highIncidence: { topShare: 0.05, minCount: 30 }, maxRangeDays: 366, utcOffsetMinutes: 480 });
  });
});

describe('time order of fetched cases', () => {
  it('radix-sorts µs times (ties by id) exactly as the comparison sort does', async () => {
    const { timeOrderOf } = await import('../../api/domain/repeats.ts');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(2 ** 52)), id: fc.string({ maxLength: 3 }) }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 1.8e15 }),
        (rows, base) => {
          const t = Float64Array.from(rows, (r) => base + r.t);
          const ids = rows.map((r) => r.id);
          const want = rows.map((_, i) => i).sort((a, b) => t[a] - t[b] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
          const got = Array.from(timeOrderOf(t, ids));
          expect(got.map((i) => [t[i], ids[i]])).toEqual(want.map((i) => [t[i], ids[i]]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
