// Thresholds of the grid topology checks, read from the environment (documented in the README). Tests override
// them through `config.grids` of buildApp, which api/config.ts does not declare: hence the loose read below.
import type { FastifyInstance } from 'fastify';
import { envNumber as num } from '../env-number.ts';

export interface GridConfig {
  /** Overlap between two grids larger than this is a problem (m²). GRID_OVERLAP_TOLERANCE_M2 */
  overlapToleranceM2: number;
  /** An uncovered piece of a community larger than this is a gap (m²). GRID_GAP_TOLERANCE_M2 */
  gapToleranceM2: number;
  /** Area of a grid outside its community allowed before it is a problem (m²). GRID_OUTSIDE_TOLERANCE_M2 */
  outsideToleranceM2: number;
  /** Grids (or parts) smaller than this are slivers (m²). GRID_MIN_AREA_M2 */
  minAreaM2: number;
  /** Polsby–Popper compactness 4πA/P² below this is a sliver (1 = circle, 0.785 = square). GRID_MIN_COMPACTNESS */
  minCompactness: number;
  /** Vertex cap per grid. GRID_MAX_VERTICES */
  maxVertices: number;
  /** Geometry farther than this from every county is "outside the jurisdiction" (wrong axis order or CRS). GRID_JURISDICTION_M */
  jurisdictionM: number;
  /** Serial digits for a community that has no grids yet: 2 → 14-digit codes, 3 → 15-digit. GRID_SERIAL_DIGITS */
  serialDigits: 2 | 3;
}

export function loadGridConfig(env: NodeJS.ProcessEnv = process.env): GridConfig {
  return {
    overlapToleranceM2: num(env, 'GRID_OVERLAP_TOLERANCE_M2', 1, (v) => v >= 0),
    gapToleranceM2: num(env, 'GRID_GAP_TOLERANCE_M2', 1, (v) => v >= 0),
    outsideToleranceM2: num(env, 'GRID_OUTSIDE_TOLERANCE_M2', 1, (v) => v >= 0),
    minAreaM2: num(env, 'GRID_MIN_AREA_M2', 100, (v) => v >= 0),
    minCompactness: num(env, 'GRID_MIN_COMPACTNESS', 0.05, (v) => v >= 0 && v <= 1),
    maxVertices: num(env, 'GRID_MAX_VERTICES', 5000, (v) => Number.isInteger(v) && v >= 4),
    jurisdictionM: num(env, 'GRID_JURISDICTION_M', 1000, (v) => v >= 0),
    serialDigits: num(env, 'GRID_SERIAL_DIGITS', 2, (v) => v === 2 || v === 3) as 2 | 3,
  };
}

/** The grid settings of an app: `config.grids` when a test set it, else the environment (read once). */
export function gridConfigOf(app: FastifyInstance): GridConfig {
  const override = (app.config as unknown as { grids?: Partial<GridConfig> }).grids;
  cached ??= loadGridConfig();
  return override ? { ...cached, ...override } : cached;
}
let cached: GridConfig | undefined;
