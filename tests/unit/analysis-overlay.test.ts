/**
 * The analysis overlays' pure part (web/src/map/analysis/shape.ts): the period asked of the analyses, the circle
 * sizes, and the GeoJSON the map layers draw.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureCollection, Point } from 'geojson';
import { analysisRange, hotGridCodes, repeatCircles, repeatRadius, zoneLabels, type RepeatsResponse, type ZonesResponse } from '../../web/src/map/analysis/shape.ts';

/** 2026-11-22 10:00 in China; 2026-11-30 23:30 UTC is 1 December 07:30 in China. */
const NOW = Date.parse('2026-11-22T02:00:00Z');
const LATE_UTC = Date.parse('2026-11-30T23:30:00Z');

describe('analysis period', () => {
  it('is the China month so far, ending at the next China midnight', () => {
    expect(analysisRange({ range: 'month', from: '', to: '' }, NOW)).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-22T16:00:00.000Z' });
    // the month is China's, not UTC's
    expect(analysisRange({ range: 'month', from: '', to: '' }, LATE_UTC)).toEqual({ from: '2026-11-30T16:00:00.000Z', to: '2026-12-01T16:00:00.000Z' });
  });
  it('takes a custom range whole days inclusive', () => {
    expect(analysisRange({ range: 'custom', from: '2026-03-01', to: '2026-03-31' }, NOW)).toEqual({ from: '2026-02-28T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z' });
  });
  it('cuts an open start to the analyses\u2019 366 days', () => {
    const r = analysisRange({ range: 'custom', from: '', to: '' }, NOW);
    expect(r.to).toBe('2026-11-22T16:00:00.000Z');
    expect((Date.parse(r.to) - Date.parse(r.from)) / 86_400_000).toBe(366);
  });
});

describe('repeat circles', () => {
  it('grow with the square root of the size, within 7–26 px', () => {
    expect(repeatRadius(2)).toBe(7);
    expect(repeatRadius(8)).toBe(14);
    expect(repeatRadius(1)).toBe(7);
    expect(repeatRadius(1000)).toBe(26);
    expect(repeatRadius(4)).toBeGreaterThan(repeatRadius(3));
  });

  const group = (id: string, size: number, reached: boolean, at: [number, number]): RepeatsResponse['features'][number] => ({
    type: 'Feature',
    id,
    geometry: { type: 'Point', coordinates: at },
    properties: {
      id, districtCode: '330106', kind: 'event', minor: '0101', period: '2026-11', roadClass: 'alley', keyArea: false, threshold: 4, size, sizeInRange: size,
      reached, reachedAt: null, firstAt: '', lastAt: '', members: Array.from({ length: size }, (_, i) => `${id}-${i}`), departments: [],
    },
  });

  it('become one point per group with flat properties, reached ones drawn last', () => {
    const fc = repeatCircles({ features: [group('A', 5, true, [120.1, 30.2]), group('B', 3, false, [120.2, 30.3]), group('C', 2, false, [120.3, 30.4])] });
    expect(fc.features.map((f) => f.properties.id)).toEqual(['C', 'B', 'A']);
    const a = fc.features[2];
    expect(a.geometry.coordinates).toEqual([120.1, 30.2]);
    expect(a.properties).toMatchObject({ size: 5, threshold: 4, reached: true, minor: 'event:0101', roadClass: 'alley', radius: repeatRadius(5) });
    expect(a.properties.members.split(',')).toEqual(['A-0', 'A-1', 'A-2', 'A-3', 'A-4']);
  });
});

describe('zone labels', () => {
  const points: FeatureCollection<Point, { id?: string; name?: string; level?: string }> = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', geometry: { type: 'Point', coordinates: [120.1, 30.1] }, properties: { id: 'Z1', name: '湖滨严禁区', level: 'prohibited' } },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [120.2, 30.2] }, properties: { id: 'Z2', name: '南山路限制区', level: 'restricted' } },
    ],
  };
  const zone = (id: string, violations: number, highIncidence: boolean) =>
    ({ id, name: id, level: 'prohibited', districtCode: null, cases: violations + 1, violations, violationsByMinor: [], violationsByDepartment: [], rank: 1, highIncidence }) as ZonesResponse['zones'][number];

  it('write the name and the period\u2019s cases and violations at each zone\u2019s label point, 0 for a zone without any', () => {
    const fc = zoneLabels(points, { zones: [zone('Z1', 12, true)] });
    expect(fc.features.map((f) => f.properties.label)).toEqual(['湖滨严禁区\n案件 13 · 违规 12 · 高发', '南山路限制区\n案件 0 · 违规 0']);
    expect(fc.features[0].properties).toMatchObject({ violations: 12, cases: 13, highIncidence: true, level: 'prohibited' });
    expect(fc.features[1].geometry.coordinates).toEqual([120.2, 30.2]);
  });

  it('list the high-incidence grids\u2019 codes', () => {
    expect(hotGridCodes({ grids: { total: 3, withCases: 2, cases: 9, topN: 1, highIncidence: [{ code: '330106001001001', cases: 8, rank: 1 }] } })).toEqual(['330106001001001']);
  });
});
