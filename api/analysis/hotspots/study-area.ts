/**
 * The study area and its cells, in SQL: the area's polygon in the metric CRS, and every cell of the
 * lattice that intersects it (zeros included — the cells exist whether or not a case fell in them).
 */
import type { Db } from './cases-sql.ts';
import { cellArea, cellCentre, cellGeomSql, squareIndex, SQRT3, type CellKind } from './cells.ts';
import { indexCells } from './components.ts';
import { areaLabel, ParamError, type AreaSpec } from './params.ts';

export interface StudyArea {
  label: string;
  srid: number;
  /** the area in `srid`, hex EWKB (passed back to SQL as a parameter) */
  geom: string;
  areaM2: number;
  /** bounding box in `srid` */
  bbox: [number, number, number, number];
  /** bounding box in EPSG:4326, widened a little: a prefilter for cases (index use) */
  bbox4326: [number, number, number, number];
}

/** Checks that `srid` is a projected CRS in metres known to PostGIS; throws ParamError('srid') otherwise. */
export async function checkSrid(db: Db, srid: number): Promise<void> {
  const { rows } = await db.query<{ srtext: string | null; proj4text: string | null }>(
    'SELECT srtext, proj4text FROM spatial_ref_sys WHERE srid = $1',
    [srid],
  );
  if (!rows.length) throw new ParamError('srid', `EPSG:${srid} is not in spatial_ref_sys`);
  const srtext = rows[0].srtext ?? '';
  const proj4 = rows[0].proj4text ?? '';
  if (/^\s*GEOG/i.test(srtext) || /\+proj=longlat\b/.test(proj4)) {
    throw new ParamError('srid', `EPSG:${srid} is geographic (degrees); give a projected CRS in metres, e.g. the UTM zone of the city`);
  }
  const metres = /\+units=m(\s|$)/.test(proj4) || (!/\+units=/.test(proj4) && /UNIT\["metre"/i.test(srtext));
  if (!/^\s*PROJ/i.test(srtext) || !metres) throw new ParamError('srid', `EPSG:${srid} is not a projected CRS in metres`);
}

/** SQL (one column `g`, EPSG:4326) of an area, or null when it does not exist. */
function areaSql(area: AreaSpec): { sql: string; params: unknown[] } {
  switch (area.type) {
    case 'districts':
      // the top level present (counties; streets if a deployment has none …) covers the jurisdiction once
      return {
        sql: `SELECT ST_Union(geom) AS g FROM districts WHERE level = (
                SELECT level FROM districts ORDER BY array_position(ARRAY['county','street','community'], level) LIMIT 1)`,
        params: [],
      };
    case 'district':
      return { sql: 'SELECT geom AS g FROM districts WHERE code = $1', params: [area.code] };
    case 'zone':
      return { sql: 'SELECT geom AS g FROM zones WHERE id = $1', params: [area.id] };
  }
}

export async function loadStudyArea(db: Db, area: AreaSpec, srid: number): Promise<StudyArea> {
  const { sql, params } = areaSql(area);
  const n = params.length;
  const { rows } = await db.query(
    `WITH a AS (${sql}), s AS (SELECT g, ST_Transform(g, $${n + 1}::int) AS m FROM a WHERE g IS NOT NULL AND NOT ST_IsEmpty(g))
     SELECT m::text AS geom, ST_Area(m) AS area,
            ST_XMin(m) AS x0, ST_YMin(m) AS y0, ST_XMax(m) AS x1, ST_YMax(m) AS y1,
            ST_XMin(g) AS lon0, ST_YMin(g) AS lat0, ST_XMax(g) AS lon1, ST_YMax(g) AS lat1
     FROM s`,
    [...params, srid],
  );
  if (!rows.length) {
    const what = area.type === 'districts' ? 'no districts are loaded' : `${areaLabel(area)} does not exist`;
    throw new ParamError('area', what);
  }
  const r = rows[0];
  // Straight edges in the metric CRS bend slightly in degrees: widen the prefilter box by 1 % (≥ 0.001°).
  const mx = Math.max(0.001, (r.lon1 - r.lon0) * 0.01);
  const my = Math.max(0.001, (r.lat1 - r.lat0) * 0.01);
  return {
    label: areaLabel(area),
    srid,
    geom: r.geom,
    areaM2: Number(r.area),
    bbox: [r.x0, r.y0, r.x1, r.y1],
    bbox4326: [r.lon0 - mx, r.lat0 - my, r.lon1 + mx, r.lat1 + my],
  };
}

export interface Lattice {
  kind: CellKind;
  size: number;
  srid: number;
  /** col / q */
  a: Int32Array;
  /** row / r */
  b: Int32Array;
  /** cell lies wholly inside the area: its cases need no point-in-polygon test */
  inside: Uint8Array;
  /** centroids, interleaved, metric CRS */
  coords: Float64Array;
  /** cell polygons as GeoJSON text in EPSG:4326 */
  geojson: string[];
  index: Map<number, number>;
  /** approximate memory held, for the cache */
  bytes: number;
}

/** Index ranges of the lattice cells over a bounding box (a little wider for hexagons). */
function latticeRange(kind: CellKind, size: number, bbox: [number, number, number, number]) {
  const [x0, y0, x1, y1] = bbox;
  if (kind === 'square') {
    const c0 = squareIndex(x0, size), c1 = squareIndex(x1, size), r0 = squareIndex(y0, size), r1 = squareIndex(y1, size);
    return { c0, c1, r0, r1, count: (c1 - c0 + 1) * (r1 - r0 + 1) };
  }
  const h = size * (SQRT3 / 2);
  const r0 = Math.floor(y0 / h) - 1, r1 = Math.ceil(y1 / h) + 1;
  const cols = Math.ceil((x1 - x0) / size) + 4;
  return { c0: 0, c1: 0, r0, r1, count: cols * (r1 - r0 + 1) };
}

/**
 * The cells intersecting the study area, ordered by row then column. Throws ParamError('cellSize')
 * when there would be more than maxCells (checked on an estimate first, so a tiny cellSize fails fast).
 */
export async function loadLattice(db: Db, area: StudyArea, kind: CellKind, size: number, maxCells: number): Promise<Lattice> {
  const estimate = area.areaM2 / cellArea(kind, size);
  const range = latticeRange(kind, size, area.bbox);
  if (estimate > maxCells || range.count > 20 * maxCells) {
    throw new ParamError('cellSize', `${size} m gives about ${Math.round(estimate)} cells over ${area.label}; the limit is ${maxCells} (HOTSPOT_MAX_CELLS): use a larger cellSize`);
  }
  const geom = cellGeomSql(kind, 'i.a', 'i.b', '$2::float8', '$3::int');
  const idx =
    kind === 'square'
      ? `SELECT a, b FROM generate_series($4::int, $5::int) a, generate_series($6::int, $7::int) b`
      : // per hexagon row r, the axial q range covering [x0, x1] (centre x = d·(q + r/2)), one cell of margin
        `SELECT q AS a, r AS b FROM generate_series($6::int, $7::int) r,
           LATERAL generate_series(floor($4::float8 / $2::float8 - r::float8 / 2)::int - 1, ceil($5::float8 / $2::float8 - r::float8 / 2)::int + 1) q`;
  const params = kind === 'square'
    ? [area.geom, size, area.srid, range.c0, range.c1, range.r0, range.r1]
    : [area.geom, size, area.srid, area.bbox[0], area.bbox[2], range.r0, range.r1];
  const { rows } = await db.query<{ a: number; b: number; inside: boolean; g: string }>(
    `WITH s AS (SELECT $1::geometry AS m)
     SELECT i.a, i.b, ST_ContainsProperly(s.m, e) AS inside, ST_AsGeoJSON(ST_Transform(e, 4326), 7) AS g
     FROM s, (${idx}) i CROSS JOIN LATERAL ${geom} AS e
     WHERE ST_Intersects(s.m, e)
     ORDER BY i.b, i.a`,
    params,
  );
  if (rows.length > maxCells) {
    throw new ParamError('cellSize', `${size} m gives ${rows.length} cells over ${area.label}; the limit is ${maxCells} (HOTSPOT_MAX_CELLS): use a larger cellSize`);
  }
  const n = rows.length;
  const a = new Int32Array(n), b = new Int32Array(n), inside = new Uint8Array(n), coords = new Float64Array(2 * n);
  const geojson = new Array<string>(n);
  let bytes = 64 * n;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    a[i] = r.a;
    b[i] = r.b;
    inside[i] = r.inside ? 1 : 0;
    const [cx, cy] = cellCentre(kind, r.a, r.b, size);
    coords[2 * i] = cx;
    coords[2 * i + 1] = cy;
    geojson[i] = r.g;
    bytes += 2 * r.g.length;
  }
  return { kind, size, srid: area.srid, a, b, inside, coords, geojson, index: indexCells(a, b), bytes };
}
