/**
 * Emerging hot spot categories, after ArcGIS Pro "How Emerging Hot Spot Analysis works"
 * (https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm).
 *
 * Input per cell: its bin (−3…3, FDR-corrected Gi*, see fdr.ts) at each time step, oldest first, and
 * the Mann–Kendall trend of its Gi* z series. Terms used below:
 *   n      number of time steps
 *   hot t  bin[t] ≥ minBin     (significant hot spot; minBin = 1, i.e. 90 % after FDR, by default)
 *   cold t bin[t] ≤ −minBin
 *   H, C   number of hot / cold steps
 *   "ninety percent of the time steps" = at least 90 %: 10·H ≥ 9·n (integer test, no rounding);
 *   "less than ninety percent" is the complement, 10·H < 9·n.
 *   trend  significant increase: S > 0 and p ≤ trendAlpha; significant decrease: S < 0 and p ≤ trendAlpha
 *          (trendAlpha = 0.05 by default). The trend is on z, so for cold spots "intensifying" means z
 *          falling (colder) and "diminishing" means z rising.
 *
 * The published definitions overlap in a few corners; ties are resolved in this order, and the
 * tests pin each choice:
 *   1. historical (the final step is not hot but ≥ 90 % were) before anything keyed on the final step
 *      — so a mostly-hot cell whose last step turned cold is historical hot, not oscillating cold;
 *   2. final step hot and ≥ 90 % hot → intensifying / diminishing / persistent by the trend;
 *   3. final step hot, < 90 % hot, any earlier cold step → oscillating (so "new", "consecutive"
 *      and "sporadic" hot spots never had a cold step, as "sporadic" states outright);
 *   4. then new (only the final step hot), consecutive (the hot steps form one run ending at the
 *      final step, length ≥ 2), and otherwise sporadic;
 *   5. anything else: no pattern.
 */
import { mannKendall, type MannKendallResult } from './mannKendall.ts';

export const EMERGING_PATTERNS = [
  'new',
  'consecutive',
  'intensifying',
  'persistent',
  'diminishing',
  'sporadic',
  'oscillating',
  'historical',
] as const;
export type EmergingPattern = (typeof EMERGING_PATTERNS)[number];
export type EmergingCategory = `${EmergingPattern}_hot` | `${EmergingPattern}_cold` | 'no_pattern';

/** Every category, hot ones first, in the order of EMERGING_PATTERNS (for legends). */
export const EMERGING_CATEGORIES: readonly EmergingCategory[] = [
  ...EMERGING_PATTERNS.map((p) => `${p}_hot` as const),
  ...EMERGING_PATTERNS.map((p) => `${p}_cold` as const),
  'no_pattern',
];

export interface EmergingOptions {
  /** Smallest |bin| that counts as significant. Default 1 (90 % confidence after FDR). */
  minBin?: 1 | 2 | 3;
  /** Mann–Kendall p at or below which the z trend is significant. Default 0.05. */
  trendAlpha?: number;
}

/** The part of a Mann–Kendall result the categories need. */
export type Trend = Pick<MannKendallResult, 's' | 'p'>;

/** The category of one side (hot: sign = 1, cold: sign = −1), or null if that side does not apply. */
function classifySide(bins: ArrayLike<number>, trend: Trend, sign: 1 | -1, minBin: number, trendAlpha: number): EmergingPattern | null {
  const n = bins.length;
  const side = (b: number): boolean => sign * b >= minBin; // significant on this side
  const other = (b: number): boolean => -sign * b >= minBin; // significant on the other side
  let count = 0;
  for (let t = 0; t < n; t++) if (side(bins[t])) count++;
  const mostly = 10 * count >= 9 * n;
  const finalOnSide = side(bins[n - 1]);

  // Historical hot spot — ArcGIS Pro: the most recent time period is not hot, but at least ninety
  // percent of the time-step intervals have been statistically significant hot spots.
  // Rule: final step not hot, 10·H ≥ 9·n.
  if (!finalOnSide) return mostly ? 'historical' : null;

  if (mostly) {
    const significant = trend.p <= trendAlpha;
    // Intensifying hot spot — ArcGIS Pro: a statistically significant hot spot for ninety percent of
    // the time-step intervals, including the final time step; in addition, the intensity of clustering
    // of high counts in each time step is increasing overall and that increase is statistically
    // significant.  Rule: final hot, 10·H ≥ 9·n, S > 0 (cold: S < 0), p ≤ trendAlpha.
    if (significant && sign * trend.s > 0) return 'intensifying';
    // Diminishing hot spot — ArcGIS Pro: a statistically significant hot spot for ninety percent of
    // the time-step intervals, including the final time step; in addition, the intensity of clustering
    // in each time step is decreasing overall and that decrease is statistically significant.
    // Rule: final hot, 10·H ≥ 9·n, S < 0 (cold: S > 0), p ≤ trendAlpha.
    if (significant && sign * trend.s < 0) return 'diminishing';
    // Persistent hot spot — ArcGIS Pro: a statistically significant hot spot for ninety percent of
    // the time-step intervals with no discernible trend indicating an increase or decrease in the
    // intensity of clustering over time.  Rule: final hot, 10·H ≥ 9·n, trend not significant (or S = 0).
    return 'persistent';
  }

  // From here: final step on this side, fewer than 90 % of steps on this side.
  let otherSeen = false;
  for (let t = 0; t < n - 1; t++) if (other(bins[t])) otherSeen = true;
  // Oscillating hot spot — ArcGIS Pro: a statistically significant hot spot for the final time-step
  // interval that has a history of also being a statistically significant cold spot during a prior
  // time step; less than ninety percent of the time-step intervals have been statistically
  // significant hot spots.  Rule: final hot, some earlier step cold, 10·H < 9·n.
  if (otherSeen) return 'oscillating';

  // New hot spot — ArcGIS Pro: a statistically significant hot spot for the final time step that has
  // never been a statistically significant hot spot before.  Rule: final hot, H = 1 (no cold step).
  if (count === 1) return 'new';

  let run = 0;
  for (let t = n - 1; t >= 0 && side(bins[t]); t--) run++;
  // Consecutive hot spot — ArcGIS Pro: a single uninterrupted run of at least two statistically
  // significant hot spot bins in the final time-step intervals; never a statistically significant
  // hot spot before the final run, and less than ninety percent of all bins are statistically
  // significant hot spots.  Rule: final hot, run of hot steps ending at the final step has length
  // = H ≥ 2, 10·H < 9·n, no cold step.
  if (run === count) return 'consecutive';

  // Sporadic hot spot — ArcGIS Pro: a statistically significant hot spot for the final time-step
  // interval with a history of also being an on-again and off-again hot spot; less than ninety
  // percent of the time-step intervals have been statistically significant hot spots and none of the
  // time-step intervals have been statistically significant cold spots.
  // Rule: final hot, a hot step before the final run, 10·H < 9·n, no cold step.
  return 'sporadic';
}

/**
 * Category of one cell from its bins per time step (oldest first) and the Mann–Kendall trend of its
 * Gi* z series. No pattern — ArcGIS Pro: does not fall into any of the hot or cold spot patterns.
 */
export function emergingCategory(bins: ArrayLike<number>, trend: Trend, options: EmergingOptions = {}): EmergingCategory {
  const minBin = options.minBin ?? 1;
  const trendAlpha = options.trendAlpha ?? 0.05;
  if (bins.length === 0) return 'no_pattern';
  const hot = classifySide(bins, trend, 1, minBin, trendAlpha);
  const cold = classifySide(bins, trend, -1, minBin, trendAlpha);
  // Historical first (rule 1); otherwise at most one side applies, the one the final step is on.
  if (hot === 'historical') return 'historical_hot';
  if (cold === 'historical') return 'historical_cold';
  if (hot) return `${hot}_hot`;
  if (cold) return `${cold}_cold`;
  return 'no_pattern';
}

export interface EmergingResult {
  categories: EmergingCategory[];
  /** Mann–Kendall z and p of each cell's Gi* z series. */
  trendZ: Float64Array;
  trendP: Float64Array;
}

/**
 * Categories for all cells from per-step results: zByStep[t][cell] and binByStep[t][cell], steps
 * oldest first. Runs Mann–Kendall on each cell's z series.
 */
export function emergingHotSpots(
  zByStep: readonly ArrayLike<number>[],
  binByStep: readonly ArrayLike<number>[],
  options: EmergingOptions = {},
): EmergingResult {
  const steps = zByStep.length;
  if (binByStep.length !== steps) throw new RangeError(`${steps} z steps but ${binByStep.length} bin steps`);
  const cells = steps > 0 ? zByStep[0].length : 0;
  for (let t = 0; t < steps; t++) {
    if (zByStep[t].length !== cells || binByStep[t].length !== cells) throw new RangeError(`step ${t} does not have ${cells} cells`);
  }
  const categories = new Array<EmergingCategory>(cells);
  const trendZ = new Float64Array(cells);
  const trendP = new Float64Array(cells);
  const zs = new Float64Array(steps);
  const bins = new Int8Array(steps);
  for (let c = 0; c < cells; c++) {
    for (let t = 0; t < steps; t++) {
      zs[t] = zByStep[t][c];
      bins[t] = binByStep[t][c];
    }
    const mk = mannKendall(zs);
    trendZ[c] = mk.z;
    trendP[c] = mk.p;
    categories[c] = emergingCategory(bins, mk, options);
  }
  return { categories, trendZ, trendP };
}
