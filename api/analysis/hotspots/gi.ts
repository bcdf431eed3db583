/**
 * Gi* over a lattice of cells and over a space-time cube, from counts to FDR bins (pure). The
 * statistics themselves are api/domain/hotspots; this only wires them together.
 */
import {
  bandNeighbors,
  emergingHotSpots,
  fdrBins,
  giStar,
  neighborCounts,
  twoSidedPValues,
  type EmergingCategory,
  type Neighbors,
} from '../../domain/hotspots/index.ts';

/** A cell with fewer than this many other cells within the band is flagged `edge` (ArcGIS' rule of thumb). */
export const EDGE_MIN_NEIGHBOURS = 8;

export interface GiResult {
  z: Float64Array;
  p: Float64Array;
  bin: Int8Array;
  /** neighbours of each cell within the band, the cell itself included (W_i of the statistic) */
  neighbors: Uint32Array;
}

/**
 * Neighbour lists of a lattice's centroids per band, kept as long as the (cached) lattice's coordinate array lives:
 * they depend on neither the cases nor the filters, and finding them was half of the Gi* phase. A few bands per
 * lattice at most (a band list of 54k cells within 360 m holds 1.6M entries, 6 MB).
 */
const neighbourCache = new WeakMap<object, Map<number, Neighbors>>();
const BANDS_PER_LATTICE = 4;

export function latticeNeighbors(coords: ArrayLike<number> & object, band: number): Neighbors {
  let byBand = neighbourCache.get(coords);
  if (!byBand) neighbourCache.set(coords, (byBand = new Map()));
  let nb = byBand.get(band);
  if (!nb) {
    nb = bandNeighbors(coords, band, { includeSelf: true });
    if (byBand.size >= BANDS_PER_LATTICE) byBand.delete(byBand.keys().next().value!);
    byBand.set(band, nb);
  }
  return nb;
}

/** Gi* z, two-sided p and BH-FDR bins of `counts` over centroids `coords`, band inclusive, self included. */
export function hotspotStats(counts: ArrayLike<number>, coords: ArrayLike<number> & object, band: number): GiResult {
  const nb = latticeNeighbors(coords, band);
  const z = giStar(counts, nb);
  const p = twoSidedPValues(z);
  return { z, p, bin: fdrBins(z, p), neighbors: neighborCounts(nb) };
}

export function isEdge(neighbors: number): boolean {
  return neighbors - 1 < EDGE_MIN_NEIGHBOURS;
}

/**
 * Neighbours in a space-time cube of `steps` copies of a spatial lattice, bin (t, i) at index t·n + i:
 * the spatial neighbours of i (self included) in step t and in step t − 1. Lists come out ascending
 * (previous step's block first). The cube's first step has only its own step.
 */
export function spaceTimeNeighbors(spatial: Neighbors, steps: number): Neighbors {
  if (!spatial.includesSelf) throw new RangeError('space-time Gi* needs spatial neighbour lists that include self');
  const n = spatial.n;
  const { offsets: so, indices: si } = spatial;
  const pairs = so[n];
  const total = steps * pairs + Math.max(0, steps - 1) * pairs;
  const offsets = new Uint32Array(steps * n + 1);
  const indices = new Uint32Array(total);
  let k = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      const a = so[i];
      const b = so[i + 1];
      if (t > 0) {
        const base = (t - 1) * n;
        for (let m = a; m < b; m++) indices[k++] = base + si[m];
      }
      const base = t * n;
      for (let m = a; m < b; m++) indices[k++] = base + si[m];
      offsets[t * n + i + 1] = k;
    }
  }
  return { n: steps * n, offsets, indices, includesSelf: true };
}

/** Neighbour pairs a space-time cube would hold (for refusing requests that would not fit in memory). */
export function spaceTimePairs(spatialPairs: number, steps: number): number {
  return spatialPairs * Math.max(0, 2 * steps - 1);
}

export interface EmergingStats {
  /** z, p, bin per bin of the cube, index t·n + i */
  z: Float64Array;
  p: Float64Array;
  bin: Int8Array;
  categories: EmergingCategory[];
  trendZ: Float64Array;
  trendP: Float64Array;
  neighbors: Uint32Array;
}

/**
 * Space-time Gi* on a cube of counts (index t·n + i), BH-FDR over all bins of the cube at once
 * (every bin is one test), then Mann–Kendall on each cell's z series and the emerging categories.
 */
export function emergingStats(cube: Float64Array, steps: number, coords: ArrayLike<number> & object, band: number): EmergingStats {
  const n = coords.length / 2;
  if (cube.length !== steps * n) throw new RangeError(`cube has ${cube.length} bins, expected ${steps} × ${n}`);
  const spatial = latticeNeighbors(coords, band);
  const st = spaceTimeNeighbors(spatial, steps);
  const z = giStar(cube, st);
  const p = twoSidedPValues(z);
  const bin = fdrBins(z, p);
  const zBy: Float64Array[] = [];
  const binBy: Int8Array[] = [];
  for (let t = 0; t < steps; t++) {
    zBy.push(z.subarray(t * n, (t + 1) * n));
    binBy.push(bin.subarray(t * n, (t + 1) * n));
  }
  const em = steps > 0 ? emergingHotSpots(zBy, binBy) : { categories: new Array<EmergingCategory>(n).fill('no_pattern'), trendZ: new Float64Array(n), trendP: new Float64Array(n).fill(1) };
  return { z, p, bin, categories: em.categories, trendZ: em.trendZ, trendP: em.trendP, neighbors: neighborCounts(spatial) };
}
