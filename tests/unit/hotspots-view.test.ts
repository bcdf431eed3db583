/**
 * The hotspot view's pure model (web/src/views/hotspots/model.ts): the query its form makes, the legend classes
 * against the API's bins and categories, and the geometry helpers the drill-down uses.
 */
import { describe, expect, it } from 'vitest';
import { EMERGING_CATEGORIES } from '../../api/domain/hotspots/index.ts';
import { HOTSPOT_PARAMS, EMERGING_PARAMS, parseEmergingParams, parseHotspotParams } from '../../api/analysis/hotspots/params.ts';
import { allocColumns, NONE, type FeedDicts } from '../../api/cases-feed/format.ts';
import { casesInArea } from '../../web/src/views/hotspots/area-cases.ts';
import { analysisQuery, BIN_CLASSES, bboxOf, defaultForm, EMERGING_CLASSES, PARAM_LABEL, pointInPolygon, windowOf } from '../../web/src/views/hotspots/model.ts';

/** 2026-11-22 10:00 in China (02:00 UTC) and 2026-11-21 23:30 UTC (= 22 November 07:30 in China). */
const NOW = Date.parse('2026-11-22T02:00:00Z');
const LATE_UTC = Date.parse('2026-11-21T23:30:00Z');

describe('hotspot view form', () => {
  it('turns relative ranges into whole China days ending tomorrow (today included)', () => {
    expect(windowOf({ range: '30d', from: '', to: '' }, NOW)).toEqual({ from: '2026-10-24', to: '2026-11-23' });
    expect(windowOf({ range: '365d', from: '', to: '' }, NOW)).toEqual({ from: '2025-11-23', to: '2026-11-23' });
    // the day is China's, not UTC's
    expect(windowOf({ range: '30d', from: '', to: '' }, LATE_UTC)).toEqual({ from: '2026-10-24', to: '2026-11-23' });
    expect(windowOf({ range: 'all', from: '', to: '' }, NOW)).toEqual({});
  });

  it('takes a custom end date as inclusive and leaves open ends open', () => {
    expect(windowOf({ range: 'custom', from: '2026-03-01', to: '2026-03-31' }, NOW)).toEqual({ from: '2026-03-01', to: '2026-04-01' });
    expect(windowOf({ range: 'custom', from: '2025-12-31', to: '2025-12-31' }, NOW)).toEqual({ from: '2025-12-31', to: '2026-01-01' });
    expect(windowOf({ range: 'custom', from: '', to: '' }, NOW)).toEqual({ from: undefined, to: undefined });
  });

  it('makes a query the API parses to the same filters; blank cell size and band are left to the data', () => {
    const form = { ...defaultForm(), kind: 'event' as const, minor: '0502', source: 'hotline', department: 'd2', district: '450203001', cell: 'hex' as const, band: ' 600 ' };
    const q = Object.fromEntries(new URLSearchParams(analysisQuery(form, NOW)));
    expect(Object.keys(q).every((k) => HOTSPOT_PARAMS.includes(k))).toBe(true);
    const p = parseHotspotParams(q);
    expect(p.filters).toEqual({ kind: ['event'], minor: ['0502'], source: ['hotline'], department: ['d2'], district: ['450203001'] });
    expect(p).toMatchObject({ cell: 'hex', band: 600, cellSize: undefined });
    expect(p.from?.toISOString()).toBe('2025-11-22T16:00:00.000Z'); // 2025-11-23 00:00 +08:00
    expect(p.to?.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect('step' in q).toBe(false);
    const e = Object.fromEntries(new URLSearchParams(analysisQuery({ ...defaultForm(), step: 'week' }, NOW, true)));
    expect(Object.keys(e).every((k) => EMERGING_PARAMS.includes(k))).toBe(true);
    expect(parseEmergingParams(e).step).toBe('week');
  });

  it('names every parameter the API may refuse in Chinese', () => {
    for (const k of EMERGING_PARAMS) expect(PARAM_LABEL[k], k).toBeTruthy();
  });
});

describe('hotspot view legend', () => {
  it('has the seven Gi_Bin classes, hot to cold, each with its confidence level', () => {
    expect(BIN_CLASSES.map((c) => c.bin)).toEqual([3, 2, 1, 0, -1, -2, -3]);
    expect(BIN_CLASSES.map((c) => c.label.match(/\d+%/)?.[0] ?? '')).toEqual(['99%', '95%', '90%', '', '90%', '95%', '99%']);
    expect(new Set(BIN_CLASSES.map((c) => c.color)).size).toBe(7);
  });

  it('has a class for every emerging category of the domain, and no other', () => {
    expect(EMERGING_CLASSES.map((c) => c.category)).toEqual([...EMERGING_CATEGORIES]);
    const patterned = EMERGING_CLASSES.filter((c) => c.category !== 'no_pattern');
    expect(new Set(patterned.map((c) => c.color)).size).toBe(patterned.length);
    expect(EMERGING_CLASSES.find((c) => c.category === 'intensifying_hot')?.label).toBe('加强热点');
    expect(EMERGING_CLASSES.find((c) => c.category === 'new_cold')?.label).toBe('新出现冷点');
  });
});

describe('hotspot view geometry', () => {
  const square = (x: number, y: number, s: number) => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
  it('tells a point inside a polygon from one in its hole or outside', () => {
    const withHole = { type: 'Polygon' as const, coordinates: [square(0, 0, 10), square(4, 4, 2)] };
    expect(pointInPolygon(1, 1, withHole)).toBe(true);
    expect(pointInPolygon(5, 5, withHole)).toBe(false);
    expect(pointInPolygon(11, 5, withHole)).toBe(false);
    const multi = { type: 'MultiPolygon' as const, coordinates: [[square(0, 0, 1)], [square(5, 5, 1)]] };
    expect(pointInPolygon(5.5, 5.5, multi)).toBe(true);
    expect(pointInPolygon(3, 3, multi)).toBe(false);
  });

  it('finds the bounding box of polygons and multipolygons', () => {
    expect(bboxOf({ type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(5, -2, 1)]] })).toEqual([0, -2, 6, 1]);
    expect(bboxOf({ type: 'Point', coordinates: [109.4, 24.3] })).toEqual([109.4, 24.3, 109.4, 24.3]);
  });
});

describe('cases of a hot area (from the case feed)', () => {
  const dicts: FeedDicts = {
    counties: ['450203'],
    otherIds: [],
    minors: [
      { kind: 'event', code: '0501', name: '无照经营游商', majorName: '街面秩序' },
      { kind: 'event', code: '0102', name: '暴露垃圾', majorName: '市容环境' },
    ],
    departments: [{ id: 'd1', name: '一队' }, { id: 'd2', name: '二队' }],
    streets: [{ code: '450203001', name: '东街' }],
    communities: [{ code: '450203001001', name: '甲社区', street: '450203001' }],
    statuses: ['registered', 'voided'],
    lights: [''],
    sources: ['patrol', 'hotline'],
  };
  // [lon, lat, reported (s), minor, department, source, status]
  const rows: [number, number, number, number, number, number, number][] = [
    [0.5, 0.5, 100, 0, 0, 0, 0], // in, oldest
    [0.6, 0.4, 300, 0, 1, 1, 0], // in, newest
    [0.2, 0.2, 200, 1, 0, 0, 0], // in, another minor
    [0.5, 0.5, 250, 0, 0, 0, 1], // in, voided
    [1.5, 0.5, 150, 0, 0, 0, 0], // outside the polygon, inside no box
    [0.9, 0.9, 150, 0, NONE, 0, 0], // in the box, in the hole
  ];
  const cols = allocColumns(rows.length);
  rows.forEach(([lon, lat, t, minor, dept, source, status], i) => {
    cols.lon[i] = lon;
    cols.lat[i] = lat;
    cols.reportedAt[i] = t;
    cols.minor[i] = minor;
    cols.department[i] = dept;
    cols.source[i] = source;
    cols.status[i] = status;
    cols.county[i] = 0;
    cols.street[i] = 0;
    cols.community[i] = 0;
  });
  const table = { cols, dicts, count: rows.length };
  const geometry = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], [[0.8, 0.8], [1, 0.8], [1, 1], [0.8, 1], [0.8, 0.8]]] };
  const iso = (s: number) => new Date(s * 1000).toISOString();

  it('lists the counted cases in the polygon, newest first', () => {
    expect([...casesInArea(table, { from: null, to: null, filters: {}, geometry })]).toEqual([1, 2, 0]);
  });

  it("applies the analysis' window and filters", () => {
    expect([...casesInArea(table, { from: iso(150), to: iso(300), filters: {}, geometry })]).toEqual([2]);
    expect([...casesInArea(table, { from: null, to: null, filters: { minor: ['0501'] }, geometry })]).toEqual([1, 0]);
    expect([...casesInArea(table, { from: null, to: null, filters: { major: ['01'] }, geometry })]).toEqual([2]);
    expect([...casesInArea(table, { from: null, to: null, filters: { source: ['hotline'] }, geometry })]).toEqual([1]);
    expect([...casesInArea(table, { from: null, to: null, filters: { department: ['d1'] }, geometry })]).toEqual([2, 0]);
    expect([...casesInArea(table, { from: null, to: null, filters: { district: ['450203001001'] }, geometry })]).toEqual([1, 2, 0]);
    expect([...casesInArea(table, { from: null, to: null, filters: { district: ['450203002'] }, geometry })]).toEqual([]);
  });
});
