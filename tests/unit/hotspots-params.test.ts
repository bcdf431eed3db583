/** Parameter parsing and data-driven defaults of the hotspot API (pure). */
import { describe, expect, it } from 'vitest';
import { chooseBand, chooseCellSize, distinctPoints, moranBands, niceCeil, niceFloor, niceRound } from '../../api/analysis/hotspots/defaults.ts';
import { ParamError, paramsKey, parseEmergingParams, parseHotspotParams, parseInstant } from '../../api/analysis/hotspots/params.ts';

const bad = (q: Record<string, unknown>, parse = parseHotspotParams): string => {
  try {
    parse(q);
  } catch (err) {
    expect(err).toBeInstanceOf(ParamError);
    return (err as ParamError).parameter;
  }
  throw new Error(`accepted ${JSON.stringify(q)}`);
};

describe('hotspot parameters', () => {
  it('default to square cells over all districts, everything else open', () => {
    expect(parseHotspotParams({})).toEqual({ cell: 'square', cellSize: undefined, band: undefined, srid: undefined, area: { type: 'districts' }, from: undefined, to: undefined, filters: {} });
  });

  it('parse every parameter', () => {
    const p = parseHotspotParams({
      cell: 'hex', cellSize: '250', band: '750', srid: 'EPSG:32649', area: 'district:450203001', from: '2025-01-01', to: '2025-02-01T00:00:00Z',
      kind: 'event', major: '05', minor: '0502,0501,0501', source: 'hotline,patrol', department: 'd1', district: '450203001001',
    });
    expect(p).toMatchObject({ cell: 'hex', cellSize: 250, band: 750, srid: 32649, area: { type: 'district', code: '450203001' } });
    expect(p.from!.toISOString()).toBe('2024-12-31T16:00:00.000Z'); // a date is local midnight (+08:00)
    expect(p.to!.toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect(p.filters).toEqual({ kind: ['event'], major: ['05'], minor: ['0501', '0502'], source: ['hotline', 'patrol'], department: ['d1'], district: ['450203001001'] });
    expect(parseHotspotParams({ area: 'zone:z-1' }).area).toEqual({ type: 'zone', id: 'z-1' });
    expect(parseEmergingParams({ step: 'week' }).step).toBe('week');
    expect(parseEmergingParams({}).step).toBe('month');
  });

  it('refuse bad values, naming the parameter', () => {
    expect(bad({ cellSize: '0' })).toBe('cellSize');
    expect(bad({ cellSize: '-10' })).toBe('cellSize');
    expect(bad({ cellSize: 'abc' })).toBe('cellSize');
    expect(bad({ cellSize: '0.5' })).toBe('cellSize');
    expect(bad({ cellSize: '1e9' })).toBe('cellSize');
    expect(bad({ band: '0' })).toBe('band');
    expect(bad({ band: '1e7' })).toBe('band');
    expect(bad({ cellSize: '250', band: '200' })).toBe('band'); // no neighbour within the band
    expect(bad({ cellSize: '10', band: '5000' })).toBe('band'); // thousands of neighbours per cell
    expect(bad({ srid: 'utm' })).toBe('srid');
    expect(bad({ from: '2025-03-01', to: '2025-02-01' })).toBe('from');
    expect(bad({ from: '2025-03-01', to: '2025-03-01' })).toBe('from');
    expect(bad({ from: 'yesterday' })).toBe('from');
    expect(bad({ to: '2025-02-30T00:00:00Z' })).toBe('to');
    expect(bad({ area: 'city' })).toBe('area');
    expect(bad({ area: 'district:12' })).toBe('area');
    expect(bad({ cell: 'triangle' })).toBe('cell');
    expect(bad({ kind: 'thing' })).toBe('kind');
    expect(bad({ minor: '5' })).toBe('minor');
    expect(bad({ source: 'twitter' })).toBe('source');
    expect(bad({ district: '4502' })).toBe('district');
    expect(bad({ cellsize: '100' })).toBe('cellsize'); // unknown names are typos, not silence
    expect(bad({ step: 'week' })).toBe('step'); // not a hotspot parameter
    expect(bad({ step: 'day' }, parseEmergingParams)).toBe('step');
    expect(bad({ cell: ['square', 'hex'] })).toBe('cell');
  });

  it('read instants with or without an offset (+08:00 when none)', () => {
    expect(parseInstant('from', '2025-03-01T08:30').toISOString()).toBe('2025-03-01T00:30:00.000Z');
    expect(parseInstant('from', '2025-03-01T08:30:00+08:00').toISOString()).toBe('2025-03-01T00:30:00.000Z');
  });

  it('key the cache on the meaning, not the spelling', () => {
    const a = paramsKey(parseHotspotParams({ minor: '0502,0501', from: '2025-01-01' }));
    const b = paramsKey(parseHotspotParams({ minor: '0501,0502', from: '2024-12-31T16:00:00Z' }));
    expect(a).toBe(b);
    expect(paramsKey(parseHotspotParams({ minor: '0501' }))).not.toBe(a);
  });
});

describe('nice numbers', () => {
  it('round to 1-2-2.5-5 steps', () => {
    expect([1, 1.4, 1.6, 2.2, 3.4, 3.6, 7, 7.5, 140, 180, 230, 0.3].map(niceRound)).toEqual([1, 1, 2, 2, 2.5, 5, 5, 10, 100, 200, 250, 0.25]);
    expect(niceCeil(201)).toBe(250);
    expect(niceCeil(250)).toBe(250);
    expect(niceFloor(249)).toBe(200);
    expect(niceFloor(1000)).toBe(1000);
  });
});

/** n points on a square lattice of spacing h (interleaved). */
const lattice = (side: number, h: number) => {
  const out: number[] = [];
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) out.push(c * h, r * h);
  return out;
};

describe('default cell size', () => {
  const base = { complete: true, areaM2: 25e6, cellAreaFactor: 1, maxCells: 200_000 };

  it('is the mean nearest-neighbour distance of the distinct sampled locations, rounded', () => {
    const sample = [...lattice(50, 100), 0, 0, 0, 0]; // two duplicates of the first point count once
    expect(distinctPoints(sample).length).toBe(2 * 2500);
    const c = chooseCellSize({ ...base, sample });
    expect(c).toMatchObject({ value: 100, source: 'data', method: 'nearest-neighbour', sampled: 2500, meanNearestNeighbour: 100, expectedCells: 2500 });
    expect(c.reason).toMatch(/mean nearest-neighbour distance 100\.0 m among the 2500 distinct locations of all the cases/);
  });

  it('keeps the lattice within half the cell limit and above the minimum', () => {
    const dense = chooseCellSize({ ...base, sample: lattice(50, 2) }); // 2 m apart: 6 M cells
    expect(dense.value).toBe(20); // √(25e6 / 100 000) = 15.8 → the next 1-2-2.5-5 step
    expect(dense.reason).toMatch(/raised to 20 m/);
    const sparse = chooseCellSize({ ...base, sample: lattice(3, 3000) });
    expect(sparse.value).toBe(500); // √(25e6 / 100) = 500
    expect(chooseCellSize({ ...base, sample: lattice(50, 100), band: 80 }).value).toBe(80);
  });

  it('falls back to ~2,500 cells with fewer than two locations', () => {
    const c = chooseCellSize({ ...base, sample: [5, 5] });
    expect(c.value).toBe(100);
    expect(c.reason).toMatch(/fewer than 2/);
  });
});

describe('default band', () => {
  const side = 30, s = 100;
  const coords = lattice(side, s).map((v) => v + s / 2);

  it('tries cellSize × 1, 1.5, … 8, capped at a third of the study area', () => {
    expect(moranBands(100, 1e6)).toEqual([100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650, 700, 750, 800]);
    expect(moranBands(100, 600)).toEqual([100, 150, 200]);
  });

  it('takes the first peak of incremental Moran\'s I when there is one', () => {
    // blobs of radius ~2.5 cells on a regular pattern: autocorrelation peaks at a few cells
    const counts = coords.map((_, i) => i).filter((i) => i % 2 === 0).map((i) => {
      const c = (i / 2) % side, r = Math.floor(i / 2 / side);
      const dx = (c % 10) - 5, dy = (r % 10) - 5;
      return Math.max(0, 9 - (dx * dx + dy * dy));
    });
    const b = chooseBand({ counts, coords, cellSize: s, extent: side * s });
    expect(b.method).toBe('moran-first-peak');
    expect(b.value).toBeGreaterThan(s);
    expect((b.moran as unknown[]).length).toBeGreaterThan(3);
    expect(b.reason).toMatch(/first peak of incremental global Moran's I/);
  });

  it('falls back to the mean distance to the k-th nearest centroid (k = 5 % of cells within 3…30)', () => {
    const flat = new Array(side * side).fill(0).map((_, i) => (i * 7919) % 13 === 0 ? 1 : 0); // no spatial structure
    const b = chooseBand({ counts: flat, coords, cellSize: s, extent: side * s });
    if (b.method === 'knn') {
      expect(b.k).toBe(30);
      expect(b.value).toBeGreaterThanOrEqual(s);
    }
    const zero = chooseBand({ counts: new Array(side * side).fill(0), coords, cellSize: s, extent: side * s });
    expect(zero.method).toBe('knn'); // Moran's I is undefined without variation
    expect(zero.k).toBe(30);
    expect(zero.value).toBeGreaterThan(2 * s);
    const few = chooseBand({ counts: [1, 0, 2, 0, 1], coords: [0, 0, 100, 0, 200, 0, 300, 0, 400, 0], cellSize: s, extent: 100 });
    expect(few.method).toBe('knn');
    expect(few.k).toBe(3);
  });
});
