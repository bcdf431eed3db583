/**
 * Response types of GET /api/analysis/hotspots and /api/analysis/emerging (api/analysis/hotspots/*): what the
 * console reads of them.
 */
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { HotArea } from '../../../api/analysis/hotspots/areas.ts';

/** api/domain/hotspots/emerging.ts EMERGING_CATEGORIES */
export type EmergingCategory =
  | `${'new' | 'consecutive' | 'intensifying' | 'persistent' | 'diminishing' | 'sporadic' | 'oscillating' | 'historical'}_${'hot' | 'cold'}`
  | 'no_pattern';

/** How a parameter came about (api/analysis/hotspots/defaults.ts). */
export interface Chosen {
  value: number;
  source: 'request' | 'data';
  method?: string;
  reason: string;
  moran?: { band: number; I: number | null; z: number | null; meanNeighbors: number | null }[];
  [detail: string]: unknown;
}

export interface CellProps {
  col?: number;
  row?: number;
  q?: number;
  r?: number;
  count: number;
  z: number;
  p: number;
  bin: number;
  neighbors: number;
  edge: boolean;
}

// The API's own types, imported as types only (nothing of the server reaches the bundle).
export type { AreaRepeatGroup as RepeatGroup } from '../../../api/analysis/hotspots/repeat-groups.ts';
export type AreaProps = HotArea['properties'];

export type Area = Feature<Polygon | MultiPolygon, AreaProps> & { id: number };

interface CommonParameters {
  cell: 'square' | 'hex';
  cellSize: number;
  band: number;
  srid: number;
  area: string;
  from: string | null;
  to: string | null;
  filters: Record<string, string[]>;
  chosen: { cellSize: Chosen; band: Chosen; srid: Chosen; window?: string };
  notes: string[];
  computedAt: string;
}

export interface HotspotResult {
  parameters: CommonParameters & {
    analysis: 'hotspots';
    summary: {
      cells: number;
      zeroCells: number;
      cases: number;
      studyAreaM2: number;
      neighbors: { min: number; max: number; mean: number };
      edgeCells: number;
      bins: Record<string, number>;
      areas: number;
      firstReported: string | null;
      lastReported: string | null;
    };
  };
  cells: FeatureCollection<Polygon, CellProps>;
  areas: FeatureCollection<Polygon | MultiPolygon, AreaProps> & { features: Area[] };
}

export interface EmergingCellProps {
  col?: number;
  row?: number;
  q?: number;
  r?: number;
  category: EmergingCategory;
  trendZ: number;
  trendP: number;
  total: number;
  bins: number[];
  counts: number[];
  z: number[];
  neighbors: number;
  edge: boolean;
}

export interface EmergingResult {
  parameters: CommonParameters & {
    analysis: 'emerging';
    step: 'week' | 'month';
    steps: string[];
    summary: { cells: number; steps: number; cases: number; categories: Record<string, number> };
  };
  cells: FeatureCollection<Polygon, EmergingCellProps>;
}
