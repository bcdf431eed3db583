/**
 * Partitioning mesh cells into regions, and turning a set of cells into its (Multi)Polygon by walking the
 * boundary edges. Regions are always unions of whole cells, so a level's regions tile their parent exactly.
 */
import type { Position } from 'geojson';
import { cellCentre, cellCorners, cellNeighbours, type Mesh } from './mesh.ts';
import type { Rng } from './prng.ts';

/** Signed area in lon/lat units (positive = counter-clockwise); only its sign and relative size matter here. */
function signedArea(ring: Position[]): number {
  let s = 0;
  for (let k = 0; k + 1 < ring.length; k++) s += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1];
  return s / 2;
}

function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let a = 0, b = ring.length - 2; a < ring.length - 1; b = a++) {
    const [xa, ya] = ring[a], [xb, yb] = ring[b];
    if (ya > p[1] !== yb > p[1] && p[0] < ((xb - xa) * (p[1] - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

/**
 * MultiPolygon coordinates of a set of cells. Each cell contributes its counter-clockwise edges; edges whose
 * neighbour is also in the set cancel. At a vertex where two boundary edges leave (two cells of the set touch
 * only at a corner) the walk keeps to the cell it came along, so rings never cross or touch themselves.
 * Shells come out counter-clockwise and holes clockwise (RFC 7946).
 */
export function traceCells(m: Mesh, cells: Iterable<number>): Position[][][] {
  const set = new Set(cells);
  const sorted = [...set].sort((a, b) => a - b);
  // directed boundary edges by start vertex: edge k of cell c runs corner k → corner k+1
  const out = new Map<number, { c: number; k: number }[]>();
  for (const c of sorted) {
    const nb = cellNeighbours(m, c);
    const corners = cellCorners(m, c);
    for (let k = 0; k < 4; k++) {
      if (nb[k] >= 0 && set.has(nb[k])) continue;
      const v = corners[k];
      const list = out.get(v) ?? [];
      list.push({ c, k });
      out.set(v, list);
    }
  }
  const used = new Set<string>();
  const rings: Position[][] = [];
  for (const c of sorted) {
    for (let k = 0; k < 4; k++) {
      const key = `${c}:${k}`;
      const start = cellCorners(m, c)[k];
      if (used.has(key) || !(out.get(start) ?? []).some((e) => e.c === c && e.k === k)) continue;
      const ring: Position[] = [];
      let cur = { c, k };
      for (;;) {
        used.add(`${cur.c}:${cur.k}`);
        const corners = cellCorners(m, cur.c);
        ring.push([m.lon[corners[cur.k]], m.lat[corners[cur.k]]]);
        const end = corners[(cur.k + 1) % 4];
        const cand = (out.get(end) ?? []).filter((e) => !used.has(`${e.c}:${e.k}`));
        if (cand.length === 0) break; // back at the start
        const hug = cand.find((e) => e.c === cur.c && e.k === (cur.k + 1) % 4);
        cur = hug ?? cand[0];
      }
      ring.push(ring[0]);
      rings.push(ring);
    }
  }
  const shells = rings.filter((r) => signedArea(r) > 0);
  const holes = rings.filter((r) => signedArea(r) < 0);
  const polys: Position[][][] = shells.map((s) => [s]);
  for (const h of holes) {
    // a hole edge's midpoint is strictly inside its shell (hole edges are never shell edges)
    const probe: Position = [(h[0][0] + h[1][0]) / 2, (h[0][1] + h[1][1]) / 2];
    const owner = polys.find((p) => inRing(probe, p[0])) ?? polys[0];
    owner.push(h);
  }
  return polys;
}

/** Cells of `cells` split into 4-connected pieces, largest first. */
export function connectedPieces(m: Mesh, cells: number[]): number[][] {
  const set = new Set(cells);
  const seen = new Set<number>();
  const pieces: number[][] = [];
  for (const s of [...cells].sort((a, b) => a - b)) {
    if (seen.has(s)) continue;
    const piece: number[] = [];
    const stack = [s];
    seen.add(s);
    while (stack.length) {
      const c = stack.pop()!;
      piece.push(c);
      for (const n of cellNeighbours(m, c)) if (n >= 0 && set.has(n) && !seen.has(n)) { seen.add(n); stack.push(n); }
    }
    pieces.push(piece.sort((a, b) => a - b));
  }
  return pieces.sort((a, b) => b.length - a.length || a[0] - b[0]);
}

/**
 * Makes every region of a labelling connected: pieces other than a region's largest are handed to the
 * neighbouring region they share most edges with (within `allowed`, e.g. the same parent).
 */
export function makeConnected(m: Mesh, label: Int32Array, regions: number[], allowed: (from: number, to: number) => boolean): void {
  for (let pass = 0; pass < 50; pass++) {
    let moved = false;
    for (const r of regions) {
      const cells: number[] = [];
      label.forEach((l, c) => { if (l === r) cells.push(c); });
      const pieces = connectedPieces(m, cells);
      for (const piece of pieces.slice(1)) {
        const shared = new Map<number, number>();
        for (const c of piece) for (const n of cellNeighbours(m, c)) {
          const l = n >= 0 ? label[n] : -1;
          if (l >= 0 && l !== r && allowed(r, l)) shared.set(l, (shared.get(l) ?? 0) + 1);
        }
        const target = [...shared.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
        if (!target) continue;
        for (const c of piece) label[c] = target[0];
        moved = true;
      }
    }
    if (!moved) return;
  }
}

/**
 * Splits a connected set of cells into k compact connected parts: weighted nearest-seed assignment after a
 * few Lloyd steps from farthest-point seeds; random seed weights make the parts unequal, as real grids are.
 */
export function voronoiSplit(m: Mesh, cells: number[], k: number, rng: Rng): number[][] {
  if (k <= 1 || cells.length <= k) return k <= 1 || cells.length <= 1 ? [cells] : cells.map((c) => [c]);
  const pos = cells.map((c) => cellCentre(m, c));
  const seeds: [number, number][] = [pos[rng.int(0, cells.length - 1)]];
  while (seeds.length < k) {
    let best = 0, bestD = -1;
    pos.forEach((p, idx) => {
      const d = Math.min(...seeds.map((s) => (s[0] - p[0]) ** 2 + (s[1] - p[1]) ** 2)) * rng.uniform(0.8, 1);
      if (d > bestD) { bestD = d; best = idx; }
    });
    seeds.push(pos[best]);
  }
  const weight = seeds.map(() => rng.uniform(0.75, 1.3));
  const assign = new Int32Array(cells.length);
  for (let iter = 0; iter < 4; iter++) {
    pos.forEach((p, idx) => {
      let best = 0, bestD = Infinity;
      seeds.forEach((s, si) => {
        const d = ((s[0] - p[0]) ** 2 + (s[1] - p[1]) ** 2) / weight[si];
        if (d < bestD) { bestD = d; best = si; }
      });
      assign[idx] = best;
    });
    if (iter === 3) break;
    seeds.forEach((_, si) => {
      let sx = 0, sy = 0, n = 0;
      pos.forEach((p, idx) => { if (assign[idx] === si) { sx += p[0]; sy += p[1]; n++; } });
      if (n) seeds[si] = [sx / n, sy / n];
    });
  }
  const label = new Int32Array(m.nx * m.ny).fill(-1);
  cells.forEach((c, idx) => { label[c] = assign[idx]; });
  makeConnected(m, label, seeds.map((_, si) => si), () => true);
  const parts = seeds.map(() => [] as number[]);
  for (const c of cells) parts[label[c]].push(c);
  return parts.filter((p) => p.length > 0);
}

/**
 * Groups connected regions into k contiguous groups of similar size: farthest-point seeds, then the
 * smallest group repeatedly takes the unassigned neighbour it shares the longest border with.
 */
export function groupRegions(sizes: number[], centres: [number, number][], adjacency: Map<number, number>[], k: number, rng: Rng): number[] {
  const n = sizes.length;
  const group = new Array<number>(n).fill(-1);
  if (k <= 1) return group.fill(0);
  const seeds = [rng.int(0, n - 1)];
  while (seeds.length < Math.min(k, n)) {
    let best = -1, bestD = -1;
    for (let r = 0; r < n; r++) {
      if (seeds.includes(r)) continue;
      const d = Math.min(...seeds.map((s) => (centres[s][0] - centres[r][0]) ** 2 + (centres[s][1] - centres[r][1]) ** 2));
      if (d > bestD) { bestD = d; best = r; }
    }
    seeds.push(best);
  }
  const total = seeds.map((s, g) => { group[s] = g; return sizes[s]; });
  for (;;) {
    const order = total.map((t, g) => [t, g]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
    let grew = false;
    for (const g of order) {
      let best = -1, bestShared = 0;
      for (let r = 0; r < n; r++) {
        if (group[r] !== g) continue;
        for (const [nb, shared] of adjacency[r]) {
          if (group[nb] === -1 && (shared > bestShared || (shared === bestShared && nb < best))) { best = nb; bestShared = shared; }
        }
      }
      if (best >= 0) { group[best] = g; total[g] += sizes[best]; grew = true; break; }
    }
    if (!grew) break;
  }
  // Regions unreachable from any seed (cannot happen for a connected parent) join group 0 rather than vanish.
  return group.map((g) => (g < 0 ? 0 : g));
}

/** Shared-edge counts between labelled regions (label -1 = none). */
export function regionAdjacency(m: Mesh, label: Int32Array, count: number): Map<number, number>[] {
  const adj = Array.from({ length: count }, () => new Map<number, number>());
  for (let c = 0; c < label.length; c++) {
    const a = label[c];
    if (a < 0) continue;
    const nb = cellNeighbours(m, c);
    for (const n of [nb[1], nb[2]]) { // east and north: each shared edge once
      const b = n >= 0 ? label[n] : -1;
      if (b < 0 || b === a) continue;
      adj[a].set(b, (adj[a].get(b) ?? 0) + 1);
      adj[b].set(a, (adj[b].get(a) ?? 0) + 1);
    }
  }
  return adj;
}
