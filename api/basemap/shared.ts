/**
 * What the basemap style (server) and the web app share: layer groups, the style's global-state keys, colours and
 * Chinese names of classes. One module, so the legend and toggles cannot drift from what the map draws.
 * Pure data: no imports.
 */

/** The layer groups a user can switch on and off; each style layer names its group in `metadata[GROUP_KEY]`. */
export const LAYER_GROUPS = ['districts', 'work-grids', 'grids', 'roads', 'zones', 'components'] as const;
export type LayerGroup = (typeof LAYER_GROUPS)[number];
export const GROUP_KEY = 'citylens:group';

/** global-state keys of the style: visibility per group and the class filters. */
export const visibleStateKey = (group: LayerGroup) => `show:${group}`;
export const STATE_COMPONENT_STATUS = 'filter:componentStatus';
export const STATE_ZONE_LEVELS = 'filter:zoneLevels';

export const ROAD_CLASSES = ['main', 'secondary', 'alley'] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

export const ZONE_LEVELS = ['prohibited', 'restricted', 'key'] as const;
export type ZoneLevel = (typeof ZONE_LEVELS)[number];

export const COMPONENT_STATUSES = ['intact', 'damaged', 'lost', 'abandoned', 'removed'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const DISTRICT_LEVELS = ['county', 'street', 'community'] as const;
export type DistrictLevel = (typeof DISTRICT_LEVELS)[number];

export const palette = {
  background: '#eceff3',
  water: '#b9d3ee',
  label: '#2b3440',
  labelHalo: 'rgba(255,255,255,0.92)',
  district: {
    county: { line: '#1f3a5f', label: '#1f3a5f' },
    street: { line: '#4a5f7a', label: '#33465f' },
    community: { line: '#8a9ab0', label: '#56657a' },
    /** Community fills are tinted by their street so the streets read as areas. */
    streetTints: ['#f7f3ea', '#eef4ea', '#eaf1f6', '#f5ecef', '#f1eef7', '#f4f4e6', '#e9f4f2', '#f6eee6'],
  },
  grid: { line: '#6173c4', label: '#3e4f9e' },
  workGrid: { line: '#0f8a7e', label: '#0b6d63' },
  road: {
    main: { fill: '#ffd48a', casing: '#d39a3c' },
    secondary: { fill: '#fff7d6', casing: '#c9b27a' },
    alley: { fill: '#ffffff', casing: '#c3c8d0' },
  } satisfies Record<RoadClass, { fill: string; casing: string }>,
  zone: {
    prohibited: '#e53935',
    restricted: '#f59f00',
    key: '#1e6fd9',
  } satisfies Record<ZoneLevel, string>,
  component: {
    intact: '#2e9d4f',
    damaged: '#f08c00',
    lost: '#d6336c',
    abandoned: '#6c757d',
    removed: '#adb5bd',
  } satisfies Record<ComponentStatus, string>,
  selection: '#00b8d9',
} as const;

export const labels = {
  district: { county: '区县', street: '街道', community: '社区' } satisfies Record<DistrictLevel, string>,
  road: { main: '主干道', secondary: '次干道', alley: '背街小巷' } satisfies Record<RoadClass, string>,
  zone: { prohibited: '严禁区', restricted: '限制管理区', key: '重点区域' } satisfies Record<ZoneLevel, string>,
  component: { intact: '完好', damaged: '破损', lost: '丢失', abandoned: '废弃', removed: '移除' } satisfies Record<
    ComponentStatus,
    string
  >,
} as const;

/** Zoom from which each layer is drawn; the legend greys out entries below it. */
export const minZooms = {
  districts: 0,
  roads: 10,
  zones: 11,
  'work-grids': 12,
  grids: 12,
  components: 15,
  /** Grid codes are 14–15 digits: only legible once a grid is ~150 px wide. */
  gridLabels: 16,
} as const;
