/**
 * Cell size and band chosen from the data when the caller gives none (DESIGN §5.4). Pure: inputs are
 * a sample of case locations and the cell counts, both in the metric CRS.
 *
 * Cell size — the mean distance from each case location to its nearest other location, over a
 * deterministic sample of SAMPLE_TARGET cases (distinct locations), rounded to a 1-2-2.5-5 step: the
 * spacing at which that many cases stand apart (for cases spread at random over an area A, about
 * ½·√(A/SAMPLE_TARGET)), so cells are smaller where cases cluster. It is then kept within
 * [√(A/(maxCells/2)), √(A/MIN_CELLS)] so the lattice neither exceeds half the configured cell limit
 * nor has too few cells for Gi*.
 *
 * Band — the first peak (z > 1.65) of incremental global Moran's I of the cell counts over the
 * distances cellSize·(1, 1.5, 2, … , 8) (capped at a third of the study area's shorter side); with no
 * peak, the mean distance from each cell centroid to its k-th nearest centroid, k = 5 % of the
 * cells within 3…30 (and < the number of cells).
 */
import { firstPeak, incrementalMoran, meanKthNeighborDistance, type MoranBand } from '../../domain/hotspots/index.ts';

/**
 * Cases sampled for the nearest-neighbour cell size. The mean NN distance of m cases is about
 * R·½·√(A/m) (R ≈ 0.6–0.8 for clustered city cases), so cells of that size number about 4m/R²:
 * m = 2 500 gives 15–30 thousand cells, fine enough for street blocks, coarse enough for counts.
 */
export const SAMPLE_TARGET = 2_500;
/** Below this many cells Gi* has too little to compare with (ArcGIS asks for at least 30 features). */
export const MIN_CELLS = 100;
/** Incremental Moran's I: bands cellSize × (1 + BAND_STEP·i), i = 0 … BAND_STEPS − 1. */
export const BAND_STEP = 0.5;
export const BAND_STEPS = 15;

export interface Chosen {
  value: number;
  source: 'request' | 'data';
  method?: string;
  reason: string;
  [detail: string]: unknown;
}

/** Rounds to the nearest of 1, 2, 2.5, 5 × 10^k (in log terms). */
export function niceRound(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`niceRound needs a positive number, got ${v}`);
  const e = Math.floor(Math.log10(v));
  const base = 10 ** e;
  let best = base;
  for (const m of [1, 2, 2.5, 5, 10]) {
    const c = m * base;
    if (Math.abs(Math.log(c / v)) < Math.abs(Math.log(best / v))) best = c;
  }
  return Number(best.toPrecision(6));
}

/** Smallest 1-2-2.5-5 step ≥ v. */
export function niceCeil(v: number): number {
  const e = Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const c = Number((m * 10 ** e).toPrecision(6));
    if (c >= v * (1 - 1e-12)) return c;
  }
  return 10 ** (e + 1);
}

/** Largest 1-2-2.5-5 step ≤ v. */
export function niceFloor(v: number): number {
  const e = Math.floor(Math.log10(v));
  for (const m of [10, 5, 2.5, 2, 1]) {
    const c = Number((m * 10 ** e).toPrecision(6));
    if (c <= v * (1 + 1e-12)) return c;
  }
  return 10 ** (e - 1);
}

/** Distinct points of interleaved coordinates (coincident reports of one place count once). */
export function distinctPoints(coords: ArrayLike<number>): Float64Array {
  const seen = new Set<string>();
  const out: number[] = [];
  for (let i = 0; i + 1 < coords.length; i += 2) {
    const k = `${coords[i]},${coords[i + 1]}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(coords[i], coords[i + 1]);
  }
  return Float64Array.from(out);
}

export interface CellSizeInput {
  /** sampled case locations, interleaved, metric CRS */
  sample: ArrayLike<number>;
  /** the sample holds every filtered in-area case (else it is the first SAMPLE_TARGET by a hash of the id) */
  complete: boolean;
  /** study area in m² */
  areaM2: number;
  /** area of a cell of size 1 (1 for squares, √3/2 for hexagons) */
  cellAreaFactor: number;
  maxCells: number;
  /** a band given by the caller: the cell size must not exceed it */
  band?: number;
}

export function chooseCellSize(input: CellSizeInput): Chosen {
  const { areaM2, cellAreaFactor, maxCells } = input;
  const cellsAt = (s: number) => areaM2 / (cellAreaFactor * s * s);
  const lower = niceCeil(Math.max(1, Math.sqrt(areaM2 / (cellAreaFactor * (maxCells / 2)))));
  const upper = Math.max(lower, niceFloor(Math.max(1, Math.sqrt(areaM2 / (cellAreaFactor * MIN_CELLS)))));
  const pts = distinctPoints(input.sample);
  const n = pts.length / 2;
  let value: number;
  let reason: string;
  const detail: Record<string, unknown> = { sampled: n, complete: input.complete };
  if (n >= 2) {
    const nn = meanKthNeighborDistance(pts, 1);
    detail.meanNearestNeighbour = Math.round(nn * 100) / 100;
    value = niceRound(Math.max(nn, 1));
    const which = input.complete ? 'of all the cases' : `of a sample of ${SAMPLE_TARGET} cases (the first by a hash of the case id)`;
    reason = `mean nearest-neighbour distance ${nn.toFixed(1)} m among the ${n} distinct locations ${which}, rounded to ${value} m`;
  } else {
    value = niceRound(Math.sqrt(areaM2 / (cellAreaFactor * 2500)));
    reason = `fewer than 2 distinct case locations: ${value} m gives about 2,500 cells over the study area`;
  }
  if (value < lower) {
    reason += `; raised to ${lower} m to keep the study area within ${Math.floor(maxCells / 2)} cells (half the limit)`;
    value = lower;
  } else if (value > upper) {
    reason += `; lowered to ${upper} m so the study area has at least ${MIN_CELLS} cells`;
    value = upper;
  }
  if (input.band !== undefined && value > input.band) {
    reason += `; lowered to the requested band ${input.band} m so cells have neighbours`;
    value = input.band;
  }
  detail.expectedCells = Math.round(cellsAt(value));
  return { value, source: 'data', method: 'nearest-neighbour', reason, ...detail };
}

export interface BandInput {
  counts: ArrayLike<number>;
  /** cell centroids, interleaved */
  coords: ArrayLike<number>;
  cellSize: number;
  /** shorter side of the study area's bounding box (m) */
  extent: number;
}

/** The bands tried by incremental Moran's I. */
export function moranBands(cellSize: number, extent: number): number[] {
  const cap = Math.max(cellSize, extent / 3);
  const bands: number[] = [];
  for (let i = 0; i < BAND_STEPS; i++) {
    const b = cellSize * (1 + BAND_STEP * i);
    if (b > cap && bands.length >= 3) break;
    bands.push(b);
  }
  return bands;
}

const round2 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

export function chooseBand(input: BandInput): Chosen {
  const { counts, coords, cellSize, extent } = input;
  const n = counts.length;
  const bands = moranBands(cellSize, extent);
  let series: MoranBand[] = [];
  if (n >= 4) series = incrementalMoran(counts, coords, bands);
  const table = series.map((s) => ({ band: s.band, I: round2(s.I), z: round2(s.z), meanNeighbors: round2(s.meanNeighbors) }));
  const peak = firstPeak(series, 1.65);
  if (peak) {
    return {
      value: peak.band,
      source: 'data',
      method: 'moran-first-peak',
      reason: `first peak of incremental global Moran's I (z = ${peak.z.toFixed(2)} > 1.65) over ${bands.length} bands from ${bands[0]} to ${bands[bands.length - 1]} m`,
      moran: table,
    };
  }
  const k = Math.min(Math.max(3, Math.round(0.05 * n)), 30, n - 1);
  if (k < 1) {
    return { value: cellSize, source: 'data', method: 'cell-size', reason: `only ${n} cell(s): band = cellSize`, moran: table };
  }
  const mean = meanKthNeighborDistance(coords, k);
  const value = Math.max(cellSize, Math.round(mean * 100) / 100);
  return {
    value,
    source: 'data',
    method: 'knn',
    reason: `no peak of incremental Moran's I with z > 1.65 over ${bands.length} bands; mean distance to the ${k}-th nearest cell centroid (k = 5 % of ${n} cells, within 3…30)`,
    k,
    moran: table,
  };
}
