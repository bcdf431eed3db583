import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { caseDuplicateDistances, loadCaseConfig } from '../../api/cases/config.ts';
import {
  DEFAULT_REPEATS_CONFIG as CFG, RepeatTracker, RepeatsConfigError, duplicateDistanceFor, groupRepeats, isExcluded, nearestAnchor,
  parseRepeatsConfig, periodOf, thresholdOf, type RepeatCase, type RoadClass,
} from '../../api/domain/repeats.ts';

const US = 1000; // µs per ms
const at = (iso: string) => Date.parse(iso) * US;
let seq = 0;
/** Groups in a canonical order (the tracker lists them per partition, the batch in creation order). */
const byId = <T extends { id: string }>(gs: T[]) => [...gs].sort((a, b) => (a.id < b.id ? -1 : 1));
/** A case at metric (x, y); 暴露垃圾 (event 0102) on an alley in January 2026 unless told otherwise. */
const mk = (x: number, y: number, o: Partial<RepeatCase> = {}): RepeatCase => ({
  id: `c${String(++seq).padStart(4, '0')}`, districtCode: '450203', kind: 'event', minor: '0102',
  t: at('2026-01-10T02:00:00Z') + seq * 60_000_000, x, y, roadClass: 'alley', keyArea: false, ...o,
});

/** Batch and one-by-one agree on every hand-made case; returns the batch groups as {anchor id → member ids}. */
function both(cases: RepeatCase[], rules = CFG) {
  const batch = groupRepeats(cases, rules);
  const tracker = new RepeatTracker(rules);
  for (const c of [...cases].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1))) tracker.add(c);
  const fromBatch = batch.groups().map((g) => ({ id: g.id, members: g.members.map((i) => cases[i].id), size: g.size, threshold: g.threshold, reached: g.reached, reachedAt: g.reachedAt }));
  expect(byId(tracker.groups())).toEqual(byId(fromBatch));
  const repeat = (c: RepeatCase) => {
    const gi = batch.groupOf[cases.indexOf(c)];
    return gi >= 0 && batch.reached(gi);
  };
  return { groups: fromBatch, repeat, groupOf: (c: RepeatCase) => batch.groupOf[cases.indexOf(c)] };
}

describe('repeat rules on hand-made cases (issue 5 "Done when")', () => {
  it('two 暴露垃圾 reports 20 m apart on a main road in one month are both repeats', () => {
    const a = mk(0, 0, { roadClass: 'main' });
    const b = mk(20, 0, { roadClass: 'main' });
    const r = both([a, b]);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]).toMatchObject({ id: a.id, size: 2, threshold: 2, reached: true, reachedAt: b.t });
    expect(r.repeat(a) && r.repeat(b)).toBe(true);
  });

  it('three on an alley are not repeats; a fourth makes all four repeats', () => {
    const three = [mk(0, 0), mk(10, 5), mk(-15, 10)];
    let r = both(three);
    expect(r.groups).toEqual([expect.objectContaining({ size: 3, threshold: 4, reached: false })]);
    expect(three.some(r.repeat)).toBe(false);
    const four = [...three, mk(30, -20)];
    r = both(four);
    expect(r.groups).toEqual([expect.objectContaining({ size: 4, threshold: 4, reached: true })]);
    expect(four.every(r.repeat)).toBe(true);
  });

  it('a secondary road needs three', () => {
    const cs = [mk(0, 0, { roadClass: 'secondary' }), mk(5, 0, { roadClass: 'secondary' })];
    expect(both(cs).groups[0]).toMatchObject({ threshold: 3, reached: false });
    expect(both([...cs, mk(0, 5)]).groups[0]).toMatchObject({ threshold: 3, reached: true });
  });

  it('a component case or 非法小广告 never counts', () => {
    const comps = [0, 1, 2, 3, 4].map((i) => mk(i, 0, { kind: 'component', minor: '0101', roadClass: 'main' }));
    const ads = [0, 1, 2, 3, 4].map((i) => mk(i, 0, { minor: '0201', roadClass: 'main' }));
    const r = both([...comps, ...ads]);
    expect(r.groups).toEqual([]);
    for (const c of [...comps, ...ads]) expect(r.groupOf(c)).toBe(-1);
  });

  it('the same place in two different months gives separate groups', () => {
    const jan = mk(0, 0, { roadClass: 'main', t: at('2026-01-31T15:59:59Z') }); // 23:59:59 local, 31 January
    const feb = mk(0, 0, { roadClass: 'main', t: at('2026-01-31T16:00:00Z') }); // 00:00 local, 1 February
    const r = both([jan, feb]);
    expect(r.groups.map((g) => g.members)).toEqual([[jan.id], [feb.id]]);
    expect(r.repeat(jan) || r.repeat(feb)).toBe(false);
  });

  it('a case 60 m from the anchor starts a new group', () => {
    const a = mk(0, 0, { roadClass: 'main' });
    const b = mk(60, 0, { roadClass: 'main' });
    const r = both([a, b]);
    expect(r.groups.map((g) => g.id)).toEqual([a.id, b.id]);
    expect(r.repeat(a) || r.repeat(b)).toBe(false);
  });

  it('is anchored, not chained: 40 m steps do not link the first and the third', () => {
    const [a, b, c] = [mk(0, 0), mk(40, 0), mk(80, 0)];
    const r = both([a, b, c]);
    expect(r.groups.map((g) => g.members)).toEqual([[a.id, b.id], [c.id]]);
  });

  it('a case joins the nearest anchor within R, ties to the earlier anchor', () => {
    const a1 = mk(0, 0);
    const a2 = mk(70, 0);
    const near2 = mk(45, 0); // 45 m from a1, 25 m from a2
    const tie = mk(35, 0); // 35 m from both
    const r = both([a1, a2, near2, tie]);
    expect(r.groups.map((g) => g.members)).toEqual([[a1.id, tie.id], [a2.id, near2.id]]);
  });

  it('exactly R away joins; the threshold is the anchor\'s place, not the later cases\'', () => {
    const a = mk(0, 0, { roadClass: 'alley' });
    const b = mk(50, 0, { roadClass: 'main' });
    expect(both([a, b]).groups).toEqual([expect.objectContaining({ size: 2, threshold: 4, reached: false })]);
  });

  it('a key area makes the threshold the stricter of road class and key area', () => {
    expect(thresholdOf(CFG.thresholds, 'alley', true)).toBe(2);
    expect(thresholdOf(CFG.thresholds, 'secondary', false)).toBe(3);
    expect(thresholdOf(CFG.thresholds, null, false)).toBe(4);
    expect(thresholdOf({ ...CFG.thresholds, keyArea: 3 }, 'main', true)).toBe(2);
    const a = mk(0, 0, { keyArea: true });
    expect(both([a, mk(1, 1)]).groups[0]).toMatchObject({ threshold: 2, reached: true });
  });

  it('separates counties and categories', () => {
    const r = both([mk(0, 0, { roadClass: 'main' }), mk(1, 0, { roadClass: 'main', districtCode: '450204' }), mk(2, 0, { roadClass: 'main', minor: '0103' })]);
    expect(r.groups.map((g) => g.size)).toEqual([1, 1, 1]);
  });

  it('the tracker refuses a case out of time order (intake recomputes then)', () => {
    const tr = new RepeatTracker(CFG);
    tr.add(mk(0, 0, { t: at('2026-01-10T00:00:00Z') }));
    expect(() => tr.add(mk(0, 0, { t: at('2026-01-09T00:00:00Z') }))).toThrow(/recompute/);
    expect(tr.add(mk(0, 0, { minor: '0103', t: at('2026-01-09T00:00:00Z') }))).toMatchObject({ created: true }); // other partition
  });

  it('the tracker reports the moment a group reaches its threshold', () => {
    const tr = new RepeatTracker(CFG);
    const out = [0, 1, 2, 3, 4].map((i) => tr.add(mk(i, 0)));
    expect(out.map((a) => a?.reachedNow)).toEqual([false, false, false, true, false]);
    expect(out.map((a) => a?.created)).toEqual([true, false, false, false, false]);
    expect(out[4]).toMatchObject({ size: 5, reached: true });
  });

  it('re-evaluates a group when the road class of its anchor is resolved later', () => {
    const cs = [mk(0, 0, { roadClass: null }), mk(1, 0), mk(2, 0)];
    const b = groupRepeats(cs, CFG);
    expect(b.group(0)).toMatchObject({ roadClass: 'alley', reached: false, reachedAt: null });
    b.replace(0, 'main', false, CFG.thresholds);
    expect(b.group(0)).toMatchObject({ roadClass: 'main', threshold: 2, reached: true, reachedAt: cs[1].t });
    b.replace(0, 'secondary', false, CFG.thresholds);
    expect(b.group(0)).toMatchObject({ threshold: 3, reached: true, reachedAt: cs[2].t });
    b.replace(0, 'alley', false, CFG.thresholds);
    expect(b.group(0)).toMatchObject({ threshold: 4, reached: false, reachedAt: null });
  });
});

describe('periods, exclusions, duplicate distances', () => {
  it('cuts periods at local midnight', () => {
    expect(periodOf(Date.parse('2026-01-31T16:00:00Z'), 'month', 480)).toEqual({ key: '2026-02', start: Date.parse('2026-01-31T16:00:00Z'), end: Date.parse('2026-02-28T16:00:00Z') });
    expect(periodOf(Date.parse('2026-01-31T15:59:59.999Z'), 'month', 480).key).toBe('2026-01');
    expect(periodOf(Date.parse('2026-05-20T00:00:00Z'), 'quarter', 480)).toEqual({ key: '2026-Q2', start: Date.parse('2026-03-31T16:00:00Z'), end: Date.parse('2026-06-30T16:00:00Z') });
    expect(periodOf(Date.parse('2026-12-31T16:30:00Z'), 'year', 480).key).toBe('2027');
    expect(periodOf(Date.parse('2026-12-31T16:30:00Z'), 'month', 0).key).toBe('2026-12');
  });

  it('matches excluded minors with or without a kind', () => {
    expect(isExcluded(CFG, 'event', '0201')).toBe(true);
    expect(isExcluded(CFG, 'event', '02001')).toBe(true);
    expect(isExcluded(CFG, 'event', '0102')).toBe(false);
    expect(isExcluded(CFG, 'component', '0102')).toBe(true);
    expect(isExcluded({ excludedKinds: [], excludedMinors: ['0101'] }, 'component', '0101')).toBe(true);
    expect(isExcluded({ excludedKinds: [], excludedMinors: ['event:0101'] }, 'component', '0101')).toBe(false);
  });

  it('picks the per-minor duplicate distance, 0 disables', () => {
    const d = { defaultM: 100, byMinor: { 'event:0501': 200, '0102': 0 } };
    expect(duplicateDistanceFor(d, 'event', '0501')).toBe(200);
    expect(duplicateDistanceFor(d, 'component', '0501')).toBe(100);
    expect(duplicateDistanceFor(d, 'event', '0102')).toBe(0);
    expect(duplicateDistanceFor(d, 'event', '0103')).toBe(100);
  });

  it('CASE_DUPLICATE_DISTANCE_M replaces the file\'s default only', () => {
    const file = { duplicateDistance: { defaultM: 100, byMinor: { 'event:0501': 0 } } };
    expect(caseDuplicateDistances({}, file)).toEqual(file.duplicateDistance);
    const env = caseDuplicateDistances(loadCaseConfig({ CASE_DUPLICATE_DISTANCE_M: '30' }), file);
    expect(env).toEqual({ defaultM: 30, byMinor: { 'event:0501': 0 } });
    expect(duplicateDistanceFor(env, 'event', '0501')).toBe(0);
    expect(duplicateDistanceFor(env, 'event', '0102')).toBe(30);
    expect(loadCaseConfig({}).duplicateDistanceM).toBeUndefined();
    expect(() => loadCaseConfig({ CASE_DUPLICATE_DISTANCE_M: '-1' })).toThrow(/CASE_DUPLICATE_DISTANCE_M/);
  });

  it('nearestAnchor ignores anchors beyond R', () => {
    expect(nearestAnchor([{ id: 'a', t: 0, x: 50.0001, y: 0 }], 0, 0, 50)).toBeNull();
  });
});

describe('geodata/repeats.json validation', () => {
  const err = (json: unknown, known?: Set<string>) => {
    try {
      parseRepeatsConfig(json, known);
    } catch (e) {
      expect(e).toBeInstanceOf(RepeatsConfigError);
      return (e as RepeatsConfigError).field;
    }
    throw new Error('accepted');
  };

  it('fills defaults and reads every setting', () => {
    expect(parseRepeatsConfig({})).toEqual(CFG);
    const c = parseRepeatsConfig({
      radiusM: 80, roadSnapM: 20, thresholds: { alley: 5 }, excludedKinds: [], excludedMinors: ['0201'], period: 'quarter', utcOffset: '+07:30',
      maxRangeDays: 93, radiusCapM: 200, duplicateDistanceM: { default: 50, byMinor: { 'event:0501': 0 } },
    });
    expect(c).toEqual({
      radiusM: 80, roadSnapM: 20, thresholds: { main: 2, secondary: 3, alley: 5, keyArea: 2 }, excludedKinds: [], excludedMinors: ['0201'], period: 'quarter',
      utcOffsetMinutes: 450, maxRangeDays: 93, radiusCapM: 200, duplicateDistance: { defaultM: 50, byMinor: { 'event:0501': 0 } },
    });
  });

  it('names the bad field', () => {
    expect(err([])).toBe('$');
    expect(err({ radius: 50 })).toBe('radius');
    expect(err({ radiusM: -1 })).toBe('radiusM');
    expect(err({ radiusM: 600 })).toBe('radiusM'); // above the default cap of 500
    expect(err({ radiusCapM: 0 })).toBe('radiusCapM');
    expect(err({ roadSnapM: '30' })).toBe('roadSnapM');
    expect(err({ thresholds: { alley: 1 } })).toBe('thresholds.alley');
    expect(err({ thresholds: { main: 2.5 } })).toBe('thresholds.main');
    expect(err({ thresholds: { lane: 3 } })).toBe('thresholds.lane');
    expect(err({ excludedKinds: ['part'] })).toBe('excludedKinds[0]');
    expect(err({ excludedMinors: ['0201', 'ads'] })).toBe('excludedMinors[1]');
    expect(err({ excludedMinors: ['event:9999'] }, new Set(['event:0201']))).toBe('excludedMinors[0]');
    expect(err({ period: 'week' })).toBe('period');
    expect(err({ utcOffset: '8' })).toBe('utcOffset');
    expect(err({ maxRangeDays: 0 })).toBe('maxRangeDays');
    expect(err({ duplicateDistanceM: { default: -5 } })).toBe('duplicateDistanceM.default');
    expect(err({ duplicateDistanceM: { byMinor: { '0501': 'far' } } })).toBe('duplicateDistanceM.byMinor.0501');
    expect(err({ duplicateDistanceM: { byMinor: { street: 10 } } })).toBe('duplicateDistanceM.byMinor.street');
  });

  it('accepts bare minors known under any kind', () => {
    expect(parseRepeatsConfig({ excludedMinors: ['0201'] }, new Set(['event:0201'])).excludedMinors).toEqual(['0201']);
  });
});

describe('incremental = batch (property)', () => {
  const roads: RoadClass[] = ['main', 'secondary', 'alley'];
  const start = at('2026-01-20T00:00:00Z');
  // a small area, few categories and a time span over a month boundary, so groups collide and periods split
  const arbCase = fc.record({
    x: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 300, noNaN: true })),
    y: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 300, noNaN: true })),
    minute: fc.integer({ min: 0, max: 30 * 24 * 60 }),
    sub: fc.integer({ min: 0, max: 2 }), // equal reported_at is common
    minor: fc.constantFrom('0102', '0103', '0201'),
    kind: fc.constantFrom<'event' | 'component'>('event', 'event', 'event', 'component'),
    district: fc.constantFrom('450203', '450204'),
    road: fc.constantFrom<RoadClass | null>(...roads, null),
    key: fc.boolean(),
  });

  it('one by one in time order gives exactly the batch groups', () => {
    fc.assert(
      fc.property(
        fc.array(arbCase, { maxLength: 150 }),
        fc.integer({ min: 5, max: 120 }),
        fc.constantFrom<'month' | 'quarter'>('month', 'quarter'),
        // clusters 1000 km apart make the batch index a hash of cells instead of a dense grid
        fc.constantFrom(0, 1e6),
        (raw, radiusM, period, far) => {
          const cases: RepeatCase[] = raw.map((r, i) => ({
            id: `${r.district}${String(i).padStart(6, '0')}`, districtCode: r.district, kind: r.kind, minor: r.minor,
            t: start + r.minute * 60_000_000 + r.sub, x: r.x + (i % 3) * far, y: r.y - (i % 2) * far, roadClass: r.road, keyArea: r.key,
          }));
          const rules = { ...CFG, radiusM, period };
          const batch = groupRepeats(cases, rules);
          const tracker = new RepeatTracker(rules);
          const assigned = new Map<string, string | null>();
          for (const c of [...cases].sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1))) assigned.set(c.id, tracker.add(c)?.id ?? null);
          const fromBatch = batch.groups().map((g) => ({ id: g.id, size: g.size, threshold: g.threshold, reached: g.reached, reachedAt: g.reachedAt, members: g.members.map((i) => cases[i].id) }));
          expect(byId(tracker.groups())).toEqual(byId(fromBatch));
          cases.forEach((c, i) => expect(assigned.get(c.id)).toBe(batch.groupOf[i] < 0 ? null : cases[batch.anchor[batch.groupOf[i]]].id));
          // anchored: every member lies within R of its anchor
          for (const g of batch.groups()) for (const m of g.members) expect(Math.hypot(cases[m].x - cases[g.anchor].x, cases[m].y - cases[g.anchor].y)).toBeLessThanOrEqual(radiusM + 1e-9);
        },
      ),
      { numRuns: 400 },
    );
  });
});
