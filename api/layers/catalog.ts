/**
 * The map layers served as vector tiles and GeoJSON. A tile is one SQL query over `table` (pg_tileserv style);
 * everything a layer needs to know lives here, so the tile, GeoJSON and OGC paths agree.
 */
export interface LayerDef {
  name: LayerName;
  table: string;
  /** Text key of a feature; also hashed into the numeric MVT feature id. */
  key: string;
  /** Columns carried in tiles (keep small: they are in every tile). */
  tileProps: string[];
  /** Extra columns for GeoJSON / feature lookups. */
  extraProps: string[];
  geometry: 'point' | 'line' | 'polygon';
  /** Below this zoom the tile is empty (too many features to be useful). */
  minZoom: number;
  /** Live layers change with every case and are never cached. */
  live: boolean;
  /** GeoJSON page size limit; large layers are paged. */
  maxPage: number;
}

export const LAYER_NAMES = ['districts', 'grids', 'work-grids', 'roads', 'zones', 'components', 'cases'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/**
 * Deadline light of a case for tiles and GeoJSON: the stored `light` column, set by every workflow action and kept
 * current by the light sweeper (api/cases/sweeper.ts) on the work calendar; NULL before registration and once
 * closed or voided.
 */
export const CASE_LIGHT_SQL = 'light';

export const LAYERS: Record<LayerName, LayerDef> = {
  districts: {
    name: 'districts', table: 'districts', key: 'code', geometry: 'polygon', minZoom: 0, live: false, maxPage: 1000,
    tileProps: ['code', 'name', 'level'], extraProps: ['parent_code'],
  },
  grids: {
    name: 'grids', table: 'grids', key: 'code', geometry: 'polygon', minZoom: 11, live: false, maxPage: 5000,
    tileProps: ['code', 'community_code'], extraProps: ['street_code', 'district_code', 'work_grid_code', 'version'],
  },
  'work-grids': {
    name: 'work-grids', table: 'work_grids', key: 'code', geometry: 'polygon', minZoom: 11, live: false, maxPage: 5000,
    tileProps: ['code', 'name', 'community_code'], extraProps: ['collector', 'district_code'],
  },
  roads: {
    name: 'roads', table: 'roads', key: 'id', geometry: 'line', minZoom: 8, live: false, maxPage: 5000,
    tileProps: ['id', 'name', 'class'], extraProps: ['source', 'district_code'],
  },
  zones: {
    name: 'zones', table: 'zones', key: 'id', geometry: 'polygon', minZoom: 8, live: false, maxPage: 1000,
    tileProps: ['id', 'name', 'level'], extraProps: ['windows', 'governed_minors', 'time_limit_class', 'district_code'],
  },
  components: {
    name: 'components', table: 'components', key: 'id', geometry: 'point', minZoom: 14, live: false, maxPage: 10000,
    tileProps: ['id', 'kind_code', 'status'], extraProps: ['name', 'owner_dept', 'maintainer_dept', 'grid_code', 'district_code'],
  },
  cases: {
    name: 'cases', table: 'cases', key: 'id', geometry: 'point', minZoom: 10, live: true, maxPage: 10000,
    tileProps: ['id', 'kind', 'minor', 'status', `${CASE_LIGHT_SQL} AS light`],
    extraProps: ['source', 'major', 'department_id', 'grid_code', 'road_class', 'reported_at', 'deadline', 'district_code'],
  },
};

export function isLayerName(name: string): name is LayerName {
  return (LAYER_NAMES as readonly string[]).includes(name);
}

/** The output name of a column expression (`expr AS alias` → alias). */
export function columnName(expr: string): string {
  const m = /\bAS\s+(\w+)\s*$/i.exec(expr);
  return m ? m[1] : expr;
}
