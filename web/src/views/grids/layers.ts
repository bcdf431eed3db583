/**
 * The grid editor's own MapLibre layers: the community's grids with their codes (the basemap's grid tiles are hidden
 * in this view, as they lag behind edits), the grids around it, the community boundary, and the problems of the
 * last check in red. GeoJSON sources, replaced as a whole on every change (a community has a few dozen grids).
 */
import type { Map as MapLibreMap, GeoJSONSource } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { GridProblem } from '../../lib/api.ts';

export const GRID_FILL = 'gv-grids-fill';
export const GRID_LINE = 'gv-grids-line';
export const GRID_LABEL = 'gv-grids-label';
export const PROBLEM_FILL = 'gv-problems-fill';
export const PROBLEM_LINE = 'gv-problems-line';
export const PROBLEM_POINT = 'gv-problems-point';

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });
const RED = '#d32f2f';

export function addGridLayers(map: MapLibreMap) {
  map.addSource('gv-grids', { type: 'geojson', data: empty() });
  map.addSource('gv-community', { type: 'geojson', data: empty() });
  map.addSource('gv-problems', { type: 'geojson', data: empty() });
  map.addLayer({
    id: GRID_FILL,
    type: 'fill',
    source: 'gv-grids',
    filter: ['!', ['get', 'editing']],
    paint: {
      'fill-color': ['case', ['get', 'selected'], '#f5a623', ['get', 'own'], '#1d6fb8', '#8a97a8'],
      'fill-opacity': ['case', ['get', 'selected'], 0.35, ['get', 'own'], 0.1, 0.04],
    },
  });
  map.addLayer({
    id: GRID_LINE,
    type: 'line',
    source: 'gv-grids',
    filter: ['!', ['get', 'editing']],
    paint: {
      'line-color': ['case', ['get', 'selected'], '#c77700', ['get', 'own'], '#1d6fb8', '#8a97a8'],
      'line-width': ['case', ['get', 'selected'], 2.5, ['get', 'own'], 1.4, 0.8],
    },
  });
  map.addLayer({
    id: 'gv-community-line',
    type: 'line',
    source: 'gv-community',
    paint: { 'line-color': '#0d2d52', 'line-width': 3, 'line-opacity': 0.8 },
  });
  map.addLayer({
    id: GRID_LABEL,
    type: 'symbol',
    source: 'gv-grids',
    filter: ['all', ['get', 'own'], ['!', ['get', 'editing']]],
    layout: {
      // the serial while zoomed out, the whole code once there is room for it
      'text-field': ['step', ['zoom'], ['get', 'serial'], 16.5, ['get', 'code']],
      'text-size': ['interpolate', ['linear'], ['zoom'], 14, 11, 18, 14],
      'text-allow-overlap': false,
      'text-padding': 2,
    },
    paint: { 'text-color': '#0d2d52', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
  });
  map.addLayer({
    id: PROBLEM_FILL,
    type: 'fill',
    source: 'gv-problems',
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': RED, 'fill-opacity': 0.45 },
  });
  map.addLayer({
    id: PROBLEM_LINE,
    type: 'line',
    source: 'gv-problems',
    filter: ['any', ['==', ['geometry-type'], 'Polygon'], ['==', ['geometry-type'], 'LineString']],
    paint: { 'line-color': RED, 'line-width': 2.5 },
  });
  map.addLayer({
    id: PROBLEM_POINT,
    type: 'circle',
    source: 'gv-problems',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-color': RED, 'circle-radius': 7, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
  });
}

/** Problems above terra-draw's shapes (its tint would hide them) but below its vertex handles (to stay draggable). */
export function raiseProblems(map: MapLibreMap, below: string) {
  if (!map.getLayer(below)) return;
  for (const id of [PROBLEM_FILL, PROBLEM_LINE, PROBLEM_POINT]) map.moveLayer(id, below);
}

export function removeGridLayers(map: MapLibreMap) {
  for (const id of [PROBLEM_POINT, PROBLEM_LINE, PROBLEM_FILL, GRID_LABEL, 'gv-community-line', GRID_LINE, GRID_FILL]) {
    if (map.getLayer(id)) map.removeLayer(id);
  }
  for (const id of ['gv-problems', 'gv-community', 'gv-grids']) if (map.getSource(id)) map.removeSource(id);
}

const set = (map: MapLibreMap, source: string, data: FeatureCollection) => (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);

type Grid = { geometry: Geometry; properties: { code: string } };

export interface GridsOnMap {
  own: Grid[];
  around: Grid[];
  selected: string[];
  /** the grid being edited with terra-draw: left out here so that only the edited shape shows */
  editing: string | null;
}

export function showGrids(map: MapLibreMap, g: GridsOnMap) {
  const props = (f: Grid, own: boolean) => ({
    code: f.properties.code,
    serial: f.properties.code.slice(12),
    own,
    selected: g.selected.includes(f.properties.code),
    editing: f.properties.code === g.editing,
  });
  const features: Feature[] = [
    ...g.around.map((f) => ({ type: 'Feature' as const, geometry: f.geometry, properties: props(f, false) })),
    ...g.own.map((f) => ({ type: 'Feature' as const, geometry: f.geometry, properties: props(f, true) })),
  ];
  set(map, 'gv-grids', { type: 'FeatureCollection', features });
}

export function showCommunity(map: MapLibreMap, boundary: Geometry | null) {
  set(map, 'gv-community', { type: 'FeatureCollection', features: boundary ? [{ type: 'Feature', geometry: boundary, properties: {} }] : [] });
}

/** Each problem's geometry, multi-part ones split so the type filters above see simple geometries. */
export function showProblems(map: MapLibreMap, problems: GridProblem[]) {
  const features: Feature[] = [];
  problems.forEach((p, i) => {
    const g = p.geometry;
    if (!g) return;
    const add = (geometry: Geometry) => features.push({ type: 'Feature', geometry, properties: { index: i, type: p.type } });
    if (g.type === 'MultiPolygon') g.coordinates.forEach((c) => add({ type: 'Polygon', coordinates: c }));
    else if (g.type === 'MultiLineString') g.coordinates.forEach((c) => add({ type: 'LineString', coordinates: c }));
    else if (g.type === 'MultiPoint') g.coordinates.forEach((c) => add({ type: 'Point', coordinates: c }));
    else if (g.type === 'GeometryCollection') g.geometries.forEach(add);
    else add(g);
  });
  set(map, 'gv-problems', { type: 'FeatureCollection', features });
}
