import { describe, expect, it } from 'vitest';
import { parseBbox, simplifyTolerance, tileBounds, tileProblem } from '../../api/domain/tiles.ts';
import { toTileGeometry } from '../../api/tiles/encode.ts';
import { utmSrid } from '../../api/domain/utm.ts';

describe('tile arithmetic', () => {
  it('accepts tiles inside the pyramid and names what is wrong otherwise', () => {
    expect(tileProblem({ z: 0, x: 0, y: 0 })).toBeNull();
    expect(tileProblem({ z: 14, x: 16383, y: 0 })).toBeNull();
    expect(tileProblem({ z: 14, x: 16384, y: 0 })).toMatch(/x=16384 is outside 0–16383/);
    expect(tileProblem({ z: 25, x: 0, y: 0 })).toMatch(/zoom/);
    expect(tileProblem({ z: 1.5, x: 0, y: 0 })).toMatch(/integer/);
    expect(tileProblem({ z: 3, x: 0, y: -1 })).toMatch(/y=-1/);
  });
  it('computes Web-Mercator bounds', () => {
    const b = tileBounds({ z: 1, x: 1, y: 0 });
    expect(b.minx).toBeCloseTo(0, 6);
    expect(b.maxy).toBeCloseTo(20037508.342789244, 6);
    expect(b.maxx - b.minx).toBeCloseTo(20037508.342789244, 6);
  });
  it('simplifies by half a tile unit below z15 and not at all above', () => {
    expect(simplifyTolerance(14)).toBeCloseTo(40075016.68557849 / 2 ** 14 / 4096 / 2, 9);
    expect(simplifyTolerance(15)).toBe(0);
    expect(simplifyTolerance(10)).toBeGreaterThan(simplifyTolerance(11));
  });
  it('parses a bbox and rejects bad ones with a reason', () => {
    expect(parseBbox('109.4,24.2,109.5,24.3')).toEqual([109.4, 24.2, 109.5, 24.3]);
    expect(() => parseBbox('1,2,3')).toThrow(/4 numbers/);
    expect(() => parseBbox('a,2,3,4')).toThrow(/must be numbers/);
    expect(() => parseBbox('1,,3,4')).toThrow(/must be numbers/);
    expect(() => parseBbox('-190,2,3,4')).toThrow(/outside WGS84/);
    expect(() => parseBbox('3,2,1,4')).toThrow(/min must be below max/);
  });
  it('picks the UTM zone of a position', () => {
    expect(utmSrid(109.47, 24.27)).toBe(32649);
    expect(utmSrid(116.4, 39.9)).toBe(32650);
    expect(utmSrid(-70, -33)).toBe(32719);
    expect(utmSrid(180, 0)).toBe(32601);
    expect(() => utmSrid(NaN, 0)).toThrow();
  });
});

describe('tile geometry conversion', () => {
  it('maps GeoJSON types to MVT types and drops degenerate parts', () => {
    expect(toTileGeometry({ type: 'Point', coordinates: [1, 2] })).toEqual({ type: 1, geometry: [[1, 2]] });
    expect(toTileGeometry({ type: 'LineString', coordinates: [[1, 2]] })).toBeNull();
    expect(toTileGeometry({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2]]] })).toEqual({ type: 2, geometry: [[[0, 0], [1, 1]]] });
    const square = [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]];
    expect(toTileGeometry({ type: 'MultiPolygon', coordinates: [[square], [[[0, 0], [1, 1], [0, 0]]]] })).toEqual({ type: 3, geometry: [square] });
    expect(toTileGeometry({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 1] }, { type: 'Polygon', coordinates: [square] }] }))
      .toEqual({ type: 3, geometry: [square] });
  });
});
