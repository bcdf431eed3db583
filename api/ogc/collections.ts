/**
 * The layers published as OGC API – Features collections: the map layers of the catalog (api/layers/catalog.ts)
 * minus live cases, which carry personal data and change every second.
 */
import { columnName, LAYERS, type LayerDef, type LayerName } from '../layers/catalog.ts';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

export interface Collection {
  id: LayerName;
  title: string;
  description: string;
  def: LayerDef;
  /** property columns (SQL expressions) and their output names */
  columns: string[];
  names: string[];
}

const META: Partial<Record<LayerName, { title: string; description: string }>> = {
  grids: { title: '单元网格 Unit grids', description: 'Unit grids (单元网格): 14/15-digit code = county + street + community + serial' },
  'work-grids': { title: '责任网格 Work grids', description: 'Work grids (责任网格): unit grids assigned to one collector' },
  districts: { title: '行政区划 Districts', description: 'Counties, streets and communities (区县 / 街道 / 社区)' },
  roads: { title: '道路 Roads', description: 'Roads with their class: main, secondary, alley (主干道 / 次干道 / 背街小巷)' },
  zones: { title: '市容秩序区域 Zones', description: 'Order-grade zones: prohibited, restricted, key areas (严禁区 / 限制管理区 / 重点区域)' },
  components: { title: '部件 Components', description: 'City components (部件) with their 16/17-digit id, category and status' },
};

export const COLLECTION_IDS = ['grids', 'work-grids', 'districts', 'roads', 'zones', 'components'] as const satisfies readonly LayerName[];

export const COLLECTIONS: Collection[] = COLLECTION_IDS.map((id) => {
  const def = LAYERS[id];
  const columns = [...def.tileProps, ...def.extraProps];
  return { id, ...META[id]!, def, columns, names: columns.map(columnName) };
});

export function collectionById(id: string): Collection | undefined {
  return COLLECTIONS.find((c) => c.id === id);
}
