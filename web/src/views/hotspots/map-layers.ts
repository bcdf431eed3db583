/**
 * The hotspot view's map layers: MapLibre GeoJSON sources and style layers (cells filled by bin or emerging
 * category, hot areas outlined, the chosen area highlighted), put below the basemap's labels so street and place
 * names stay readable over the colours. A few thousand polygons are what MapLibre's GeoJSON sources handle well,
 * and style layers can be queried (`queryRenderedFeatures`) for clicks and tests.
 */
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { BIN_CLASSES, EMERGING_CLASSES } from './model.ts';

export const CELLS_SOURCE = 'hotspots-cells';
export const AREAS_SOURCE = 'hotspots-areas';
export const LAYER = {
  cells: 'hotspots-cells-fill',
  cellLines: 'hotspots-cells-line',
  areasHit: 'hotspots-areas-hit',
  areasHalo: 'hotspots-areas-halo',
  areas: 'hotspots-areas-line',
  selected: 'hotspots-area-selected',
} as const;

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const TRANSPARENT = 'rgba(0,0,0,0)';

/** Fill colour by Gi_Bin; not significant is a faint grey so the study area's lattice still shows. */
export const BIN_FILL: ExpressionSpecification = [
  'match',
  ['get', 'bin'],
  ...BIN_CLASSES.flatMap((c) => [c.bin, c.bin === 0 ? 'rgba(150,160,172,0.10)' : c.color]),
  TRANSPARENT,
] as unknown as ExpressionSpecification;

/** Fill colour by emerging category; no pattern is left transparent. */
export const CATEGORY_FILL: ExpressionSpecification = [
  'match',
  ['get', 'category'],
  ...EMERGING_CLASSES.flatMap((c) => [c.category, c.category === 'no_pattern' ? 'rgba(150,160,172,0.08)' : c.color]),
  TRANSPARENT,
] as unknown as ExpressionSpecification;

/** The first symbol layer of the basemap: everything we add goes below it. */
function beforeLabels(map: MapLibreMap): string | undefined {
  return map.getStyle().layers.find((l) => l.type === 'symbol')?.id;
}

/** Adds the sources and layers once (idempotent). */
export function ensureLayers(map: MapLibreMap): void {
  if (map.getSource(CELLS_SOURCE)) return;
  map.addSource(CELLS_SOURCE, { type: 'geojson', data: EMPTY, tolerance: 0 });
  map.addSource(AREAS_SOURCE, { type: 'geojson', data: EMPTY, tolerance: 0 });
  const before = beforeLabels(map);
  map.addLayer({ id: LAYER.cells, type: 'fill', source: CELLS_SOURCE, paint: { 'fill-color': BIN_FILL, 'fill-opacity': 0.78, 'fill-antialias': false } }, before);
  map.addLayer(
    {
      id: LAYER.cellLines,
      type: 'line',
      source: CELLS_SOURCE,
      paint: { 'line-color': '#6b7785', 'line-width': 0.5, 'line-opacity': ['interpolate', ['linear'], ['zoom'], 12, 0.05, 15, 0.35] },
    },
    before,
  );
  map.addLayer({ id: LAYER.areasHit, type: 'fill', source: AREAS_SOURCE, paint: { 'fill-color': '#000000', 'fill-opacity': 0 } }, before);
  map.addLayer(
    { id: LAYER.areasHalo, type: 'line', source: AREAS_SOURCE, paint: { 'line-color': '#ffffff', 'line-width': 5, 'line-opacity': 0.85 }, layout: { 'line-join': 'round' } },
    before,
  );
  map.addLayer(
    { id: LAYER.areas, type: 'line', source: AREAS_SOURCE, paint: { 'line-color': '#67000d', 'line-width': 2.2 }, layout: { 'line-join': 'round' } },
    before,
  );
  map.addLayer(
    {
      id: LAYER.selected,
      type: 'line',
      source: AREAS_SOURCE,
      filter: ['==', ['id'], -1],
      paint: { 'line-color': '#00b8d9', 'line-width': 4 },
      layout: { 'line-join': 'round' },
    },
    before,
  );
}

/** Shows one analysis: cells coloured by bin (hotspots) or category (emerging), and the hot areas (hotspots only). */
export function showResult(map: MapLibreMap, mode: 'hotspots' | 'emerging', cells: FeatureCollection | null, areas: FeatureCollection | null): void {
  ensureLayers(map);
  (map.getSource(CELLS_SOURCE) as GeoJSONSource).setData(cells ?? EMPTY);
  (map.getSource(AREAS_SOURCE) as GeoJSONSource).setData(mode === 'hotspots' && areas ? areas : EMPTY);
  map.setPaintProperty(LAYER.cells, 'fill-color', mode === 'hotspots' ? BIN_FILL : CATEGORY_FILL);
}

/** Outlines the chosen hot area (null: none). */
export function selectArea(map: MapLibreMap, id: number | null): void {
  if (!map.getLayer(LAYER.selected)) return;
  map.setFilter(LAYER.selected, ['==', ['id'], id ?? -1]);
}

export function removeLayers(map: MapLibreMap): void {
  for (const id of Object.values(LAYER)) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of [CELLS_SOURCE, AREAS_SOURCE]) if (map.getSource(id)) map.removeSource(id);
}
