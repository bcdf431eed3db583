import { describe, expect, it } from 'vitest';
import { checkPolygonShape, countPositions, lineProblem } from '../../api/domain/grid-geometry.ts';
import { codeProblems, nextCodes, readingOrder, renumberMap, serialWidth } from '../../api/domain/grid-codes.ts';
import { PROBLEM_TYPES, problemMessage, reasonZh, summary, problem } from '../../api/domain/grid-problems.ts';
import { parseItemsQuery } from '../../api/domain/ogc.ts';
import { tilesExactly } from '../../api/domain/coverage-chain.ts';
import { wkbPolygons } from '../../api/domain/wkb.ts';

const sq = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]];

describe('grid geometry shape checks', () => {
  it('accepts closed polygons and multipolygons', () => {
    expect(checkPolygonShape({ type: 'Polygon', coordinates: sq }, 100)).toEqual([]);
    expect(checkPolygonShape({ type: 'MultiPolygon', coordinates: [sq, sq] }, 100)).toEqual([]);
    expect(checkPolygonShape({ type: 'Polygon', coordinates: [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]] }, 100)).toEqual([]);
  });

  it('names wrong types, bad numbers, ranges, unclosed rings and short rings with their path', () => {
    expect(checkPolygonShape({ type: 'LineString', coordinates: [] }, 100)[0].message.en).toBe('geometry must be a Polygon or MultiPolygon, got LineString');
    expect(checkPolygonShape(null, 100)[0].message.en).toMatch(/got nothing/);
    expect(checkPolygonShape('x', 100)[0].type).toBe('geometry_type');
    const bad = checkPolygonShape({ type: 'MultiPolygon', coordinates: [sq, [[[0, 0], [1, 'a'], [200, 1], [0, 0]]]] }, 100);
    expect(bad.map((p) => [p.type, p.message.en.match(/coordinates\[[\d\]\[]+/)?.[0]])).toEqual([
      ['bad_coordinates', 'coordinates[1][0][1]'], ['out_of_range', 'coordinates[1][0][2]'],
    ]);
    const open = checkPolygonShape({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, 100, { grid: 'g1', index: 3 });
    expect(open).toMatchObject([{ type: 'unclosed_ring', grid: 'g1', index: 3, geometry: { type: 'MultiPoint', coordinates: [[0, 0], [0, 1]] } }]);
    expect(checkPolygonShape({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, 100)[0]).toMatchObject({ type: 'too_few_points', geometry: { type: 'Point' } });
    expect(checkPolygonShape({ type: 'Polygon', coordinates: [] }, 100)[0].type).toBe('too_few_points');
    expect(checkPolygonShape({ type: 'Polygon', coordinates: 5 }, 100)[0].type).toBe('too_few_points');
  });

  it('caps vertices before looking further and caps the number of problems', () => {
    const ring = Array.from({ length: 200 }, (_, i) => [i / 1000, (i % 2) / 1000]);
    const p = checkPolygonShape({ type: 'Polygon', coordinates: [ring] }, 100);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ type: 'too_many_vertices', geometry: { type: 'Polygon' } });
    const junk = Array.from({ length: 50 }, () => ['a', 'b']);
    expect(checkPolygonShape({ type: 'Polygon', coordinates: [junk] }, 100)).toHaveLength(20);
    expect(countPositions([[[0, 0], [1, 1]], [[2, 2]]])).toBe(3);
  });

  it('checks split lines', () => {
    expect(lineProblem({ type: 'LineString', coordinates: [[0, 0], [1, 1]] })).toBeNull();
    expect(lineProblem({ type: 'Polygon', coordinates: sq })).toMatch(/must be a GeoJSON LineString, got Polygon/);
    expect(lineProblem({ type: 'LineString', coordinates: [[0, 0]] })).toMatch(/at least 2 points/);
    expect(lineProblem({ type: 'LineString', coordinates: [[24, 109], [25, 110]] })).toMatch(/coordinates\[0\] \(24, 109\) are outside/);
  });
});

describe('grid codes', () => {
  it('checks format and community prefix', () => {
    expect(codeProblems('45020300100101', '450203001001', null)).toEqual([]);
    expect(codeProblems('450203001001001', null, null)).toEqual([]);
    expect(codeProblems('4502030010010', null, null)[0].type).toBe('code_format');
    expect(codeProblems('45020300100201', '450203001001', null)[0].type).toBe('code_prefix');
  });

  it('hands out serials above the highest ever used, then the lowest free ones', () => {
    const c = '450203001001';
    expect(nextCodes(c, [], 2, 2)).toEqual([`${c}01`, `${c}02`]);
    expect(nextCodes(c, [`${c}01`, `${c}07`], 2, 2)).toEqual([`${c}08`, `${c}09`]);
    expect(nextCodes(c, [`${c}01`, `${c}99`], 2, 2)).toEqual([`${c}02`, `${c}03`]);
    expect(nextCodes(c, [`${c}005`], 1, 3)).toEqual([`${c}006`]);
    const full = Array.from({ length: 99 }, (_, i) => c + String(i + 1).padStart(2, '0'));
    expect(() => nextCodes(c, full, 1, 2)).toThrow(/no free 2-digit grid serial left/);
    expect(serialWidth([`${c}01`], 3)).toBe(2);
    expect(serialWidth([`${c}001`, `${c}02`], 2)).toBe(3);
    expect(serialWidth([], 3)).toBe(3);
  });

  it('orders grids in reading order: rows north→south, west→east within a row', () => {
    // a 3×2 block of 100 m cells with slightly jittered centres, given shuffled
    const cells = [
      { code: 'c', x: 250, y: 152, height: 100 }, { code: 'a', x: 50, y: 148, height: 100 }, { code: 'e', x: 150, y: 51, height: 100 },
      { code: 'b', x: 150, y: 150, height: 100 }, { code: 'f', x: 251, y: 49, height: 100 }, { code: 'd', x: 49, y: 50, height: 100 },
    ];
    expect(readingOrder(cells).map((c) => c.code)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(renumberMap('450203001001', cells, 2).map((m) => `${m.old}→${m.new.slice(12)}`)).toEqual(['a→01', 'b→02', 'c→03', 'd→04', 'e→05', 'f→06']);
    expect(() => renumberMap('450203001001', Array.from({ length: 100 }, (_, i) => ({ code: String(i), x: i, y: 0, height: 1 })), 2)).toThrow(/more than 2-digit serials allow/);
  });
});

describe('grid problem messages', () => {
  it('has a Chinese and an English message for every type', () => {
    for (const type of PROBLEM_TYPES) {
      const m = problemMessage(type, { at: [109.5, 24.3], got: 'Point', path: 'coordinates[0]', x: 1, y: 2, ring: 'coordinates[0]', n: 3, max: 2, reason: 'Self-intersection', m: 1000, community: '450203001001', area: 12.345, other: 'g2', compactness: 0.01, minArea: 100, minCompactness: 0.05, code: 'g1', codes: 'g1, g2', communities: 'a, b', workGrid: 'w', index: 0 });
      expect(m.en.length, type).toBeGreaterThan(10);
      expect(m.zh.length, type).toBeGreaterThan(5);
      expect(m.zh, type).not.toMatch(/undefined/);
      expect(m.en, type).not.toMatch(/undefined/);
    }
    expect(reasonZh('Hole lies outside shell')).toBe('内环位于外环之外');
    expect(summary([problem('gap', { area: 5, community: 'c' }, null), problem('gap', { area: 5, community: 'c' }, null)])).toMatch(/\(and 1 more problem\)$/);
  });
});

describe('OGC items query', () => {
  it('parses limit, offset and bbox and refuses bad values naming them', () => {
    expect(parseItemsQuery({}, 100, 10000)).toEqual({ limit: 100, offset: 0, bbox: null });
    expect(parseItemsQuery({ limit: '20000', offset: '5', bbox: '1,2,3,4' }, 100, 10000)).toEqual({ limit: 10000, offset: 5, bbox: [1, 2, 3, 4] });
    expect(parseItemsQuery({ bbox: '1,2,0,3,4,9' }, 100, 10000).bbox).toEqual([1, 2, 3, 4]);
    expect(() => parseItemsQuery({ limit: '0' }, 100, 10000)).toThrow(/limit/);
    expect(() => parseItemsQuery({ offset: 'x' }, 100, 10000)).toThrow(/offset/);
    expect(() => parseItemsQuery({ bbox: '1,2,3,4,5' }, 100, 10000)).toThrow(/got 5 values/);
    expect(() => parseItemsQuery({ bbox: '1,2,3,4', 'bbox-crs': 'EPSG:3857' }, 100, 10000)).toThrow(/bbox-crs/);
  });
});

describe('coverage chain test', () => {
  const r = (...pts: number[][]) => Float64Array.from([...pts, pts[0]].flat());
  const box = (w: number, s: number, e: number, n: number) => [[r([w, s], [e, s], [e, n], [w, n])]];
  const community = box(0, 0, 2, 2);

  it('proves exact tilings, with grid vertices splitting the community edges', () => {
    const quarters = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)];
    expect(tilesExactly(community, quarters)).toBe(true);
    // halves: the community's south edge is split by no grid vertex, its west edge at y = 1
    expect(tilesExactly(community, [box(0, 0, 2, 1), box(0, 1, 2, 2)])).toBe(true);
    // a grid with a hole and an island grid filling it
    const holed = [[r([0, 0], [2, 0], [2, 2], [0, 2]), r([0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5])]];
    expect(tilesExactly(community, [holed, box(0.5, 0.5, 1.5, 1.5)])).toBe(true);
  });

  it('refuses gaps, overlaps, duplicates, parts outside, T-junctions and reversed rings', () => {
    expect(tilesExactly(community, [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2)])).toBe(false); // gap
    expect(tilesExactly(community, [box(0, 0, 2, 2), box(0, 0, 1, 1)])).toBe(false); // overlap
    expect(tilesExactly(community, [box(0, 0, 2, 1), box(0, 1, 2, 2), box(0, 1, 2, 2)])).toBe(false); // duplicate
    expect(tilesExactly(community, [box(0, 0, 2, 1), box(0, 1, 2, 3)])).toBe(false); // sticks out
    expect(tilesExactly(community, [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(0, 0, 0, 0)])).toBe(true); // degenerate ring ignored
    // T-junction inside: the long edge of the south half is not split where the north quarters meet — not provable
    expect(tilesExactly(community, [box(0, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)])).toBe(false);
    // ring orientation does not matter: rings are oriented by the test itself
    expect(tilesExactly(community, [[[r([0, 0], [0, 2], [2, 2], [2, 0])]]])).toBe(true);
    // but a hole given as a second shell is not a hole
    expect(tilesExactly(community, [[[r([0, 0], [2, 0], [2, 2], [0, 2])], [r([0.5, 0.5], [1.5, 0.5], [1.5, 1.5], [0.5, 1.5])]]])).toBe(false);
  });

  it('reads polygon and multipolygon WKB', () => {
    const wkbPolygon = (pts: number[][]) => {
      const b = Buffer.alloc(13 + pts.length * 16);
      b.writeUInt8(1, 0); b.writeUInt32LE(3, 1); b.writeUInt32LE(1, 5); b.writeUInt32LE(pts.length, 9);
      pts.forEach(([x, y], i) => { b.writeDoubleLE(x, 13 + 16 * i); b.writeDoubleLE(y, 21 + 16 * i); });
      return b;
    };
    const poly = wkbPolygon([[0, 0], [1, 0], [1, 1], [0, 0]]);
    expect(wkbPolygons(poly).map((p) => p.map((x) => [...x]))).toEqual([[[0, 0, 1, 0, 1, 1, 0, 0]]]);
    const multi = Buffer.concat([Buffer.from('010600000002000000', 'hex'), poly, poly]);
    expect(wkbPolygons(multi)).toHaveLength(2);
    expect(() => wkbPolygons(Buffer.from('0101000000000000000000f03f000000000000f03f', 'hex'))).toThrow(/not a 2D Polygon/);
  });

  it('reads PostGIS EWKB (SRID, Z) and, asked to, the polygons of a collection past its points and lines', () => {
    // POLYGON Z with SRID 32649: type word 3 | Z | SRID, then the SRID, one ring of 4 points of 3 ordinates
    const pts = [[0, 0, 9], [2, 0, 9], [2, 2, 9], [0, 0, 9]];
    const z = Buffer.alloc(17 + pts.length * 24);
    z.writeUInt8(1, 0); z.writeUInt32LE((3 | 0x80000000 | 0x20000000) >>> 0, 1); z.writeUInt32LE(32649, 5); z.writeUInt32LE(1, 9); z.writeUInt32LE(pts.length, 13);
    pts.forEach((p, i) => p.forEach((v, k) => z.writeDoubleLE(v, 17 + 24 * i + 8 * k)));
    expect(wkbPolygons(z).map((p) => p.map((x) => [...x]))).toEqual([[[0, 0, 2, 0, 2, 2, 0, 0]]]);
    const point = Buffer.from('0101000000000000000000f03f000000000000f03f', 'hex');
    const line = Buffer.from('010200000002000000' + '00'.repeat(32), 'hex');
    const collection = Buffer.concat([Buffer.from('010700000003000000', 'hex'), point, z, line]);
    expect(wkbPolygons(collection, { skipOthers: true }).map((p) => p.map((x) => [...x]))).toEqual([[[0, 0, 2, 0, 2, 2, 0, 0]]]);
    expect(() => wkbPolygons(collection)).toThrow(/not a 2D Polygon/);
  });
});
