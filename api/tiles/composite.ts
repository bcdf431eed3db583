import { LAYERS } from '../layers/catalog.ts';
import { minZooms } from '../basemap/shared.ts';

/**
 * The static layers the basemap draws from ONE tile source (`/tiles/base/{z}/{x}/{y}.mvt`): a first view needs one
 * request, one worker parse and one repaint per tile instead of five (a software-rendered wall pays for every
 * repaint of a 1920×1080 map). Components stay a source of their own: they start at z15 and are most of the bytes there.
 */
export const BASE_LAYERS = ['districts', 'work-grids', 'grids', 'roads', 'zones'] as const;
export type BaseLayer = (typeof BASE_LAYERS)[number];
export const BASE_SOURCE = 'base';

export const isBaseLayer = (name: string): name is BaseLayer => (BASE_LAYERS as readonly string[]).includes(name);

/** Zoom from which a layer is in the composite tile: where the basemap starts drawing it and the tile server has it. */
export const baseMinZoom = (layer: BaseLayer): number => Math.max(minZooms[layer], LAYERS[layer].minZoom);

/** The layers of a composite tile at zoom z, in style order. */
export const baseLayersAt = (z: number): BaseLayer[] => BASE_LAYERS.filter((l) => z >= baseMinZoom(l));

/** One weak ETag over the versions of the layers in the tile: any of them changing changes it. */
export const baseEtag = (versions: { layer: BaseLayer; version: number }[]): string =>
  `W/"base-${versions.map((v) => `${v.layer}.${v.version}`).join('-')}"`;
