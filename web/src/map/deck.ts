/**
 * The only module that touches deck.gl. MapboxOverlay in overlaid mode (interleaved: false) draws deck layers in
 * its own canvas above the map: interleaved mode on MapLibre 6 has open label bugs (DESIGN.md §7). To swap the
 * integration, change this file only.
 *
 * Layers are contributed per owner (`selection`, later `cases`, `hotspots` …) and merged, so features do not
 * need to know about each other's layers.
 */
import { MapboxOverlay } from '@deck.gl/mapbox';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { Feature, Geometry } from 'geojson';
import type { Map as MapLibreMap } from 'maplibre-gl';

export interface DeckOverlay {
  /** Replaces the layers of one owner; an empty list removes them. */
  set(owner: string, layers: Layer[]): void;
  destroy(): void;
}

export function attachDeck(map: MapLibreMap): DeckOverlay {
  const overlay = new MapboxOverlay({ interleaved: false, layers: [] });
  map.addControl(overlay);
  const byOwner = new Map<string, Layer[]>();
  return {
    set(owner, layers) {
      if (layers.length) byOwner.set(owner, layers);
      else byOwner.delete(owner);
      overlay.setProps({ layers: [...byOwner.values()].flat() });
    },
    destroy() {
      map.removeControl(overlay);
      overlay.finalize();
    },
  };
}

type RGBA = [number, number, number, number];

function rgba(hex: string, alpha: number): RGBA {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, Math.round(alpha * 255)];
}

/** Highlight of the selected feature: full (unclipped) geometry, glowing outline, light fill. */
export function selectionLayers(geometry: Geometry | undefined, color: string): Layer[] {
  if (!geometry) return [];
  const data: Feature[] = [{ type: 'Feature', geometry, properties: {} }];
  return [
    new GeoJsonLayer({
      id: 'selection-glow',
      data,
      filled: false,
      stroked: true,
      getLineColor: rgba(color, 0.35),
      getLineWidth: 9,
      lineWidthUnits: 'pixels',
      pointType: 'circle',
      getPointRadius: 12,
      pointRadiusUnits: 'pixels',
      getFillColor: rgba(color, 0.25),
    }),
    new GeoJsonLayer({
      id: 'selection',
      data,
      filled: true,
      stroked: true,
      getFillColor: rgba(color, 0.12),
      getLineColor: rgba(color, 1),
      getLineWidth: 2.5,
      lineWidthUnits: 'pixels',
      pointType: 'circle',
      getPointRadius: 7,
      pointRadiusUnits: 'pixels',
      lineCapRounded: true,
      lineJointRounded: true,
    }),
  ];
}
