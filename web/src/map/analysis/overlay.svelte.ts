/**
 * The analysis overlays of the shared map, as MapLibre GeoJSON sources and style layers added once the map has
 * loaded (like the hotspot view's, so the basemap style stays untouched):
 * - 重复案件组: one circle per repeat group of the case filter's period, sized by the group's cases, red once it
 *   reached its threshold, amber before; a click lists the members, a member opens its case panel;
 * - 区域违规: each zone labelled with its violations of the period, the high-incidence unit grids outlined (drawn
 *   on the basemap's own grid tiles, filtered by code).
 * Data are fetched when an overlay is switched on and again when the period or filter changes.
 */
import { Popup, type GeoJSONSource, type Map as MapLibreMap, type MapMouseEvent } from 'maplibre-gl';
import type { FeatureCollection, Point } from 'geojson';
import { api } from '../../lib/api.ts';
import { mapState } from '../state.svelte.ts';
import { HOT_GRID_COLOR, REPEAT_COLOR } from './colors.ts';
import { analysisRange, hotGridCodes, repeatCircles, zoneLabels } from './shape.ts';

export const REPEATS_SOURCE = 'analysis-repeats';
export const ZONE_LABELS_SOURCE = 'analysis-zone-labels';
export const LAYER = {
  repeats: 'analysis-repeats-circle',
  zoneLabels: 'analysis-zone-labels',
  hotGrids: 'analysis-hot-grids-line',
} as const;


const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** What the layer panel shows of the overlays: counts, loading, errors. */
class AnalysisStatus {
  repeats = $state<{ groups: number; reached: number } | null>(null);
  zones = $state<{ violations: number; hotGrids: number } | null>(null);
  loading = $state<Record<'repeats' | 'zoneStats', boolean>>({ repeats: false, zoneStats: false });
  error = $state<Record<'repeats' | 'zoneStats', string>>({ repeats: '', zoneStats: '' });
}
export const analysisStatus = new AnalysisStatus();

/** Query string of the repeat analysis for the case filters (period, and minor / department when chosen). */
export function repeatsQuery(now = Date.now()): string {
  const f = mapState.caseFilters;
  const q = new URLSearchParams(analysisRange(f, now));
  if (f.minor) q.set('minor', f.kind ? `${f.kind}:${f.minor}` : f.minor);
  if (f.department) q.set('department', f.department);
  return q.toString();
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Adds the overlays to the map; returns the click handler (true = a group was hit) and the undo. */
export function attachAnalysis(map: MapLibreMap) {
  const beforeLabels = map.getStyle().layers.find((l) => l.type === 'symbol')?.id;
  // The unit grids' tile layer: its source and source-layer are reused, so the outlines match the basemap's lines.
  const gridLayer = map.getStyle().layers.find((l) => 'source-layer' in l && l['source-layer'] === 'grids') as { source: string } | undefined;
  map.addSource(REPEATS_SOURCE, { type: 'geojson', data: EMPTY });
  map.addSource(ZONE_LABELS_SOURCE, { type: 'geojson', data: EMPTY });
  if (gridLayer) {
    map.addLayer(
      {
        id: LAYER.hotGrids,
        type: 'line',
        source: gridLayer.source,
        'source-layer': 'grids',
        filter: ['in', ['get', 'code'], ['literal', []]],
        layout: { visibility: 'none', 'line-join': 'round' },
        paint: { 'line-color': HOT_GRID_COLOR, 'line-width': 2.5, 'line-dasharray': [3, 1.5] },
      },
      beforeLabels,
    );
  }
  map.addLayer({
    id: LAYER.zoneLabels,
    type: 'symbol',
    source: ZONE_LABELS_SOURCE,
    layout: {
      visibility: 'none',
      'text-field': ['get', 'label'],
      'text-size': 13,
      'text-line-height': 1.3,
      'text-allow-overlap': false,
      'text-padding': 2,
    },
    paint: {
      'text-color': ['case', ['get', 'highIncidence'], '#b0003a', '#1f2d3d'],
      'text-halo-color': 'rgba(255,255,255,0.95)',
      'text-halo-width': 2,
    },
  });
  map.addLayer({
    id: LAYER.repeats,
    type: 'circle',
    source: REPEATS_SOURCE,
    layout: { visibility: 'none' },
    paint: {
      'circle-radius': ['get', 'radius'],
      'circle-color': ['case', ['get', 'reached'], REPEAT_COLOR.reached, REPEAT_COLOR.pending],
      'circle-opacity': 0.55,
      'circle-stroke-color': ['case', ['get', 'reached'], REPEAT_COLOR.reached, REPEAT_COLOR.pending],
      'circle-stroke-width': 1.5,
    },
  });

  const popup = new Popup({ closeButton: true, closeOnClick: false, maxWidth: '300px', offset: 10, className: 'cl-popup cl-repeat-popup' });
  const stop = $effect.root(() => {
    $effect(() => {
      const on = mapState.overlays.repeats;
      map.setLayoutProperty(LAYER.repeats, 'visibility', on ? 'visible' : 'none');
      if (!on) {
        popup.remove();
        return;
      }
      const query = repeatsQuery();
      const abort = new AbortController();
      analysisStatus.loading.repeats = true;
      api
        .repeats(query, abort.signal)
        .then((res) => {
          (map.getSource(REPEATS_SOURCE) as GeoJSONSource | undefined)?.setData(repeatCircles(res));
          analysisStatus.repeats = { groups: res.features.length, reached: res.features.filter((f) => f.properties.reached).length };
          analysisStatus.error.repeats = '';
        })
        .catch((e: Error) => {
          if (abort.signal.aborted) return;
          analysisStatus.error.repeats = e.message;
        })
        .finally(() => {
          if (!abort.signal.aborted) analysisStatus.loading.repeats = false;
        });
      return () => abort.abort();
    });
    $effect(() => {
      const on = mapState.overlays.zoneStats;
      map.setLayoutProperty(LAYER.zoneLabels, 'visibility', on ? 'visible' : 'none');
      if (gridLayer) map.setLayoutProperty(LAYER.hotGrids, 'visibility', on ? 'visible' : 'none');
      if (!on) return;
      const f = mapState.caseFilters;
      const query = new URLSearchParams(analysisRange(f, Date.now())).toString();
      const abort = new AbortController();
      analysisStatus.loading.zoneStats = true;
      Promise.all([api.zonesAnalysis(query, abort.signal), api.labelPoints('zones', abort.signal)])
        .then(([res, points]) => {
          (map.getSource(ZONE_LABELS_SOURCE) as GeoJSONSource | undefined)?.setData(zoneLabels(points, res));
          const codes = hotGridCodes(res);
          if (gridLayer) map.setFilter(LAYER.hotGrids, ['in', ['get', 'code'], ['literal', codes]]);
          analysisStatus.zones = { violations: res.zones.reduce((s, z) => s + z.violations, 0), hotGrids: codes.length };
          analysisStatus.error.zoneStats = '';
        })
        .catch((e: Error) => {
          if (abort.signal.aborted) return;
          analysisStatus.error.zoneStats = e.message;
        })
        .finally(() => {
          if (!abort.signal.aborted) analysisStatus.loading.zoneStats = false;
        });
      return () => abort.abort();
    });
  });

  /** A click on a group opens the list of its members. */
  function click(e: MapMouseEvent): boolean {
    if (!mapState.overlays.repeats || !map.getLayer(LAYER.repeats)) return false;
    const { x, y } = e.point;
    const hit = map.queryRenderedFeatures([[x - 3, y - 3], [x + 3, y + 3]], { layers: [LAYER.repeats] })[0];
    if (!hit) return false;
    const p = hit.properties as { id: string; size: number; threshold: number; reached: boolean; members: string };
    const members = String(p.members).split(',').filter(Boolean);
    const el = document.createElement('div');
    el.className = 'repeat-group';
    el.innerHTML =
      `<h3>重复案件组 · ${p.size} 件</h3>` +
      `<p class="state ${p.reached ? 'reached' : 'pending'}">${p.reached ? '已达认定阈值' : '未达阈值'}（阈值 ${p.threshold} 件）</p>` +
      `<ul>${members.map((id) => `<li><button type="button" data-case="${escape(id)}">${escape(id)}</button></li>`).join('')}</ul>`;
    el.addEventListener('click', (ev) => {
      const id = (ev.target as HTMLElement).closest('button')?.dataset.case;
      if (id) mapState.selectCase(id);
    });
    const at = (hit.geometry as Point).coordinates as [number, number];
    popup.setLngLat(at).setDOMContent(el).addTo(map);
    return true;
  }

  return {
    click,
    destroy() {
      stop();
      popup.remove();
      for (const id of Object.values(LAYER)) if (map.getLayer(id)) map.removeLayer(id);
      for (const id of [REPEATS_SOURCE, ZONE_LABELS_SOURCE]) if (map.getSource(id)) map.removeSource(id);
    },
  };
}
