/**
 * Fixed-distance-band neighbour lists over points (cell centroids in a metric CRS), and k-nearest-
 * neighbour distances, on a kdbush index. Results are CSR arrays (offsets + indices) so ~50k cells
 * with ~30 neighbours each cost two typed arrays instead of 50k small JS arrays.
 *
 * Coordinates are interleaved: [x0, y0, x1, y1, …] (the layout kdbush itself uses).
 */
import KDBush from 'kdbush';

/** Interleaved coordinates [x0, y0, x1, y1, …]. */
export type Coords = ArrayLike<number>;

/** Neighbour lists in compressed sparse row form: the neighbours of i are indices[offsets[i] .. offsets[i+1]). */
export interface Neighbors {
  /** Number of points. */
  readonly n: number;
  /** Length n + 1; offsets[n] is the total number of (ordered) neighbour pairs. */
  readonly offsets: Uint32Array;
  /** Neighbour ids, ascending within each point's slice. */
  readonly indices: Uint32Array;
  /** Whether each point is listed as its own neighbour (Gi*) or not (G, Moran's I). */
  readonly includesSelf: boolean;
}

export interface BandOptions {
  /** List each point as its own neighbour. Default true (Gi*). */
  includeSelf?: boolean;
  /** Tolerance added to the band; default {@link bandEpsilon}. */
  epsilon?: number;
  /** A prebuilt index over the same coords (saves rebuilding it for several bands). */
  index?: KDBush;
}

function pointCount(coords: Coords): number {
  if (coords.length % 2 !== 0) throw new RangeError('coords must be interleaved [x0, y0, x1, y1, …]');
  return coords.length / 2;
}

/** Builds a kdbush index over interleaved coordinates. */
export function buildIndex(coords: Coords): KDBush {
  const n = pointCount(coords);
  const index = new KDBush(Math.max(n, 1), 64, Float64Array);
  for (let i = 0; i < n; i++) index.add(coords[2 * i], coords[2 * i + 1]);
  // kdbush needs numItems added before finish(); pad an empty set with one far-away dummy.
  if (n === 0) index.add(Infinity, Infinity);
  return index.finish();
}

/**
 * Tolerance for the inclusive test d ≤ band. Centroids computed as origin + (col + ½)·size in
 * projected coordinates of ~10⁶–10⁷ m carry rounding of a few ulps (~1e-9 m), so a neighbour
 * exactly `band` away could otherwise fall out by a hair. 1e-9 relative to the larger of the band
 * and the largest coordinate magnitude is far above that noise and far below any real spacing
 * (5 mm at a northing of 5·10⁶ m).
 */
export function bandEpsilon(band: number, coords: Coords): number {
  let maxAbs = Math.abs(band);
  for (let i = 0; i < coords.length; i++) {
    const a = Math.abs(coords[i]);
    if (a > maxAbs) maxAbs = a;
  }
  return 1e-9 * Math.max(1, maxAbs);
}

/** Growable Uint32Array used while the total neighbour count is unknown. */
class U32Builder {
  buf: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint32Array(Math.max(16, capacity));
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  finish(): Uint32Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Neighbours within a fixed distance band: j is a neighbour of i when dist(i, j) ≤ band (inclusive,
 * with {@link bandEpsilon} tolerance). Coincident distinct points are neighbours of each other;
 * `includeSelf` only controls whether i lists itself. Symmetric by construction; lists ascending.
 */
export function bandNeighbors(coords: Coords, band: number, options: BandOptions = {}): Neighbors {
  if (!(band >= 0) || !Number.isFinite(band)) throw new RangeError(`band must be a finite number ≥ 0, got ${band}`);
  const n = pointCount(coords);
  const includeSelf = options.includeSelf ?? true;
  const radius = band + (options.epsilon ?? bandEpsilon(band, coords));
  const index = options.index ?? buildIndex(coords);
  const offsets = new Uint32Array(n + 1);
  const out = new U32Builder(n * 16);
  // withinInto writes at most n ids; one scratch buffer serves every query.
  const scratch = new Uint32Array(Math.max(n, 1));
  for (let i = 0; i < n; i++) {
    const found = index.withinInto(coords[2 * i], coords[2 * i + 1], radius, scratch);
    out.reserve(found + 1);
    const start = out.length;
    const buf = out.buf;
    let len = start;
    let sawSelf = false;
    for (let f = 0; f < found; f++) {
      const j = scratch[f];
      if (j === i) {
        sawSelf = true;
        if (!includeSelf) continue;
      }
      buf[len++] = j;
    }
    // A point always lies within radius of itself unless coordinates are NaN; keep Gi* well defined.
    if (includeSelf && !sawSelf) buf[len++] = i;
    out.length = len;
    offsets[i + 1] = len;
  }
  // Sort every list at once by transposing: walking i in ascending order and appending i to the list
  // of each of its neighbours j yields ascending lists. Band neighbourhoods are symmetric (kdbush's
  // squared distance is exactly symmetric in its arguments), so the transpose has the same lists
  // and the same offsets.
  const unsorted = out.buf;
  const total = out.length;
  const indices = new Uint32Array(total);
  const cursor = offsets.slice(0, n);
  let symmetric = true;
  for (let i = 0; i < n && symmetric; i++) {
    for (let k = offsets[i], end = offsets[i + 1]; k < end; k++) {
      const j = unsorted[k];
      const at = cursor[j]++;
      if (at >= offsets[j + 1]) {
        symmetric = false; // a hair-thin asymmetry at the band edge: fall back to sorting each list
        break;
      }
      indices[at] = i;
    }
  }
  if (!symmetric) {
    indices.set(unsorted.subarray(0, total));
    for (let i = 0; i < n; i++) indices.subarray(offsets[i], offsets[i + 1]).sort();
  }
  return { n, offsets, indices, includesSelf: includeSelf };
}

/** Number of neighbours of each point (self counted when the lists include it). */
export function neighborCounts(nb: Neighbors): Uint32Array {
  const counts = new Uint32Array(nb.n);
  for (let i = 0; i < nb.n; i++) counts[i] = nb.offsets[i + 1] - nb.offsets[i];
  return counts;
}

/**
 * Distance from each point to its k-th nearest other point (self excluded by index; coincident
 * points count at distance 0). Depth-first search over kdbush's implicit k-d tree with a bounded
 * sorted list of the k best squared distances, pruning subtrees beyond the current k-th distance.
 */
export function kthNeighborDistances(coords: Coords, k: number, index?: KDBush): Float64Array {
  const n = pointCount(coords);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer ≥ 1, got ${k}`);
  if (k > n - 1) throw new RangeError(`k = ${k} needs at least ${k + 1} points, got ${n}`);
  const idx = index ?? buildIndex(coords);
  const { ids, coords: tc, nodeSize } = idx;
  const best = new Float64Array(k); // ascending squared distances; best[k-1] is the current bound
  // Explicit stack of (left, right, axis) plus the squared distance from q to the node's splitting
  // plane; depth ≤ log2(n/nodeSize) + 1 and each level pushes two entries.
  const stackSize = 2 * (Math.ceil(Math.log2(Math.max(2, n))) + 2);
  const stackI = new Int32Array(3 * stackSize);
  const stackD = new Float64Array(stackSize);
  const result = new Float64Array(n);

  for (let q = 0; q < n; q++) {
    const qx = coords[2 * q];
    const qy = coords[2 * q + 1];
    best.fill(Infinity);
    stackI[0] = 0;
    stackI[1] = ids.length - 1;
    stackI[2] = 0;
    stackD[0] = 0;
    let sp = 1;
    while (sp > 0) {
      sp--;
      if (stackD[sp] > best[k - 1]) continue;
      const left = stackI[3 * sp];
      const right = stackI[3 * sp + 1];
      const axis = stackI[3 * sp + 2];
      const lo = right - left <= nodeSize ? left : (left + right) >> 1;
      const hi = right - left <= nodeSize ? right : lo;
      // a leaf's points, or the node's median point
      for (let s = lo; s <= hi; s++) {
        if (ids[s] === q) continue;
        const dx = tc[2 * s] - qx;
        const dy = tc[2 * s + 1] - qy;
        const d2 = dx * dx + dy * dy;
        if (d2 >= best[k - 1]) continue;
        let p = k - 1;
        while (p > 0 && best[p - 1] > d2) {
          best[p] = best[p - 1];
          p--;
        }
        best[p] = d2;
      }
      if (right - left <= nodeSize) continue;
      const m = lo;
      const diff = (axis === 0 ? qx : qy) - tc[2 * m + axis];
      const plane2 = diff * diff;
      // Push the far side first so the near side is searched first and tightens the bound.
      const nearLeft = diff < 0;
      const farL = nearLeft ? m + 1 : left;
      const farR = nearLeft ? right : m - 1;
      const nearL = nearLeft ? left : m + 1;
      const nearR = nearLeft ? m - 1 : right;
      if (farL <= farR) {
        stackI[3 * sp] = farL;
        stackI[3 * sp + 1] = farR;
        stackI[3 * sp + 2] = 1 - axis;
        stackD[sp++] = plane2;
      }
      if (nearL <= nearR) {
        stackI[3 * sp] = nearL;
        stackI[3 * sp + 1] = nearR;
        stackI[3 * sp + 2] = 1 - axis;
        stackD[sp++] = 0;
      }
    }
    result[q] = Math.sqrt(best[k - 1]);
  }
  return result;
}

/** Mean over all points of the distance to the k-th nearest neighbour (the k-NN band fallback). */
export function meanKthNeighborDistance(coords: Coords, k: number, index?: KDBush): number {
  const d = kthNeighborDistances(coords, k, index);
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i];
  return sum / d.length;
}
