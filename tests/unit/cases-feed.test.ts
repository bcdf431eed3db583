import { describe, expect, it } from 'vitest';
import { allocColumns, caseId, decodeFeed, encodeFeed, FLAG_KEY, FLAG_REPEAT, growColumns, NONE, splitCaseId, type FeedDicts } from '../../api/cases-feed/format.ts';
import { filterRows, majorsOf, minorsOf, rangeBounds, defaultFilters, type CaseFilters } from '../../web/src/map/cases/filter.ts';

const dicts: FeedDicts = {
  counties: ['450203'],
  otherIds: ['LEGACY-7'],
  minors: [
    { kind: 'event', code: '0102', name: '暴露垃圾', majorName: '市容环境' },
    { kind: 'event', code: '0501', name: '无照经营游商', majorName: '街面秩序' },
    { kind: 'component', code: '0101', name: '上水井盖', majorName: '公用设施' },
  ],
  departments: [{ id: 'd1', name: '一' }, { id: 'd2', name: '二' }],
  streets: [{ code: '450203001', name: '阳和街道' }],
  communities: [{ code: '450203001001', name: '西社区', street: '450203001' }, { code: '450203001002', name: '东社区', street: '450203001' }],
  statuses: ['reported', 'accepted', 'registered', 'dispatched', 'handled', 'verified', 'closed', 'voided', 'suspended'],
  lights: ['', 'green', 'yellow', 'red'],
  sources: ['patrol', 'hotline'],
};

/** Three cases: an open red event (d1, 西社区), a closed component (d2, 东社区), a legacy-id report. */
function sample() {
  const c = allocColumns(3);
  const t = Date.parse('2026-03-15T09:00:00+08:00') / 1000;
  [
    { idNum: 2026031500001, county: 0, lon: 109.46, reportedAt: t, minor: 0, department: 0, community: 0, status: 3, light: 3, source: 0 },
    { idNum: 2026020100002, county: 0, lon: 109.47, reportedAt: t - 40 * 86400, minor: 2, department: 1, community: 1, status: 6, light: 0, source: 1 },
    { idNum: 0, county: NONE, lon: 109.48, reportedAt: t - 3600, minor: 1, department: NONE, community: NONE, status: 0, light: 0, source: 1 },
  ].forEach((r, i) => {
    c.idNum[i] = r.idNum;
    c.county[i] = r.county;
    c.lon[i] = r.lon;
    c.lat[i] = 24.27;
    c.reportedAt[i] = r.reportedAt;
    c.minor[i] = r.minor;
    c.department[i] = r.department;
    c.street[i] = r.community === NONE ? NONE : 0;
    c.community[i] = r.community;
    c.status[i] = r.status;
    c.light[i] = r.light;
    c.source[i] = r.source;
  });
  return c;
}

describe('case feed format', () => {
  it('round-trips every column, aligned, with ids of both forms', () => {
    const cols = sample();
    const bytes = encodeFeed({ count: 3, asOf: 'x', lastEventId: 9, resumeAfter: 0, from: 'y', dicts }, cols);
    const copy = bytes.slice().buffer; // a fresh ArrayBuffer, as fetch() gives
    const { header, columns } = decodeFeed(copy);
    expect(header.count).toBe(3);
    expect(header.lastEventId).toBe(9);
    for (const k of Object.keys(cols) as (keyof typeof cols)[]) expect(Array.from(columns[k]), k).toEqual(Array.from(cols[k]));
    expect([0, 1, 2].map((i) => caseId(header.dicts, columns.county[i], columns.idNum[i]))).toEqual(['4502032026031500001', '4502032026020100002', 'LEGACY-7']);
    expect(splitCaseId('4502032026031500001')).toEqual({ county: '450203', idNum: 2026031500001 });
    expect(splitCaseId('LEGACY-7')).toBeNull();
    expect(() => decodeFeed(new ArrayBuffer(16))).toThrow(/magic/);
  });

  it('grows columns keeping their values', () => {
    const g = growColumns(sample(), 3, 10);
    expect(g.lon.length).toBe(10);
    expect(Array.from(g.lon.subarray(0, 3))).toEqual(Array.from(sample().lon));
  });
});

describe('case filters (map and list)', () => {
  const store = { cols: sample(), dicts, count: 3 };
  const now = Date.parse('2026-03-15T10:00:00+08:00');
  const rows = (f: Partial<CaseFilters>) => Array.from(filterRows(store, { ...defaultFilters(), ...f }, now));

  it('time ranges are local (China Standard Time)', () => {
    expect(rangeBounds({ range: 'today', from: '', to: '' }, now)[0]).toBe(Date.parse('2026-03-15T00:00:00+08:00') / 1000);
    expect(rangeBounds({ range: 'week', from: '', to: '' }, now)[0]).toBe(Date.parse('2026-03-09T00:00:00+08:00') / 1000); // Monday
    expect(rangeBounds({ range: 'month', from: '', to: '' }, now)[0]).toBe(Date.parse('2026-03-01T00:00:00+08:00') / 1000);
    expect(rangeBounds({ range: 'custom', from: '2026-02-01', to: '2026-02-01' }, now)).toEqual([
      Date.parse('2026-02-01T00:00:00+08:00') / 1000,
      Date.parse('2026-02-02T00:00:00+08:00') / 1000,
    ]);
  });

  it('each filter narrows the rows; open cases can be added whatever their date', () => {
    expect(rows({})).toEqual([0, 2]); // this month
    expect(rows({ range: 'year' })).toEqual([0, 1, 2]);
    expect(rows({ range: 'today' })).toEqual([0, 2]);
    expect(rows({ range: 'custom', from: '2026-02-01', to: '2026-02-28' })).toEqual([1]);
    expect(rows({ range: 'custom', from: '2026-02-01', to: '2026-02-28', includeOpen: true })).toEqual([0, 1, 2]);
    expect(rows({ range: 'year', kind: 'component' })).toEqual([1]);
    expect(rows({ range: 'year', major: '05' })).toEqual([2]);
    expect(rows({ range: 'year', minor: '0102' })).toEqual([0]);
    expect(rows({ range: 'year', lights: ['red'] })).toEqual([0]);
    expect(rows({ range: 'year', lights: [''] })).toEqual([1, 2]);
    expect(rows({ range: 'year', statuses: ['closed', 'reported'] })).toEqual([1, 2]);
    expect(rows({ range: 'year', sources: ['hotline'] })).toEqual([1, 2]);
    expect(rows({ range: 'year', department: 'd2' })).toEqual([1]);
    expect(rows({ range: 'year', district: '450203001' })).toEqual([0, 1]);
    expect(rows({ range: 'year', district: '450203001002' })).toEqual([1]);
  });

  it('重复案件 keeps the rows flagged as repeat cases', () => {
    const cols = sample();
    cols.flags[2] = FLAG_REPEAT | FLAG_KEY;
    cols.flags[1] = FLAG_KEY;
    const f = (x: Partial<CaseFilters>) => Array.from(filterRows({ cols, dicts, count: 3 }, { ...defaultFilters(), range: 'year', ...x }, now));
    expect(f({ repeat: true })).toEqual([2]);
    expect(f({ repeat: true, sources: ['patrol'] })).toEqual([]);
    expect(f({ repeat: false })).toEqual([0, 1, 2]);
  });
});

describe('the filters’ 大类 / 小类 lists', () => {
  const minors = [
    { kind: 'event', code: '0502', name: '占道经营', majorName: '街面秩序' },
    { kind: 'event', code: '0102', name: '暴露垃圾', majorName: '市容环境' },
    { kind: 'component', code: '0101', name: '上水井盖', majorName: '公用设施' },
    { kind: 'event', code: '0501', name: '无照经营游商', majorName: null },
  ] as FeedDicts['minors'];

  it('lists each major once, by code, for one kind or all', () => {
    expect(majorsOf(minors, null)).toEqual([['01', '市容环境'], ['05', '街面秩序']]);
    expect(majorsOf(minors, 'component')).toEqual([['01', '公用设施']]);
  });

  it('lists the minors of a kind and a major', () => {
    expect(minorsOf(minors, 'event', '05').map((m) => m.code)).toEqual(['0502', '0501']);
    expect(minorsOf(minors, null, null)).toHaveLength(4);
  });
});
