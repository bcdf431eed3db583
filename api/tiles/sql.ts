import { columnName, LAYERS, type LayerDef, type LayerName } from '../layers/catalog.ts';
import { BUFFER, EXTENT, simplifyTolerance, tileBounds, type TileCoord } from '../domain/tiles.ts';

/** Stable 52-bit numeric feature id from the text key (MVT ids are integers; ours are long digit strings). */
export const featureIdSql = (key: string) => `('x' || substr(md5(${key}), 1, 13))::bit(52)::bigint`;

function geometryExpr(layer: LayerDef, tolerance: number): string {
  if (layer.geometry === 'point' || tolerance === 0) return 'geom_3857';
  // preserveCollapsed keeps small polygons (grids at low zoom) from vanishing before quantisation
  return `ST_Simplify(geom_3857, ${tolerance}, true)`;
}

const envelopes = `SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS env,
  ST_TileEnvelope($1::int, $2::int, $3::int, margin => ${BUFFER / EXTENT}) AS benv`;

/**
 * One query per tile, as pg_tileserv / Martin do: PostGIS clips, quantises and encodes (`ST_AsMVT`).
 * Parameters: $1 z, $2 x, $3 y. Returns one row `{ mvt: Buffer }`.
 */
export function mvtSql(name: LayerName, z: number): string {
  const layer = LAYERS[name];
  return `WITH b AS (${envelopes})
SELECT ST_AsMVT(t, '${layer.name}', ${EXTENT}, 'geom', 'fid') AS mvt FROM (
  SELECT ${featureIdSql(layer.key)} AS fid, ${layer.tileProps.join(', ')},
         ST_AsMVTGeom(${geometryExpr(layer, simplifyTolerance(z))}, b.env, ${EXTENT}, ${BUFFER}, true) AS geom
  FROM ${layer.table}, b
  WHERE geom_3857 && b.benv
) t WHERE geom IS NOT NULL`;
}

/**
 * The embedded PGlite has no protobuf in PostGIS, so neither ST_AsMVT nor ST_AsMVTGeom exist there. This query does
 * what ST_AsMVTGeom does with plain functions — clip to the buffered tile, move to tile coordinates (y down),
 * snap to the integer grid — and returns GeoJSON in tile units for the TypeScript encoder.
 * Exterior rings are made clockwise before the y flip so they come out with positive area in tile space (MVT 2.1).
 */
export function tileGeometrySql(name: LayerName, tile: TileCoord): string {
  const layer = LAYERS[name];
  const { minx, maxy, maxx } = tileBounds(tile);
  const scale = EXTENT / (maxx - minx);
  let g = geometryExpr(layer, simplifyTolerance(tile.z));
  if (layer.geometry === 'polygon') g = `ST_ForcePolygonCW(ST_ClipByBox2D(${g}, b.benv))`;
  if (layer.geometry === 'line') g = `ST_ClipByBox2D(${g}, b.benv)`;
  g = `ST_SnapToGrid(ST_Affine(${g}, ${scale}, 0, 0, ${-scale}, ${-minx * scale}, ${maxy * scale}), 1)`;
  return `WITH b AS (${envelopes})
SELECT fid, ${layer.tileProps.map(columnName).join(", ")}, ST_AsGeoJSON(g, 0) AS g FROM (
  SELECT ${featureIdSql(layer.key)} AS fid, ${layer.tileProps.join(', ')}, ${g} AS g
  FROM ${layer.table}, b
  WHERE geom_3857 && b.benv
) t WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`;
}
