import type pg from 'pg';
import { LAYERS, type LayerName } from '../layers/catalog.ts';
import type { TileCoord } from '../domain/tiles.ts';
import { mvtSql, tileGeometrySql } from './sql.ts';
import { encodeTile } from './encode.ts';

export type TileEncoder = 'postgis' | 'typescript';

/** Builds one tile: `ST_AsMVT` on a real PostGIS, SQL clipping + the TypeScript encoder on the embedded PGlite. */
export async function buildTile(pool: pg.Pool, encoder: TileEncoder, layer: LayerName, tile: TileCoord): Promise<Buffer> {
  if (tile.z < LAYERS[layer].minZoom) return Buffer.alloc(0);
  if (encoder === 'postgis') {
    const { rows } = await pool.query<{ mvt: Buffer }>(mvtSql(layer, tile.z), [tile.z, tile.x, tile.y]);
    return rows[0]?.mvt ?? Buffer.alloc(0);
  }
  const { rows } = await pool.query(tileGeometrySql(layer, tile), [tile.z, tile.x, tile.y]);
  return encodeTile(layer, rows);
}
