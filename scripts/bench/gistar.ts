/**
 * Benchmark: ~50k square cells with random counts → band neighbours (kdbush) + Gi* + two-sided p +
 * BH-FDR bins, against the same pipeline with a naive O(n²) neighbour loop. Prints one table row
 * `name, median ms, baseline ms, ratio` (ratio = baseline / median). Run alone: `npx tsx scripts/bench/gistar.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bandNeighbors, fdrBins, giStar, twoSidedPValues, type Neighbors } from '../../api/domain/hotspots/index.ts';
import type { Figure } from './harness.ts';

export interface BenchRow {
  name: string;
  medianMs: number;
  baselineMs: number;
  ratio: number;
}

export interface GiStarBenchOptions {
  /** Cells per side of the square grid (default 224 → 50,176 cells). */
  side?: number;
  /** Cell size in metres (default 100). */
  cellSize?: number;
  /** Band in metres (default 300 → 29 neighbours incl. self inside the grid). */
  band?: number;
  /** Timed runs of the fast pipeline (default 7, after one warm-up). */
  runs?: number;
  /** Also time the naive O(n²) baseline (default true; ~seconds at 50k cells). */
  baseline?: boolean;
}

/** Small deterministic PRNG so every run benchmarks the same counts. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeCells(side: number, size: number): { coords: Float64Array; counts: Float64Array } {
  const n = side * side;
  const coords = new Float64Array(2 * n);
  const counts = new Float64Array(n);
  const rand = mulberry32(20240601);
  // a few hot areas on a sparse background, like cases in a city
  const centres = Array.from({ length: 12 }, () => [rand() * side, rand() * side, 2 + rand() * 6, 3 + rand() * 10]);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const i = row * side + col;
      coords[2 * i] = 500_000 + (col + 0.5) * size; // UTM-like magnitudes
      coords[2 * i + 1] = 3_500_000 + (row + 0.5) * size;
      let lambda = 0.3;
      for (const [cx, cy, r, peak] of centres) lambda += peak * Math.exp(-((col - cx) ** 2 + (row - cy) ** 2) / (2 * r * r));
      counts[i] = Math.floor(-Math.log(1 - rand()) * lambda); // exponential noise around the intensity
    }
  }
  return { coords, counts };
}

/** The naive baseline: every pair tested, lists built the same way (CSR, self included). */
function naiveNeighbors(coords: Float64Array, band: number): Neighbors {
  const n = coords.length / 2;
  const r2 = band * band * (1 + 1e-12);
  const offsets = new Uint32Array(n + 1);
  const lists: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = coords[2 * i];
    const yi = coords[2 * i + 1];
    for (let j = 0; j < n; j++) {
      const dx = coords[2 * j] - xi;
      const dy = coords[2 * j + 1] - yi;
      if (dx * dx + dy * dy <= r2) lists.push(j);
    }
    offsets[i + 1] = lists.length;
  }
  return { n, offsets, indices: Uint32Array.from(lists), includesSelf: true };
}

function pipeline(coords: Float64Array, counts: Float64Array, band: number, neighbors?: Neighbors): Int8Array {
  const nb = neighbors ?? bandNeighbors(coords, band, { includeSelf: true });
  const z = giStar(counts, nb);
  return fdrBins(z, twoSidedPValues(z));
}

export function benchGiStar(options: GiStarBenchOptions = {}): BenchRow {
  const side = options.side ?? 224;
  const cellSize = options.cellSize ?? 100;
  const band = options.band ?? 300;
  const runs = options.runs ?? 7;
  const { coords, counts } = makeCells(side, cellSize);
  const n = side * side;

  pipeline(coords, counts, band); // warm-up (JIT)
  const times: number[] = [];
  let bins: Int8Array = new Int8Array(0);
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    bins = pipeline(coords, counts, band);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];

  let baselineMs = Number.NaN;
  if (options.baseline ?? true) {
    const t0 = performance.now();
    const naive = naiveNeighbors(coords, band);
    const naiveBins = pipeline(coords, counts, band, naive);
    baselineMs = performance.now() - t0;
    // the baseline must compute the same thing, or the ratio means nothing
    for (let i = 0; i < n; i++) if (naiveBins[i] !== bins[i]) throw new Error(`naive baseline disagrees at cell ${i}`);
  }

  const row: BenchRow = {
    name: `gistar: ${n} cells, band ${band} m (neighbours + Gi* + FDR)`,
    medianMs,
    baselineMs,
    ratio: baselineMs / medianMs,
  };
  console.log('name, median ms, baseline ms, ratio');
  console.log(`${row.name}, ${row.medianMs.toFixed(1)}, ${Number.isNaN(row.baselineMs) ? '—' : row.baselineMs.toFixed(1)}, ${Number.isNaN(row.ratio) ? '—' : row.ratio.toFixed(1)}`);
  return row;
}

/** Adapter for scripts/bench/run.ts (harness ratio = value / baseline, so < 1 means faster). */
export async function run(): Promise<Figure[]> {
  const row = benchGiStar();
  return [
    {
      name: row.name,
      value: row.medianMs,
      unit: 'ms',
      baseline: row.baselineMs,
      baselineName: 'naive O(n²) neighbour loop + same Gi*/FDR',
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) benchGiStar();
