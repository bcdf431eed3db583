/**
 * Pure parts of the analysts' grid editor (web/src/views/grids): snapping to outside geometry, the undo history,
 * the debounce of live checks, and the geometry helpers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { area as turfArea } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { snapLayer, snapPoint, type Project } from '../../web/src/views/grids/snap.ts';
import { EditHistory, debounce } from '../../web/src/views/grids/history.ts';
import { PRECISION, areaM2, bboxOf, editablePolygon, growBBox } from '../../web/src/views/grids/geometry.ts';

// a plain projection: 1° = 100 000 px, y down (like the screen)
const project: Project = (lng, lat) => ({ x: lng * 100_000, y: -lat * 100_000 });
const px = (lng: number, lat: number) => project(lng, lat);
const square = (w: number, s: number, e: number, n: number): Polygon => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });

describe('snapLayer', () => {
  it('collects distinct vertices and the segments of rings and lines', () => {
    const a = square(0, 0, 1, 1);
    const b = square(1, 0, 2, 1); // shares the edge x = 1 with a
    const l = snapLayer('grids', [a, b, { type: 'LineString', coordinates: [[0, 2], [2, 2]] }, null]);
    expect(l.vertices).toHaveLength(6 + 2);
    expect(l.segments).toHaveLength(4 + 4 + 1);
  });

  it('skips zero-length segments and walks multi-geometries', () => {
    const mp: MultiPolygon = { type: 'MultiPolygon', coordinates: [[[[0, 0], [0, 0], [1, 0], [1, 1], [0, 0]]]] };
    const l = snapLayer('x', [mp]);
    expect(l.vertices).toEqual([[0, 0], [1, 0], [1, 1]]);
    expect(l.segments).toHaveLength(3);
  });
});

describe('snapPoint', () => {
  const grids = snapLayer('grids', [square(0, 0, 0.001, 0.001), square(0.001, 0, 0.002, 0.001)]);
  const roads = snapLayer('roads', [{ type: 'LineString', coordinates: [[0, 0.0012], [0.002, 0.0012]] }]);

  it('snaps to the exact shared vertex within the tolerance', () => {
    const p = px(0.001, 0.001);
    const s = snapPoint({ x: p.x + 3, y: p.y - 4 }, [grids], project, 10);
    expect(s).toEqual({ position: [0.001, 0.001], kind: 'vertex', layer: 'grids', distancePx: 5 });
  });

  it('prefers a vertex within the tolerance to a nearer edge', () => {
    const p = px(0.001, 0.0005); // on the shared edge, 50 px from its ends
    const near = snapPoint({ x: p.x + 1, y: px(0, 0.00095).y }, [grids], project, 10); // 5 px from the corner (0.001, 0.001), 1 px from the edge
    expect(near?.kind).toBe('vertex');
    expect(near?.position).toEqual([0.001, 0.001]);
  });

  it('snaps to the nearest point of an edge, interpolated in lon/lat so it lies on the segment', () => {
    const p = px(0.0015, 0.001);
    const s = snapPoint({ x: p.x, y: p.y + 6 }, [grids], project, 10)!;
    expect(s.kind).toBe('edge');
    expect(s.position[0]).toBeCloseTo(0.0015, 12);
    expect(s.position[1]).toBeCloseTo(0.001, 12);
    expect(s.distancePx).toBeCloseTo(6, 9);
  });

  it('returns null beyond the tolerance', () => {
    const p = px(0.0005, 0.0005); // the middle of the first square: 50 px from every edge
    expect(snapPoint(p, [grids, roads], project, 10)).toBeNull();
  });

  it('tries layers in priority order: a grid edge wins over a nearer road', () => {
    const p = px(0.0005, 0.0011); // 10 px above the grid's top edge, 10 px below the road
    const s = snapPoint({ x: p.x, y: p.y + 1 }, [grids, roads], project, 12)!;
    expect(s.layer).toBe('grids');
    const onlyRoads = snapPoint({ x: p.x, y: p.y + 1 }, [roads], project, 12)!;
    expect(onlyRoads.layer).toBe('roads');
    expect(onlyRoads.position[1]).toBeCloseTo(0.0012, 12);
  });

  it('falls through to the next layer when the first has nothing near', () => {
    const p = px(0.0005, 0.0012);
    expect(snapPoint({ x: p.x, y: p.y + 2 }, [grids, roads], project, 5)?.layer).toBe('roads');
  });
});

describe('EditHistory', () => {
  it('undoes and redoes snapshots, and a new state drops the redo branch', () => {
    const h = new EditHistory<number[]>([1]);
    expect(h.canUndo).toBe(false);
    expect(h.push([1, 2])).toBe(true);
    expect(h.push([1, 2, 3])).toBe(true);
    expect(h.undo()).toEqual([1, 2]);
    expect(h.undo()).toEqual([1]);
    expect(h.undo()).toBeUndefined();
    expect(h.current).toEqual([1]);
    expect(h.redo()).toEqual([1, 2]);
    expect(h.canRedo).toBe(true);
    h.push([9]);
    expect(h.canRedo).toBe(false);
    expect(h.redo()).toBeUndefined();
    expect(h.undo()).toEqual([1, 2]);
  });

  it('ignores a state equal to the current one (a click that moved nothing)', () => {
    const h = new EditHistory(square(0, 0, 1, 1));
    expect(h.push(square(0, 0, 1, 1))).toBe(false);
    expect(h.canUndo).toBe(false);
  });

  it('forgets the oldest states beyond its limit', () => {
    const h = new EditHistory(0, 3);
    for (let i = 1; i <= 5; i++) h.push(i);
    const back: number[] = [];
    for (let s = h.undo(); s !== undefined; s = h.undo()) back.push(s);
    expect(back).toEqual([4, 3, 2]);
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once with the last arguments after calls stop', () => {
    const calls: number[] = [];
    const d = debounce((n: number) => calls.push(n), 300);
    d(1);
    vi.advanceTimersByTime(200);
    d(2);
    vi.advanceTimersByTime(200);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual([2]);
  });

  it('cancel drops a pending call and flush runs it at once', () => {
    const calls: number[] = [];
    const d = debounce((n: number) => calls.push(n), 300);
    d(1);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([]);
    d(3);
    d.flush();
    expect(calls).toEqual([3]);
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([3]);
  });
});

describe('geometry helpers', () => {
  it('turns a one-part MultiPolygon into a closed, rounded Polygon without repeated points', () => {
    const mp: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [[[[109.473495, 24.3016735], [109.4749798123456789, 24.3021181], [109.4749798123456789, 24.3021181], [109.4776157, 24.3025781], [109.473495, 24.3016735]]]],
    };
    const p = editablePolygon(mp)!;
    expect(p.coordinates[0]).toEqual([[109.473495, 24.3016735], [109.474979812, 24.3021181], [109.4776157, 24.3025781], [109.473495, 24.3016735]]);
    for (const [x, y] of p.coordinates[0]) {
      expect(Number(x.toFixed(PRECISION))).toBe(x);
      expect(Number(y.toFixed(PRECISION))).toBe(y);
    }
  });

  it('refuses shapes terra-draw cannot edit', () => {
    const two: MultiPolygon = { type: 'MultiPolygon', coordinates: [square(0, 0, 1, 1).coordinates, square(2, 0, 3, 1).coordinates] };
    const holed: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 3, 3).coordinates[0], square(1, 1, 2, 2).coordinates[0]] };
    expect(editablePolygon(two)).toBeNull();
    expect(editablePolygon(holed)).toBeNull();
    expect(editablePolygon({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] })).toBeNull();
    expect(editablePolygon(null)).toBeNull();
  });

  it('computes areas like turf', () => {
    const grid = square(109.47, 24.27, 109.471, 24.271); // about 101 m × 111 m
    expect(areaM2(grid)).toBeCloseTo(turfArea(grid), 6);
    const holed: Polygon = { type: 'Polygon', coordinates: [grid.coordinates[0], square(109.4702, 24.2702, 109.4704, 24.2704).coordinates[0].slice().reverse()] };
    expect(areaM2(holed)).toBeCloseTo(turfArea(holed), 6);
    expect(areaM2(grid)).toBeGreaterThan(11_000);
    expect(areaM2(grid)).toBeLessThan(11_500);
  });

  it('bboxes and grows them by metres', () => {
    const b = bboxOf([square(109.47, 24.27, 109.48, 24.28), { type: 'Point', coordinates: [109.5, 24.2] }, null])!;
    expect(b).toEqual([109.47, 24.2, 109.5, 24.28]);
    const g = growBBox(b, 1113.2);
    expect(g[1]).toBeCloseTo(24.19, 6);
    expect(g[0]).toBeLessThan(109.47 - 0.01); // a degree of longitude is shorter than one of latitude here
    expect(bboxOf([])).toBeNull();
  });
});
