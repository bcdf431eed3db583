/** Hotspot statistics: pure functions, no I/O. See DESIGN.md §5.4. */
export {
  bandEpsilon,
  bandNeighbors,
  buildIndex,
  kthNeighborDistances,
  meanKthNeighborDistance,
  neighborCounts,
  type BandOptions,
  type Coords,
  type Neighbors,
} from './neighbors.ts';
export { giStar, localG } from './gistar.ts';
export { normalCdf, normalPdf, normalSf, twoSidedP, twoSidedPValues } from './normal.ts';
export { FDR_ALPHAS, bhThreshold, fdrBins, sortedPValues } from './fdr.ts';
export { firstPeak, incrementalMoran, moranI, type MoranBand, type MoranResult } from './moran.ts';
export { mannKendall, type MannKendallResult } from './mannKendall.ts';
export {
  EMERGING_CATEGORIES,
  EMERGING_PATTERNS,
  emergingCategory,
  emergingHotSpots,
  type EmergingCategory,
  type EmergingOptions,
  type EmergingPattern,
  type EmergingResult,
  type Trend,
} from './emerging.ts';
