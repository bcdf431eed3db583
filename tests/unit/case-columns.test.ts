/** The columnar copy of the cases and its passes (api/analysis/case-columns), without a database. */
import { describe, expect, it } from 'vitest';
import { inAreaTest, polygonsOfEwkb } from '../../api/analysis/case-columns/area-polygon.ts';
import { areaBreakdowns, bucket, countSteps, scanCells, type LatticeCells } from '../../api/analysis/case-columns/scan.ts';
import { CaseColumns, IdIndex, type CaseRowValues } from '../../api/analysis/case-columns/store.ts';

const row = (id: string, x: number, y: number, t: number, extra: Partial<{ voided: boolean; minor: string; dep: string | null; source: string; street: string }> = {}): CaseRowValues =>
  [id, x, y, t, extra.voided ?? false, 'event', '05', extra.minor ?? '0501', extra.source ?? 'patrol', extra.dep === undefined ? 'd1' : extra.dep, '450203', extra.street ?? '450203001', null];

/** 2 × 2 square cells of 10 m from (0, 0); cell (1, 1) straddles the area's boundary */
const LATTICE: LatticeCells = { kind: 'square', size: 10, a: [0, 1, 0, 1], b: [0, 0, 1, 1], inside: [1, 1, 1, 0] };
/** the area: everything but x + y > 35 */
const inArea = (x: number, y: number) => x + y <= 35;

describe('IdIndex', () => {
  it('maps ids to rows through growth, with unicode ids', () => {
    const ix = new IdIndex();
    for (let i = 0; i < 50_000; i++) expect(ix.getOrAdd(`case-${i}`)).toBe(i);
    expect(ix.getOrAdd('案件-1')).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(ix.get(`case-${i}`)).toBe(i);
    expect(ix.get('案件-1')).toBe(50_000);
    expect(ix.get('case-50000')).toBe(-1);
    expect(ix.getOrAdd('case-7')).toBe(7);
  });
});

describe('CaseColumns', () => {
  it('upserts by id, codes strings, and grows', () => {
    const c = new CaseColumns(16);
    for (let i = 0; i < 100; i++) c.upsert(row(`c${i}`, i, -i, 1000 + i, { dep: i % 2 ? null : 'd2' }));
    expect(c.size).toBe(100);
    c.upsert(row('c5', 55, 66, 7, { voided: true, minor: '0502' }));
    expect(c.size).toBe(100);
    expect([c.x[5], c.y[5], c.t[5], c.voided[5]]).toEqual([55, 66, 7, 1]);
    expect(c.dict.minor.values[c.dict.minor.codes[5]]).toBe('0502');
    expect(c.dict.department.values[c.dict.department.codes[1]]).toBe(null);
    expect(c.bytes).toBeGreaterThan(100 * 25);
    c.upsert(['nopoint', null, null, 0, false, null, null, null, null, null, null, null, null]);
    expect(Number.isNaN(c.x[100])).toBe(true);
  });
});

describe('scanCells and the breakdowns', () => {
  const cols = new CaseColumns();
  cols.upsert(row('a', 1, 1, 100)); // cell (0, 0)
  cols.upsert(row('b', 10, 0, 200, { source: 'hotline' })); // on an edge: cell (1, 0)
  cols.upsert(row('c', 12, 13, 300)); // boundary cell, in the area
  cols.upsert(row('d', 19.5, 19, 400)); // boundary cell, outside (x + y > 35)
  cols.upsert(row('e', 17.5, 17.5, 500, { minor: '0502', dep: null })); // boundary cell, on the area's boundary: in
  cols.upsert(row('f', 5, 5, 600, { voided: true }));
  cols.upsert(row('g', 25, 5, 700)); // outside the lattice
  cols.upsert(row('h', -0.5, 5, 800)); // outside the lattice
  cols.upsert(['i', null, null, 900, false, 'event', '05', '0501', 'patrol', 'd1', '450203', null, null]);
  cols.upsert(row('j', 5, 15, 1000, { street: '450203002' })); // cell (0, 1)

  it('counts in-area, not voided cases per cell, with their time span', () => {
    const s = scanCells(cols, {}, {}, LATTICE, inArea);
    expect(Array.from(s.counts)).toEqual([1, 1, 1, 2]);
    expect([s.cases, s.first, s.last]).toEqual([5, 100, 1000]);
    expect(Array.from(s.cellOfRow)).toEqual([0, 1, 3, -1, 3, -1, -1, -1, -1, 2]);
  });

  it('applies the window and the filters', () => {
    expect(Array.from(scanCells(cols, { from: 200, to: 500 }, {}, LATTICE, inArea).counts)).toEqual([0, 1, 0, 1]);
    expect(Array.from(scanCells(cols, {}, { source: ['hotline'] }, LATTICE, inArea).counts)).toEqual([0, 1, 0, 0]);
    expect(Array.from(scanCells(cols, {}, { minor: ['0502', 'nope'] }, LATTICE, inArea).counts)).toEqual([0, 0, 0, 1]);
    expect(Array.from(scanCells(cols, {}, { department: ['d1'] }, LATTICE, inArea).counts)).toEqual([1, 1, 1, 1]);
    expect(Array.from(scanCells(cols, {}, { district: ['450203002', '450203001001'] }, LATTICE, inArea).counts)).toEqual([0, 0, 1, 0]);
    expect(scanCells(cols, {}, { kind: ['component'] }, LATTICE, inArea).cases).toBe(0);
  });

  it('buckets like width_bucket − 1 and counts steps', () => {
    expect([bucket([10, 20, 30], 5), bucket([10, 20, 30], 10), bucket([10, 20, 30], 29.9), bucket([10, 20, 30], 30)]).toEqual([-1, 0, 1, 2]);
    const s = scanCells(cols, {}, {}, LATTICE, inArea);
    const cube = countSteps(cols, s, [0, 400, 800]);
    expect(Array.from(cube)).toEqual([1, 1, 0, 1, 0, 0, 0, 1]);
  });

  it('breaks areas down by minor, department, source and month', () => {
    const s = scanCells(cols, {}, {}, LATTICE, inArea);
    const [b] = areaBreakdowns(cols, s, Int32Array.from([-1, 0, -1, 0]), 1, [0, 250, 600]);
    expect(b.minors).toEqual([{ kind: 'event', code: '0501', count: 2 }, { kind: 'event', code: '0502', count: 1 }]);
    expect(b.departments).toEqual([{ id: null, count: 1 }, { id: 'd1', count: 2 }]);
    expect(b.sources).toEqual([{ source: 'patrol', count: 2 }, { source: 'hotline', count: 1 }]);
    expect(b.months).toEqual([1, 2]);
  });

  it('finds hexagon cells', () => {
    const hex: LatticeCells = { kind: 'hex', size: 10, a: [0, 1], b: [0, 0], inside: [1, 1] };
    const c = new CaseColumns();
    c.upsert(row('a', 1, 1, 0));
    c.upsert(row('b', 9, 0, 0));
    c.upsert(row('c', 0, 9, 0)); // in (0, 1): not in the lattice
    expect(Array.from(scanCells(c, {}, {}, hex, () => false).counts)).toEqual([1, 1]);
  });
});

describe('the study area polygon', () => {
  /** EWKB (little-endian, with SRID) of a MULTIPOLYGON of one 10 × 10 square with a 2 × 2 hole */
  const ewkb = (() => {
    const b = Buffer.alloc(1 + 4 + 4 + 4 + (1 + 4 + 4 + 2 * (4 + 5 * 16)));
    let o = 0;
    const u8 = (v: number) => { b.writeUInt8(v, o); o += 1; };
    const u32 = (v: number) => { b.writeUInt32LE(v, o); o += 4; };
    const ring = (pts: number[][]) => { u32(pts.length); for (const [x, y] of pts) { b.writeDoubleLE(x, o); b.writeDoubleLE(y, o + 8); o += 16; } };
    u8(1); u32(6 | 0x20000000); u32(32649); u32(1);
    u8(1); u32(3); u32(2);
    ring([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]);
    ring([[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]);
    return b.toString('hex');
  })();

  it('reads EWKB and tests points, boundary included', () => {
    const polys = polygonsOfEwkb(ewkb);
    expect(polys).toHaveLength(1);
    expect(polys[0][1][2]).toEqual([6, 6]);
    const inside = inAreaTest(polys);
    expect([inside(1, 1), inside(0, 5), inside(10, 10), inside(5, 5), inside(4, 5), inside(-0.001, 5), inside(11, 5)]).toEqual([true, true, true, false, true, false, false]);
  });
});
