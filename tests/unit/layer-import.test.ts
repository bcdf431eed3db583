import { describe, expect, it } from 'vitest';
import { prepareFeatures } from '../../api/domain/layer-import.ts';

const pt = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] });
const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features });

describe('layer import validation', () => {
  it('derives district levels and parents from codes', () => {
    const { rows, rejected } = prepareFeatures('districts', fc([
      { type: 'Feature', properties: { code: '450203001', name: '街道' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
    ]));
    expect(rejected).toEqual([]);
    expect(rows[0]).toMatchObject({ code: '450203001', level: 'street', parent_code: '450203' });
  });
  it('checks grid code prefixes and lengths', () => {
    const poly = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };
    const { rows, rejected } = prepareFeatures('grids', fc([
      { type: 'Feature', properties: { code: '450203001001001' }, geometry: poly },
      { type: 'Feature', properties: { code: '4502030010010' }, geometry: poly },
      { type: 'Feature', properties: { code: '45020300100101', community_code: '450203001002' }, geometry: poly },
    ]));
    expect(rows.map((r) => r.code)).toEqual(['450203001001001']);
    expect(rows[0]).toMatchObject({ community_code: '450203001001', street_code: '450203001', district_code: '450203' });
    expect(rejected.map((r) => r.reason)).toEqual([
      'code "4502030010010" must be 14 or 15 digits',
      'code "45020300100101" must start with its community code "450203001002"',
    ]);
  });
  it('applies a property mapping and takes the id from the feature when the property is absent', () => {
    const { rows } = prepareFeatures('roads', fc([{ type: 'Feature', id: 'R9', properties: { MC: '阳和大道', DJ: '主干道' }, geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } }]), { mapping: { name: 'MC', class: 'DJ' } });
    expect(rows[0]).toMatchObject({ id: 'R9', name: '阳和大道', class: 'main', source: 'import' });
  });
  it('derives a component minor from 16- and 17-digit ids', () => {
    const { rows } = prepareFeatures('components', fc([
      { type: 'Feature', properties: { id: '4502030102000001' }, geometry: pt(109.4, 24.2) },
      { type: 'Feature', properties: { id: '45020301002000001', status: '丢失' }, geometry: pt(109.4, 24.2) },
    ]));
    expect(rows.map((r) => [r.kind_code, r.status])).toEqual([['0102', 'intact'], ['01002', 'lost']]);
  });
  it('rejects duplicates, missing fields, bad zone windows and governed categories', () => {
    const poly = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };
    const { rejected } = prepareFeatures('zones', fc([
      { type: 'Feature', properties: { id: 'z1', name: 'a', level: 'key' }, geometry: poly },
      { type: 'Feature', properties: { id: 'z1', name: 'b', level: 'key' }, geometry: poly },
      { type: 'Feature', properties: { id: 'z2', level: 'key' }, geometry: poly },
      { type: 'Feature', properties: { id: 'z3', name: 'c', level: 'key', windows: [{ from: '6', to: '09:00' }] }, geometry: poly },
      { type: 'Feature', properties: { id: 'z4', name: 'd', level: 'key', governed_minors: ['0501'] }, geometry: poly },
      { type: 'Feature', properties: { id: 'z5', name: 'e', level: 'forbidden' }, geometry: poly },
      { type: 'Feature', properties: { id: 'z6', name: 'f', level: 'key' }, geometry: null },
    ]));
    expect(rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'duplicate id "z1" in file'],
      [2, 'missing property "name"'],
      [3, expect.stringMatching(/needs from\/to as HH:MM/)],
      [4, expect.stringMatching(/kind:code keys/)],
      [5, expect.stringMatching(/level "forbidden" must be one of/)],
      [6, 'feature has no geometry'],
    ]);
  });
  it('refuses documents that are not FeatureCollections', () => {
    expect(() => prepareFeatures('roads', { type: 'Feature' })).toThrow(/FeatureCollection/);
    expect(() => prepareFeatures('roads', null)).toThrow(/FeatureCollection/);
  });
});
