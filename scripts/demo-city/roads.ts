/**
 * Road network along mesh edges: main avenues and secondary roads on whole mesh lines (kept smooth by the
 * mesh), alleys (背街小巷) as short runs inside blocks. Also the segment index used to snap points to roads.
 */
import KDBush from 'kdbush';
import type { Position } from 'geojson';
import { cid, vid, type Mesh } from './mesh.ts';
import type { Admin, LandUse } from './districts.ts';
import { RoadNamer } from './names.ts';
import { pointSegment } from './projection.ts';
import type { Rng } from './prng.ts';

export type RoadClass = 'main' | 'secondary' | 'alley';

export interface Road {
  id: string;
  name: string;
  class: RoadClass;
  parts: number[][]; // vertex ids
}

export interface Segment {
  road: number;
  cls: RoadClass;
  a: number; // vertex ids
  b: number;
  len: number; // metres
  along: number; // metres from the start of the road (parts laid end to end) to a
  left: number; // cell on the left going a → b (-1 if outside the district)
  right: number;
}

/** Half-width of the right of way (carriageway + pavements): how far roadside things sit from the centreline. */
export const HALF_WIDTH: Record<RoadClass, number> = { main: 22, secondary: 14, alley: 4 };

const ALLEY_CHANCE: Record<LandUse, number> = { commercial: 0.55, residential: 0.6, public: 0.3, industrial: 0.15, green: 0.08 };

export interface Network {
  roads: Road[];
  segments: Segment[];
  /** roads through each vertex (for 交叉口 addresses) */
  vertexRoads: Map<number, number[]>;
  nearest(x: number, y: number, within: number): { seg: number; d: number; t: number } | null;
}

interface Edge { a: number; b: number; left: number; right: number }

/** Edges along vertical line i (south → north) or horizontal line j (west → east), null where outside. */
function lineEdges(m: Mesh, vertical: boolean, k: number): (Edge | null)[] {
  const inside = (i: number, j: number) => (i >= 0 && j >= 0 && i < m.nx && j < m.ny && m.inDistrict[cid(m, i, j)] ? cid(m, i, j) : -1);
  const out: (Edge | null)[] = [];
  const n = vertical ? m.ny : m.nx;
  for (let s = 0; s < n; s++) {
    const e = vertical
      ? { a: vid(m, k, s), b: vid(m, k, s + 1), left: inside(k - 1, s), right: inside(k, s) }
      : { a: vid(m, s, k), b: vid(m, s + 1, k), left: inside(s, k), right: inside(s, k - 1) };
    out.push(e.left >= 0 || e.right >= 0 ? e : null);
  }
  return out;
}

/** Maximal runs of consecutive non-null edges. */
function runs(edges: (Edge | null)[], from = 0, to = edges.length): Edge[][] {
  const out: Edge[][] = [];
  let cur: Edge[] = [];
  for (let s = from; s < to; s++) {
    const e = edges[s];
    if (e) cur.push(e);
    else if (cur.length) { out.push(cur); cur = []; }
  }
  if (cur.length) out.push(cur);
  return out;
}

export function buildRoads(m: Mesh, admin: Admin, countyCode: string, rng: Rng): Network {
  const namer = new RoadNamer(rng.fork('names'));
  const pick = rng.fork('layout');
  const roads: Road[] = [];
  const roadEdges: Edge[][][] = [];
  const add = (name: string, cls: RoadClass, parts: Edge[][]) => {
    if (!parts.length) return;
    roads.push({ id: '', name, class: cls, parts: parts.map((p) => [p[0].a, ...p.map((e) => e.b)]) });
    roadEdges.push(parts);
  };
  const mid = (n: number) => n / 2;
  const lines = (cls: 'main' | 'secondary') => [
    ...m.lineJ.flatMap((l, j) => (l === cls ? [{ vertical: false, k: j, off: Math.abs(j - mid(m.ny)) / m.ny }] : [])),
    ...m.lineI.flatMap((l, i) => (l === cls ? [{ vertical: true, k: i, off: Math.abs(i - mid(m.nx)) / m.nx }] : [])),
  ];
  // Main avenues: the central east–west one is 阳和大道, the central north–south one 柳东大道.
  const mains = lines('main').sort((a, b) => a.off - b.off);
  const centralH = mains.find((l) => !l.vertical)!, centralV = mains.find((l) => l.vertical)!;
  for (const l of [centralH, centralV, ...mains.filter((x) => x !== centralH && x !== centralV)]) {
    add(namer.mainRoad(), 'main', runs(lineEdges(m, l.vertical, l.k)));
  }
  // Secondary roads: whole lines, with some spans between avenues left out (T-junctions).
  for (const l of lines('secondary')) {
    const edges = lineEdges(m, l.vertical, l.k);
    const cross = l.vertical ? m.lineJ : m.lineI;
    const kept: Edge[][] = [];
    let start = 0;
    for (let s = 1; s <= edges.length; s++) {
      if (s === edges.length || cross[s] === 'main') {
        if (pick.chance(0.85)) kept.push(...runs(edges, start, s));
        start = s;
      }
    }
    // merge spans that meet end to end into one part
    const parts: Edge[][] = [];
    for (const r of kept) {
      const last = parts[parts.length - 1];
      if (last && last[last.length - 1].b === r[0].a) last.push(...r);
      else parts.push([...r]);
    }
    add(namer.secondaryRoad(l.vertical), 'secondary', parts);
  }
  // Alleys: runs inside blocks on the remaining lines, more in residential and commercial blocks.
  const blockUse = (cell: number) => (cell >= 0 ? admin.blocks[admin.cellBlock[cell]]?.landUse ?? 'green' : 'green');
  for (const vertical of [false, true]) {
    const own = vertical ? m.lineI : m.lineJ;
    const cross = vertical ? m.lineJ : m.lineI;
    for (let k = 1; k < own.length - 1; k++) {
      if (own[k]) continue;
      const edges = lineEdges(m, vertical, k).map((e) => (e && e.left >= 0 && e.right >= 0 ? e : null));
      let start = 0;
      for (let s = 1; s <= edges.length; s++) {
        if (s < edges.length && !cross[s]) continue;
        for (const span of runs(edges, start, s)) {
          if (span.length < 2 || !pick.chance(ALLEY_CHANCE[blockUse(span[0].left)])) continue;
          const len = pick.int(2, span.length);
          const from = pick.int(0, span.length - len);
          add(namer.alleyRoad(), 'alley', [span.slice(from, from + len)]);
        }
        start = s;
      }
    }
  }
  roads.forEach((r, k) => { r.id = `${countyCode}R${String(k + 1).padStart(4, '0')}`; });

  const segments: Segment[] = [];
  const vertexRoads = new Map<number, number[]>();
  roadEdges.forEach((parts, r) => {
    let along = 0;
    for (const part of parts) {
      for (const e of part) {
        const len = Math.hypot(m.x[e.b] - m.x[e.a], m.y[e.b] - m.y[e.a]);
        segments.push({ road: r, cls: roads[r].class, a: e.a, b: e.b, len, along, left: e.left, right: e.right });
        along += len;
        for (const v of [e.a, e.b]) {
          const list = vertexRoads.get(v) ?? [];
          if (!list.includes(r)) list.push(r);
          vertexRoads.set(v, list);
        }
      }
    }
  });
  const index = new KDBush(segments.length);
  let maxHalf = 0;
  for (const s of segments) {
    index.add((m.x[s.a] + m.x[s.b]) / 2, (m.y[s.a] + m.y[s.b]) / 2);
    maxHalf = Math.max(maxHalf, s.len / 2);
  }
  index.finish();
  return {
    roads,
    segments,
    vertexRoads,
    nearest(x, y, within) {
      let best: { seg: number; d: number; t: number } | null = null;
      for (const k of index.within(x, y, within + maxHalf)) {
        const s = segments[k];
        const { d, t } = pointSegment(x, y, m.x[s.a], m.y[s.a], m.x[s.b], m.y[s.b]);
        if (d <= within && (!best || d < best.d || (d === best.d && k < best.seg))) best = { seg: k, d, t };
      }
      return best;
    },
  };
}

export function roadGeometry(m: Mesh, r: Road): Position[][] {
  return r.parts.map((p) => p.map((v) => [m.lon[v], m.lat[v]]));
}
