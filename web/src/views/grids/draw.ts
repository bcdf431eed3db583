/**
 * terra-draw on the shared MapLibre map, holding only the shape being worked on: a new grid while it is drawn, the
 * grid being edited, or a split line. The grids around it stay MapLibre layers (layers.ts) and reach terra-draw
 * as snapping targets through its `toCustom` hook (snap.ts), in every drawing mode and when a vertex is dragged.
 *
 * Undo inside a shape still being drawn (the last clicked point) is terra-draw's mode-level history; undo of
 * finished edits is the editor's own (history.ts), fed by the `finish` events below.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { LineString, Polygon, Position } from 'geojson';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawModeUndoRedo,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type SnapToCustom,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import { PRECISION, roundPosition } from './geometry.ts';

export interface DrawHandlers {
  /** A polygon or line was finished (double-click, click on the first point, or Enter). */
  finished(geometry: Polygon | LineString): void;
  /** The edited polygon changed and the change is complete (a drag ended, a vertex was added or deleted). */
  edited(geometry: Polygon): void;
  /** The edited polygon is changing (every move of a drag): for live checks. */
  changing(geometry: Polygon): void;
}

/** terra-draw's layer of vertex handles (the adapter names its layers after `prefixId`). */
export const HANDLES_LAYER = 'gv-td-point';

export type Snap = (pointer: { x: number; y: number }) => Position | null;

const BLUE = '#1d6fb8';
const ORANGE = '#e07b00';
const WHITE = '#ffffff';

export function createDraw(map: MapLibreMap, snap: Snap, on: DrawHandlers) {
  const toCustom: SnapToCustom = (event) => {
    const p = snap({ x: event.containerX, y: event.containerY });
    return p ? roundPosition(p) : undefined;
  };
  const snapping = { toCustom };
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: PRECISION, prefixId: 'gv-td' }),
    modes: [
      new TerraDrawPolygonMode({
        snapping,
        pointerDistance: 12,
        styles: { fillColor: BLUE, fillOpacity: 0.25, outlineColor: BLUE, outlineWidth: 2, closingPointColor: WHITE, closingPointOutlineColor: BLUE, snappingPointColor: ORANGE },
      }),
      new TerraDrawLineStringMode({
        snapping,
        pointerDistance: 12,
        styles: { lineStringColor: ORANGE, lineStringWidth: 3, closingPointColor: WHITE, closingPointOutlineColor: ORANGE, snappingPointColor: ORANGE },
      }),
      new TerraDrawSelectMode({
        pointerDistance: 14,
        // one shape at a time: a click beside it must not drop the selection (and with it the vertex handles)
        allowManualDeselection: false,
        keyEvents: null,
        flags: {
          polygon: {
            feature: {
              draggable: false,
              rotateable: false,
              scaleable: false,
              selfIntersectable: false,
              coordinates: { draggable: true, deletable: true, midpoints: { draggable: true }, snappable: snapping },
            },
          },
        },
        styles: {
          selectedPolygonColor: BLUE,
          selectedPolygonFillOpacity: 0.25,
          selectedPolygonOutlineColor: ORANGE,
          selectedPolygonOutlineWidth: 2.5,
          selectionPointColor: WHITE,
          selectionPointOutlineColor: ORANGE,
          selectionPointWidth: 5,
          midPointColor: ORANGE,
          midPointOutlineColor: WHITE,
        },
      }),
    ],
    undoRedo: { modeLevel: new TerraDrawModeUndoRedo() },
  });
  draw.start();
  draw.setMode('static');

  /** Id of the polygon under edit (terra-draw's store holds nothing else that matters). */
  let current: string | number | null = null;
  let silent = false;

  const polygonOf = (id: string | number): Polygon | null => {
    const f = draw.getSnapshotFeature(id);
    return f?.geometry.type === 'Polygon' ? (f.geometry as Polygon) : null;
  };

  draw.on('finish', (id, ctx) => {
    const f = draw.getSnapshotFeature(id);
    if (!f) return;
    if (ctx.action === 'draw') {
      // a new split line replaces the one drawn before
      if (f.geometry.type === 'LineString') {
        const older = draw.getSnapshot().filter((o) => o.id !== id && o.geometry.type === 'LineString' && o.properties.mode === 'linestring');
        if (older.length) draw.removeFeatures(older.map((o) => o.id!));
      }
      on.finished(f.geometry as Polygon | LineString);
      return;
    }
    if (id === current && f.geometry.type === 'Polygon') on.edited(f.geometry);
  });
  draw.on('change', (ids, type) => {
    if (silent || current === null || type !== 'update' || !ids.includes(current)) return;
    if (draw.getModeState() === 'drawing') return;
    const g = polygonOf(current);
    if (g) on.changing(g);
  });

  const reset = () => {
    draw.setMode('static');
    draw.clear();
    current = null;
  };

  return {
    /** Click points of a new grid (Enter or a click on the first point closes it). */
    drawPolygon() {
      reset();
      draw.setMode('polygon');
    },
    drawLine() {
      reset();
      draw.setMode('linestring');
    },
    /** Shows a polygon with draggable vertices and midpoints. */
    edit(polygon: Polygon) {
      reset();
      const id = draw.getFeatureId();
      const [result] = draw.addFeatures([{ id, type: 'Feature', geometry: polygon, properties: { mode: 'polygon' } }]);
      if (!result?.valid) throw new Error(`terra-draw refused the shape: ${result?.reason ?? 'unknown reason'}`);
      current = id;
      draw.selectFeature(id);
    },
    /** Replaces the edited polygon (undo / redo). */
    set(polygon: Polygon) {
      if (current === null) return;
      silent = true;
      try {
        draw.updateFeatureGeometry(current, polygon);
      } finally {
        silent = false;
      }
    },
    clear: reset,
    /** A shape is half drawn (terra-draw's own undo applies to it). */
    drawing: () => draw.getModeState() === 'drawing',
    undoPoint: () => draw.getModeState() === 'drawing' && draw.canUndo() && draw.undo(),
    redoPoint: () => draw.getModeState() === 'drawing' && draw.canRedo() && draw.redo(),
    destroy() {
      draw.stop();
    },
  };
}

export type GridDraw = ReturnType<typeof createDraw>;
