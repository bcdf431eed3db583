/**
 * The one place map state lives: view, visible layer groups, filters (basemap classes and cases) and selection
 * (a basemap feature or a case). Views and panels are thin over it; MapView applies it to MapLibre (style
 * global-state) and deck.gl and writes the view back.
 */
import type { Geometry } from 'geojson';
import { defaultFilters, type CaseFilters } from './cases/filter.ts';
import {
  COMPONENT_STATUSES,
  LAYER_GROUPS,
  ZONE_LEVELS,
  type ComponentStatus,
  type LayerGroup,
  type ZoneLevel,
} from '../../../api/basemap/shared.ts';

export interface MapViewState {
  center: [number, number];
  zoom: number;
  bearing: number;
  pitch: number;
  /** [west, south, east, north] of what is on screen. */
  bounds?: [number, number, number, number];
}

export interface MapFilters {
  componentStatus: ComponentStatus[];
  zoneLevels: ZoneLevel[];
}

/** A feature picked on the map. `properties`/`geometry` start as the tile's and are replaced by the API's. */
export interface PickedFeature {
  group: LayerGroup;
  key: string;
  properties: Record<string, unknown>;
  /** Full geometry from the API (tiles clip features at tile edges); undefined until fetched. */
  geometry?: Geometry;
  detailed: boolean;
}

export interface Selection {
  /** Distinguishes one click from the next, so late API answers for an old click are dropped. */
  id: number;
  lngLat: [number, number];
  /** Top feature of each group under the click, most specific first (component, grid, … district). */
  features: PickedFeature[];
}

/** A camera move asked for by a view (the tour, a click in the case list); `seq` makes each one new. */
export interface Flight {
  seq: number;
  center: [number, number];
  zoom: number;
  /** Fly (long, zooming out and in) rather than ease. */
  fly: boolean;
}

/** Layers drawn from an analysis of the case filter's period rather than from the basemap. */
export const OVERLAYS = ['repeats', 'zoneStats'] as const;
export type Overlay = (typeof OVERLAYS)[number];

const allGroups = (on: boolean) => Object.fromEntries(LAYER_GROUPS.map((g) => [g, on])) as Record<LayerGroup, boolean>;

class MapState {
  /** Last settled camera; null until the map has loaded. */
  view = $state<MapViewState | null>(null);
  visible = $state<Record<LayerGroup, boolean>>(allGroups(true));
  filters = $state<MapFilters>({ componentStatus: [...COMPONENT_STATUSES], zoneLevels: [...ZONE_LEVELS] });
  /** Raw: replaced as a whole, never mutated; geometries can be large. */
  selection = $state.raw<Selection | null>(null);
  /** Analysis overlays (web/src/map/analysis): repeat groups, zone violations with high-incidence grids. Off until asked for. */
  overlays = $state<Record<Overlay, boolean>>({ repeats: false, zoneStats: false });
  /** The case layer (deck.gl) on or off. */
  showCases = $state(true);
  caseFilters = $state<CaseFilters>(defaultFilters());
  /** Id of the case whose panel is open. */
  selectedCase = $state<string | null>(null);
  flight = $state.raw<Flight | null>(null);
  private flights = 0;

  toggleGroup(group: LayerGroup, on = !this.visible[group]) {
    this.visible[group] = on;
  }

  toggleFilter<K extends keyof MapFilters>(key: K, value: MapFilters[K][number]) {
    const list = this.filters[key] as string[];
    const i = list.indexOf(value);
    if (i >= 0) list.splice(i, 1);
    else list.push(value);
  }

  select(selection: Selection | null) {
    this.selection = selection;
  }

  /** Opens a case (its panel and ring); a basemap popup gives way. */
  selectCase(id: string | null) {
    this.selectedCase = id;
    if (id) this.selection = null;
  }

  flyTo(center: [number, number], zoom: number, fly = false) {
    this.flight = { seq: ++this.flights, center, zoom, fly };
  }

  /** Swaps in the API's version of a picked feature, if that click is still the selection. */
  updatePicked(selectionId: number, feature: PickedFeature) {
    const current = this.selection;
    if (!current || current.id !== selectionId) return;
    const features = current.features.map((f) => (f.group === feature.group && f.key === feature.key ? feature : f));
    this.selection = { ...current, features };
  }
}

export const mapState = new MapState();
