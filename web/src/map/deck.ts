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
  /** Index of the top object of these layers near a canvas pixel (what a click hit), or null. */
  pick(x: number, y: number, layerIds: string[], radius?: number): { layerId: string; index: number } | null;
  /** Ids of the layers set now. */
  ids(): string[];
  /** For tests and benchmarks (window.__citylens with ?debug). */
  overlay: MapboxOverlay;
  destroy(): void;
}

/** `pixelRatio`: drawing-buffer pixels per CSS pixel, as the map's (a map scaled up by CSS stays sharp). */
export function attachDeck(map: MapLibreMap, pixelRatio = window.devicePixelRatio): DeckOverlay {
  const canvas = map.getCanvas();
  const overlay = new MapboxOverlay({
    interleaved: false,
    layers: [],
    useDevicePixels: pixelRatio,
    // No MSAA (the browser's default for a WebGL canvas): the scatterplot shader smooths its own edges, and
    // multisampling a full-screen canvas costs a software renderer several times the frame time.
    deviceProps: { webgl: { antialias: false } },
    // deck's own canvas takes no pointer events (the map's does): show the hand on the map's canvas.
    onHover: (info) => {
      canvas.style.cursor = info.picked ? 'pointer' : '';
    },
  });
  map.addControl(overlay);
  const byOwner = new Map<string, Layer[]>();
  return {
    overlay,
    ids: () => [...byOwner.values()].flat().map((l) => l.id),
    set(owner, layers) {
      if (layers.length) byOwner.set(owner, layers);
      else byOwner.delete(owner);
      overlay.setProps({ layers: [...byOwner.values()].flat() });
    },
    pick(x, y, layerIds, radius = 4) {
      const info = overlay.pickObject({ x, y, radius, layerIds });
      return info && info.layer ? { layerId: info.layer.id, index: info.index } : null;
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
