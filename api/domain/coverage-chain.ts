/**
 * Exact coverage test without polygon overlay ("chain test"). Orient every ring consistently (shells
 * counter-clockwise, holes clockwise) and add up the directed edges of a community's grids: shared edges cancel
 * (they run both ways). If what remains is exactly the community's boundary, then Σ ∂grid = ∂community as 1-chains,
 * so by the winding-number argument Σ indicator(grid) = indicator(community) almost everywhere: every point of the
 * community is covered exactly once (no gap, no overlap, nothing outside). Valid polygons are assumed (every write
 * checks validity).
 *
 * Remaining grid edges may subdivide a community edge (grid vertices along the community boundary): a community
 * edge is split at the grid vertices lying exactly on it. Floating-point collinearity is exact for axis-parallel
 * edges; whatever cannot be proven here (T-junctions, vertices not exactly on a slanted boundary, real gaps and
 * overlaps) returns false, and the caller locates the problems with the overlay path.
 */
import type { PolygonRings } from './wkb.ts';

/** Directed edges, normalised to run from the lexicographically lower end: ax, ay, bx, by, weight (±1). */
class Edges {
  readonly v: number[] = [];
  add(ax: number, ay: number, bx: number, by: number, w: number) {
    if (ax === bx && ay === by) return; // repeated vertex
    if (ax < bx || (ax === bx && ay < by)) this.v.push(ax, ay, bx, by, w);
    else this.v.push(bx, by, ax, ay, -w);
  }
  /** Adds a ring with weight w, or −w when its orientation is the opposite of `ccw`. */
  ring(r: Float64Array, ccw: boolean, w: number) {
    let area2 = 0;
    for (let i = 0; i + 3 < r.length; i += 2) area2 += r[i] * r[i + 3] - r[i + 2] * r[i + 1];
    const s = (area2 > 0) === ccw ? w : -w;
    for (let i = 0; i + 3 < r.length; i += 2) this.add(r[i], r[i + 1], r[i + 2], r[i + 3], s);
  }
  /** Sum of the weights per edge; the edges whose sum is not 0. */
  residual(): Edges {
    const n = this.v.length / 5;
    const v = this.v;
    const idx = Array.from({ length: n }, (_, i) => i * 5);
    idx.sort((p, q) => v[p] - v[q] || v[p + 1] - v[q + 1] || v[p + 2] - v[q + 2] || v[p + 3] - v[q + 3]);
    const out = new Edges();
    for (let i = 0; i < n;) {
      const p = idx[i];
      let w = 0;
      let j = i;
      for (; j < n && v[idx[j]] === v[p] && v[idx[j] + 1] === v[p + 1] && v[idx[j] + 2] === v[p + 2] && v[idx[j] + 3] === v[p + 3]; j++) w += v[idx[j] + 4];
      if (w !== 0) out.v.push(v[p], v[p + 1], v[p + 2], v[p + 3], w);
      i = j;
    }
    return out;
  }
}

/** True when the grids tile the community exactly (rings in any orientation: they are oriented here). */
export function tilesExactly(community: PolygonRings[], grids: PolygonRings[][]): boolean {
  const all = new Edges();
  for (const g of grids) for (const poly of g) poly.forEach((ring, k) => all.ring(ring, k === 0, 1));
  const rest = all.residual();
  for (let i = 4; i < rest.v.length; i += 5) if (rest.v[i] !== 1 && rest.v[i] !== -1) return false;

  // the community boundary, each edge split at the remaining grid vertices lying exactly on it, subtracted
  const pts = rest.v;
  for (const poly of community) {
    poly.forEach((r, k) => {
      let area2 = 0;
      for (let i = 0; i + 3 < r.length; i += 2) area2 += r[i] * r[i + 3] - r[i + 2] * r[i + 1];
      const s = (area2 > 0) === (k === 0) ? -1 : 1;
      for (let i = 0; i + 3 < r.length; i += 2) {
        const ax = r[i], ay = r[i + 1], bx = r[i + 2], by = r[i + 3];
        const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        const minx = Math.min(ax, bx), maxx = Math.max(ax, bx), miny = Math.min(ay, by), maxy = Math.max(ay, by);
        const cuts: [number, number, number][] = [];
        for (let e = 0; e < pts.length; e += 5) {
          for (const o of [0, 2]) {
            const px = pts[e + o], py = pts[e + o + 1];
            if (px < minx || px > maxx || py < miny || py > maxy) continue;
            if (dx * (py - ay) - dy * (px - ax) !== 0) continue; // not exactly on the line
            const t = (px - ax) * dx + (py - ay) * dy;
            if (t > 0 && t < len2) cuts.push([t, px, py]);
          }
        }
        cuts.sort((p, q) => p[0] - q[0]);
        let x = ax, y = ay;
        for (const [, px, py] of cuts) {
          all.add(x, y, px, py, s); // equal consecutive cuts are skipped as repeated vertices
          x = px;
          y = py;
        }
        all.add(x, y, bx, by, s);
      }
    });
  }
  return all.residual().v.length === 0;
}
