/**
 * The cases as deck.gl layers: one point per case over binary attributes (style.ts builds them from the
 * filtered rows of the case store), a pulse ring for cases that just arrived, and a ring around the selected
 * case. Loaded after the map (MapView imports it lazily with deck.gl).
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { caseStore as Store, Fresh } from './store.svelte.ts';
import { CasePointsLayer } from './points-layer.ts';
import { CASES_LAYER_ID, PULSE_MS, type CaseAttributes, type Theme } from './style.ts';

type RGBA = [number, number, number, number];

export function caseLayers(opts: {
  data: CaseAttributes;
  theme: Theme;
  store: typeof Store;
  fresh: Fresh[];
  selected: number | undefined;
  now: number;
  scale: number;
  /** Street level: markers grow so they stand out from the (smaller) component dots. */
  close: boolean;
}): Layer[] {
  const { data, theme, store, fresh, selected, now, scale, close } = opts;
  const outline: RGBA = theme === 'dark' ? [8, 16, 28, 220] : [255, 255, 255, 230];
  const layers: Layer[] = [
    new CasePointsLayer({
      id: CASES_LAYER_ID,
      data,
      radiusUnits: 'pixels',
      lineWidthUnits: 'pixels',
      radiusScale: close ? 1.6 : 1,
      lineWidthScale: close ? 1.8 : 1,
      stroked: true,
      getLineColor: outline,
      pickable: true,
      autoHighlight: true,
      highlightColor: [0, 184, 217, 255],
      // Data is in memory (binary attributes are the accessors). Should a URL ever get here, loaders.gl must
      // not fetch a worker from unpkg (its default): nothing may leave our server.
      loadOptions: { worker: false },
    }),
  ];
  const pulses = fresh.filter((f) => now - f.at < PULSE_MS);
  if (pulses.length) {
    layers.push(
      new ScatterplotLayer<Fresh>({
        id: 'cases-pulse',
        data: pulses,
        getPosition: (f) => store.position(f.row),
        getRadius: (f) => (6 + 26 * ((now - f.at) % 1500) / 1500) * scale,
        getLineColor: (f) => [0, 200, 255, Math.round(255 * (1 - ((now - f.at) % 1500) / 1500))],
        radiusUnits: 'pixels',
        lineWidthUnits: 'pixels',
        getLineWidth: 2.5 * scale,
        stroked: true,
        filled: false,
        updateTriggers: { getRadius: now, getLineColor: now },
      }),
    );
  }
  if (selected !== undefined) {
    layers.push(
      new ScatterplotLayer({
        id: 'cases-selected',
        data: [selected],
        getPosition: (row: number) => store.position(row),
        getRadius: 11 * scale,
        radiusUnits: 'pixels',
        lineWidthUnits: 'pixels',
        getLineWidth: 3,
        getLineColor: [0, 184, 217, 255],
        getFillColor: [0, 184, 217, 50],
        stroked: true,
        filled: true,
      }),
    );
  }
  return layers;
}

