import type {
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  StyleSpecification,
  VectorSourceSpecification,
} from '@maplibre/maplibre-gl-style-spec';
import { LAYERS, type LayerName } from '../layers/catalog.ts';
import { BASE_SOURCE, isBaseLayer } from '../tiles/composite.ts';
import {
  COMPONENT_STATUSES,
  GROUP_KEY,
  LAYER_GROUPS,
  STATE_COMPONENT_STATUS,
  STATE_ZONE_LEVELS,
  ZONE_LEVELS,
  minZooms,
  palette,
  visibleStateKey,
  type LayerGroup,
} from './shared.ts';

/**
 * The self-hosted basemap: a MapLibre style (v8) drawn only from our own vector tiles.
 *
 * Text: the style has NO `glyphs` URL and NO `text-font`. MapLibre GL JS ≥ 5.11 then rasterises every glyph in
 * the browser with TinySDF (glyph_manager.ts: `if (!this.url || …) drawGlyph locally`), so no glyph request is
 * ever made. With the default font stack, CJK ideographs are drawn in the map's `localIdeographFontFamily`
 * (set by the web app) and digits/Latin in the browser's sans-serif. Nothing to build, nothing to serve.
 *
 * Toggles and filters are `global-state` expressions, declared in `state` below: the web app flips them with
 * `map.setGlobalStateProperty`, so the style alone knows which layers belong to which group.
 */

/** Tiles exist up to this zoom; MapLibre overzooms them beyond. */
const TILE_MAX_ZOOM = 16;

/** Polygon layers whose labels come from one point per feature (see labels.ts), not from tiled polygons. */
export const LABEL_LAYERS = ['districts', 'work-grids', 'grids', 'zones'] as const;
export type LabelLayer = (typeof LABEL_LAYERS)[number];

export interface StyleOptions {
  /** `${proto}://${host}` of the request, so tile URLs are absolute and reach this server. */
  origin: string;
  /** [minLon, minLat, maxLon, maxLat] of the districts; `undefined` when no data is loaded yet. */
  bounds?: [number, number, number, number];
}

/** Liuzhou city centre: where the demo city lies; used only while the database is empty. */
const FALLBACK_CENTER: [number, number] = [109.41, 24.33];

export function buildStyle({ origin, bounds }: StyleOptions): StyleSpecification {
  const center: [number, number] = bounds ? [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2] : FALLBACK_CENTER;
  const sourceBounds = bounds ? pad(bounds, 0.02) : undefined;

  const source = (layer: LayerName, minzoom: number): VectorSourceSpecification => ({
    type: 'vector',
    tiles: [`${origin}/tiles/${layer}/{z}/{x}/{y}.mvt`],
    // The tile server returns empty tiles below its own min zoom: do not ask for them.
    minzoom: Math.max(minzoom, LAYERS[layer].minZoom),
    maxzoom: TILE_MAX_ZOOM,
    ...(sourceBounds ? { bounds: sourceBounds } : {}),
    attribution: '城管慧眼 · 数字城管基础数据',
  });

  const state: StyleSpecification['state'] = {
    [STATE_COMPONENT_STATUS]: { default: [...COMPONENT_STATUSES] },
    [STATE_ZONE_LEVELS]: { default: [...ZONE_LEVELS] },
  };
  for (const g of LAYER_GROUPS) state[visibleStateKey(g)] = { default: true };

  return {
    version: 8,
    name: '城管慧眼 基础底图',
    metadata: { 'citylens:bounds': bounds ?? null },
    center,
    zoom: bounds ? fitZoom(bounds) : 12,
    state,
    sources: {
      // Districts, grids, roads and zones: one composite tile per tile (api/tiles/composite.ts), each layer from
      // the zoom it is drawn at.
      [BASE_SOURCE]: { ...source('districts', 0), tiles: [`${origin}/tiles/${BASE_SOURCE}/{z}/{x}/{y}.mvt`] },
      components: source('components', minZooms.components),
      // A tiled polygon is labelled once per tile it crosses; one point per feature labels it once.
      ...Object.fromEntries(
        LABEL_LAYERS.map((l) => [labelSource(l), { type: 'geojson', data: `${origin}/basemap/labels/${l}` } as const]),
      ),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': palette.background } },
      ...districtFills(),
      ...zoneFills(),
      ...workGridLines(),
      ...gridLines(),
      ...innerBorders('under'),
      ...roads(),
      ...zoneOutlines(),
      ...innerBorders('over'),
      ...countyBorder(),
      ...components(),
      ...labels(),
    ],
  };
}

// ---------------------------------------------------------------- helpers

type Layer = LayerSpecification;

function pad(b: [number, number, number, number], deg: number): [number, number, number, number] {
  return [b[0] - deg, b[1] - deg, b[2] + deg, b[3] + deg];
}

/** Zoom at which the bounds fill a 1280×800 view (512-px tiles); the web app refits to the real viewport. */
function fitZoom(b: [number, number, number, number]): number {
  const lonSpan = Math.max(b[2] - b[0], 1e-6);
  const y = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const latSpan = Math.max(y(b[3]) - y(b[1]), 1e-6) * (180 / Math.PI);
  const z = Math.min(Math.log2((1280 * 360) / (512 * lonSpan)), Math.log2((800 * 360) / (512 * latSpan)));
  return Math.round(Math.min(Math.max(z, 8), 16) * 10) / 10;
}

function visible(group: LayerGroup): ExpressionSpecification {
  return ['case', ['to-boolean', ['global-state', visibleStateKey(group)]], 'visible', 'none'];
}

/** Common fields of a layer drawn from one of our tile layers (the static ones come in the composite source). */
function tileLayer(group: LayerGroup, layer: LayerName, minzoom = 0) {
  return {
    source: isBaseLayer(layer) ? BASE_SOURCE : layer,
    'source-layer': layer,
    minzoom,
    metadata: { [GROUP_KEY]: group },
    layout: { visibility: visible(group) },
  } as const;
}

export const labelSource = (layer: LabelLayer) => `${layer}-labels`;

/** A symbol layer over the label points of a polygon layer. */
function labelLayer(group: LayerGroup, layer: LabelLayer, minzoom = 0) {
  return { source: labelSource(layer), minzoom, metadata: { [GROUP_KEY]: group } } as const;
}

const level = (l: string): FilterSpecification => ['==', ['get', 'level'], l];

/** Linear-ish width by zoom, exponential so lines thicken like the streets they draw. */
function widthByZoom(stops: [number, number][], base = 1.5): ExpressionSpecification {
  return ['interpolate', ['exponential', base], ['zoom'], ...stops.flat()] as ExpressionSpecification;
}

function fadeIn(from: number, to: number, value = 1): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], from, 0, to, value];
}

const halo = { 'text-halo-color': palette.labelHalo, 'text-halo-width': 1.6, 'text-halo-blur': 0.4 } as const;

// ---------------------------------------------------------------- districts

function districtFills(): Layer[] {
  // Community fills tinted by their street (digits 7–9 of the 12-digit code): streets read as areas.
  const tints = palette.district.streetTints;
  const streetIndex: ExpressionSpecification = ['%', ['to-number', ['slice', ['get', 'code'], 6, 9], 0], tints.length];
  const tint = ['match', streetIndex, ...tints.flatMap((c, i) => [i, c]), tints[0]] as ExpressionSpecification;
  return [
    {
      id: 'districts-county-fill',
      type: 'fill',
      ...tileLayer('districts', 'districts'),
      filter: level('county'),
      paint: { 'fill-color': '#f8f7f4' },
    },
    {
      id: 'districts-community-fill',
      type: 'fill',
      ...tileLayer('districts', 'districts'),
      filter: level('community'),
      paint: { 'fill-color': tint, 'fill-opacity': 0.95 },
    },
  ];
}

/** Street/community borders mostly run along roads. Over the roads while zoomed out (the borders matter there);
 * under them from BORDERS_UNDER_ROADS on, where a dashed line along a road would read as a lane marking. */
const BORDERS_UNDER_ROADS = 14;

function innerBorders(position: 'over' | 'under'): Layer[] {
  const { street, community } = palette.district;
  const z = (from: number) =>
    position === 'over' ? { minzoom: from, maxzoom: BORDERS_UNDER_ROADS } : { minzoom: Math.max(from, BORDERS_UNDER_ROADS) };
  return [
    {
      id: `districts-community-line-${position}`,
      type: 'line',
      ...tileLayer('districts', 'districts'),
      ...z(11),
      filter: level('community'),
      paint: {
        'line-color': community.line,
        'line-width': widthByZoom([[11, 0.6], [16, 1.4]]),
        'line-dasharray': [3, 2],
        'line-opacity': fadeIn(11, 12, 0.9),
      },
    },
    {
      id: `districts-street-line-${position}`,
      type: 'line',
      ...tileLayer('districts', 'districts'),
      ...z(0),
      filter: level('street'),
      paint: { 'line-color': street.line, 'line-width': widthByZoom([[10, 1], [16, 2.6]]), 'line-dasharray': [4, 2, 1, 2] },
    },
  ];
}

function countyBorder(): Layer[] {
  const { county } = palette.district;
  return [
    {
      // A soft wide band under the county border, the way printed district maps mark jurisdiction.
      id: 'districts-county-band',
      type: 'line',
      ...tileLayer('districts', 'districts'),
      filter: level('county'),
      paint: { 'line-color': county.line, 'line-opacity': 0.14, 'line-width': widthByZoom([[9, 4], [16, 14]]) },
    },
    {
      id: 'districts-county-line',
      type: 'line',
      ...tileLayer('districts', 'districts'),
      filter: level('county'),
      paint: { 'line-color': county.line, 'line-width': widthByZoom([[9, 1.4], [16, 3]]) },
    },
  ];
}

// ---------------------------------------------------------------- grids

function workGridLines(): Layer[] {
  return [
    {
      // Invisible fill: makes the inside of a work grid clickable.
      id: 'work-grids-hit',
      type: 'fill',
      ...tileLayer('work-grids', 'work-grids', minZooms['work-grids']),
      paint: { 'fill-color': palette.workGrid.line, 'fill-opacity': 0 },
    },
    {
      id: 'work-grids-line',
      type: 'line',
      ...tileLayer('work-grids', 'work-grids', minZooms['work-grids']),
      paint: {
        'line-color': palette.workGrid.line,
        'line-width': widthByZoom([[12, 1], [17, 3]]),
        'line-dasharray': [6, 3],
        'line-opacity': fadeIn(12, 13, 0.85),
      },
    },
  ];
}

function gridLines(): Layer[] {
  return [
    {
      id: 'grids-hit',
      type: 'fill',
      ...tileLayer('grids', 'grids', minZooms.grids),
      paint: { 'fill-color': palette.grid.line, 'fill-opacity': 0 },
    },
    {
      id: 'grids-line',
      type: 'line',
      ...tileLayer('grids', 'grids', minZooms.grids),
      paint: {
        'line-color': palette.grid.line,
        'line-width': widthByZoom([[12, 0.4], [15, 0.9], [18, 1.8]]),
        'line-opacity': fadeIn(12, 14, 0.75),
      },
    },
  ];
}

// ---------------------------------------------------------------- roads

const ROAD_WIDTHS: Record<'main' | 'secondary' | 'alley', [number, number][]> = {
  main: [[10, 1.2], [13, 3.5], [16, 12], [19, 40]],
  secondary: [[11, 0.8], [13, 2.2], [16, 8], [19, 26]],
  alley: [[13, 0.6], [16, 3.5], [19, 12]],
};
const ROAD_MIN: Record<'main' | 'secondary' | 'alley', number> = { main: 10, secondary: 11, alley: 13 };

function roads(): Layer[] {
  const order = ['alley', 'secondary', 'main'] as const;
  const casing = order.map((cls): Layer => ({
    id: `roads-${cls}-casing`,
    type: 'line',
    ...tileLayer('roads', 'roads', Math.max(ROAD_MIN[cls], 12)),
    filter: ['==', ['get', 'class'], cls],
    layout: { visibility: visible('roads'), 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      'line-color': palette.road[cls].casing,
      'line-width': widthByZoom(ROAD_WIDTHS[cls].map(([z, w]) => [z, w + (z >= 16 ? 2.5 : 1.5)])),
      'line-opacity': fadeIn(Math.max(ROAD_MIN[cls], 12), Math.max(ROAD_MIN[cls], 12) + 0.5),
    },
  }));
  const fill = order.map((cls): Layer => ({
    id: `roads-${cls}`,
    type: 'line',
    ...tileLayer('roads', 'roads', ROAD_MIN[cls]),
    filter: ['==', ['get', 'class'], cls],
    layout: { visibility: visible('roads'), 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      // Below z12 there is no casing: draw the fill in the casing colour so thin roads stay visible.
      'line-color': ['step', ['zoom'], palette.road[cls].casing, 12, palette.road[cls].fill],
      'line-width': widthByZoom(ROAD_WIDTHS[cls]),
    },
  }));
  return [...casing, ...fill];
}

// ---------------------------------------------------------------- zones

const zoneFilter: FilterSpecification = ['in', ['get', 'level'], ['global-state', STATE_ZONE_LEVELS]];
const zoneColor = [
  'match',
  ['get', 'level'],
  'prohibited',
  palette.zone.prohibited,
  'restricted',
  palette.zone.restricted,
  'key',
  palette.zone.key,
  '#888888',
] as ExpressionSpecification;

function zoneFills(): Layer[] {
  return [
    {
      id: 'zones-fill',
      type: 'fill',
      ...tileLayer('zones', 'zones', minZooms.zones),
      filter: zoneFilter,
      paint: { 'fill-color': zoneColor, 'fill-opacity': 0.22 },
    },
  ];
}

function zoneOutlines(): Layer[] {
  return [
    {
      id: 'zones-line',
      type: 'line',
      ...tileLayer('zones', 'zones', minZooms.zones),
      filter: zoneFilter,
      paint: { 'line-color': zoneColor, 'line-width': widthByZoom([[11, 1], [17, 2.5]]), 'line-dasharray': [2, 1] },
    },
  ];
}

// ---------------------------------------------------------------- components

function components(): Layer[] {
  const color = [
    'match',
    ['get', 'status'],
    ...COMPONENT_STATUSES.flatMap((s) => [s, palette.component[s]]),
    '#888888',
  ] as unknown as ExpressionSpecification;
  return [
    {
      id: 'components-circle',
      type: 'circle',
      ...tileLayer('components', 'components', minZooms.components),
      filter: ['in', ['get', 'status'], ['global-state', STATE_COMPONENT_STATUS]],
      paint: {
        'circle-color': color,
        'circle-radius': widthByZoom([[15, 2.2], [17, 4], [19, 7]], 1.4),
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 15, 0.5, 17, 1.2],
        'circle-opacity': fadeIn(15, 15.4),
        'circle-stroke-opacity': fadeIn(15, 15.4),
      },
    },
  ];
}

// ---------------------------------------------------------------- labels (no text-font: see the header comment)

function labels(): Layer[] {
  const { county, street, community } = palette.district;
  return [
    {
      id: 'roads-label',
      type: 'symbol',
      ...tileLayer('roads', 'roads', 12),
      // Main roads are named from the district view on; smaller ones as they get room.
      filter: [
        'any',
        ['==', ['get', 'class'], 'main'],
        ['all', ['==', ['get', 'class'], 'secondary'], ['>=', ['zoom'], 14]],
        ['>=', ['zoom'], 15],
      ],
      layout: {
        visibility: visible('roads'),
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 17, 14],
        'text-max-angle': 30,
        'symbol-spacing': 320,
        'text-padding': 4,
      },
      paint: { 'text-color': '#4a4030', ...halo },
    },
    {
      id: 'grids-label',
      type: 'symbol',
      ...labelLayer('grids', 'grids', minZooms.gridLabels),
      layout: {
        visibility: visible('grids'),
        'text-field': ['get', 'code'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 16, 10, 18, 13],
        'text-padding': 2,
      },
      paint: { 'text-color': palette.grid.label, ...halo },
    },
    {
      id: 'work-grids-label',
      type: 'symbol',
      ...labelLayer('work-grids', 'work-grids', 14),
      layout: {
        visibility: visible('work-grids'),
        'text-field': ['get', 'name'],
        'text-size': 11,
        'text-padding': 6,
      },
      paint: { 'text-color': palette.workGrid.label, ...halo },
    },
    {
      id: 'zones-label',
      type: 'symbol',
      ...labelLayer('zones', 'zones', 14),
      filter: zoneFilter,
      layout: { visibility: visible('zones'), 'text-field': ['get', 'name'], 'text-size': 11, 'text-padding': 4 },
      paint: { 'text-color': zoneColor, ...halo },
    },
    {
      id: 'districts-community-label',
      type: 'symbol',
      ...labelLayer('districts', 'districts', 12),
      maxzoom: 16,
      filter: level('community'),
      layout: { visibility: visible('districts'), 'text-field': ['get', 'name'], 'text-size': 12, 'text-padding': 8 },
      paint: { 'text-color': community.label, ...halo },
    },
    {
      id: 'districts-street-label',
      type: 'symbol',
      ...labelLayer('districts', 'districts', 10),
      maxzoom: 14,
      filter: level('street'),
      layout: {
        visibility: visible('districts'),
        'text-field': ['get', 'name'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 10, 13, 13, 16],
        'text-letter-spacing': 0.1,
      },
      paint: { 'text-color': street.label, ...halo, 'text-halo-width': 2 },
    },
    {
      id: 'districts-county-label',
      type: 'symbol',
      ...labelLayer('districts', 'districts'),
      maxzoom: 12,
      filter: level('county'),
      layout: {
        visibility: visible('districts'),
        'text-field': ['get', 'name'],
        'text-size': 20,
        'text-letter-spacing': 0.3,
      },
      paint: { 'text-color': county.label, ...halo, 'text-halo-width': 2.2 },
    },
  ];
}
