/**
 * Pure validation and normalisation of GeoJSON features for the layer import (`npm run import -- layer …`):
 * property mapping, coordinate systems, required fields and codes per layer. Database checks (geometry validity,
 * jurisdiction, references) happen afterwards in SQL; nothing is written unless every feature passes both.
 */
import gcoord from 'gcoord';
import type { Feature, Geometry, Position } from 'geojson';

export const IMPORTABLE_LAYERS = ['districts', 'grids', 'work-grids', 'roads', 'zones', 'components'] as const;
export type ImportableLayer = (typeof IMPORTABLE_LAYERS)[number];
export const CRS_NAMES = ['wgs84', 'cgcs2000', 'gcj02'] as const;
export type CrsName = (typeof CRS_NAMES)[number];

export interface Rejection { index: number; id?: string; reason: string }
export type Row = Record<string, unknown> & { geometry: Geometry };

const GEOMETRY: Record<ImportableLayer, string[]> = {
  districts: ['Polygon', 'MultiPolygon'],
  grids: ['Polygon', 'MultiPolygon'],
  'work-grids': ['Polygon', 'MultiPolygon'],
  zones: ['Polygon', 'MultiPolygon'],
  roads: ['LineString', 'MultiLineString'],
  components: ['Point'],
};

const ROAD_CLASS: Record<string, string> = { main: 'main', secondary: 'secondary', alley: 'alley', 主干道: 'main', 主要路段: 'main', 次干道: 'secondary', 背街小巷: 'alley' };
const ZONE_LEVEL: Record<string, string> = { prohibited: 'prohibited', restricted: 'restricted', key: 'key', 严禁区: 'prohibited', 限制管理区: 'restricted', 重点区域: 'key' };
const COMPONENT_STATUS: Record<string, string> = {
  intact: 'intact', damaged: 'damaged', lost: 'lost', abandoned: 'abandoned', removed: 'removed',
  完好: 'intact', 破损: 'damaged', 丢失: 'lost', 废弃: 'abandoned', 移除: 'removed',
};
const DISTRICT_LEVEL: Record<number, string> = { 6: 'county', 9: 'street', 12: 'community' };

/** Reads the target fields of a feature: `mapping[target]` names the source property; unmapped targets keep their name. */
function mapped(props: Record<string, unknown>, mapping: Record<string, string>, field: string): unknown {
  const v = props[mapping[field] ?? field];
  return v === '' ? undefined : v;
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v).trim());

function required(field: string, v: string | undefined): string {
  if (!v) throw new Error(`missing property "${field}"`);
  return v;
}

function digits(field: string, v: string, lengths: number[]): string {
  if (!/^\d+$/.test(v) || !lengths.includes(v.length)) throw new Error(`${field} "${v}" must be ${lengths.join(' or ')} digits`);
  return v;
}

function oneOf(field: string, v: string, table: Record<string, string>): string {
  const out = table[v];
  if (!out) throw new Error(`${field} "${v}" must be one of ${[...new Set(Object.keys(table))].join(', ')}`);
  return out;
}

/** Layer-specific fields of one feature; throws an Error whose message names the field. */
export function layerFields(layer: ImportableLayer, p: Record<string, unknown>, m: Record<string, string>): Record<string, unknown> {
  const get = (f: string) => str(mapped(p, m, f));
  switch (layer) {
    case 'districts': {
      const code = digits('code', required('code', get('code')), [6, 9, 12]);
      const level = get('level') ?? DISTRICT_LEVEL[code.length];
      if (level !== DISTRICT_LEVEL[code.length]) throw new Error(`level "${level}" does not match a ${code.length}-digit code (${DISTRICT_LEVEL[code.length]})`);
      return { code, name: required('name', get('name')), level, parent_code: code.length === 6 ? null : code.slice(0, code.length - 3) };
    }
    case 'grids': {
      const code = digits('code', required('code', get('code')), [14, 15]);
      const community = get('community_code') ?? code.slice(0, 12);
      if (community !== code.slice(0, 12)) throw new Error(`code "${code}" must start with its community code "${community}"`);
      return { code, community_code: community, street_code: code.slice(0, 9), district_code: code.slice(0, 6), work_grid_code: get('work_grid_code') ?? null };
    }
    case 'work-grids': {
      const community = digits('community_code', required('community_code', get('community_code')), [12]);
      return { code: required('code', get('code')), name: required('name', get('name')), community_code: community, district_code: community.slice(0, 6), collector: get('collector') ?? null };
    }
    case 'roads':
      return {
        id: required('id', get('id')), name: required('name', get('name')), class: oneOf('class', required('class', get('class')), ROAD_CLASS),
        source: get('source') ?? 'import', district_code: get('district_code') ?? null,
      };
    case 'zones': {
      const windows = mapped(p, m, 'windows') ?? [];
      const governed = mapped(p, m, 'governed_minors') ?? [];
      const parsedWindows = typeof windows === 'string' ? JSON.parse(windows) : windows;
      const parsedGoverned = typeof governed === 'string' ? governed.split(/[;,\s]+/).filter(Boolean) : governed;
      if (!Array.isArray(parsedWindows)) throw new Error('windows must be a JSON array of {days, from, to}');
      for (const w of parsedWindows) {
        if (!/^\d\d:\d\d$/.test(w?.from ?? '') || !/^\d\d:\d\d$/.test(w?.to ?? '')) throw new Error(`windows entry ${JSON.stringify(w)} needs from/to as HH:MM`);
      }
      if (!Array.isArray(parsedGoverned) || parsedGoverned.some((g) => !/^(component|event):\d{4,5}$/.test(String(g)))) {
        throw new Error('governed_minors must be kind:code keys such as "event:0501"');
      }
      const tlc = get('time_limit_class');
      if (tlc && !['A', 'B', 'C'].includes(tlc)) throw new Error(`time_limit_class "${tlc}" must be A, B or C`);
      return {
        id: required('id', get('id')), name: required('name', get('name')), level: oneOf('level', required('level', get('level')), ZONE_LEVEL),
        windows: parsedWindows, governed_minors: parsedGoverned, time_limit_class: tlc ?? null, district_code: get('district_code') ?? null,
      };
    }
    case 'components': {
      const id = digits('id', required('id', get('id')), [16, 17]);
      const minorLen = id.length === 16 ? 4 : 5; // CJ/T 214: 2+2 digits; GB/T 47678.5: 2+3 digits
      const kindCode = get('kind_code') ?? id.slice(6, 6 + minorLen);
      if (kindCode !== id.slice(6, 6 + minorLen)) throw new Error(`kind_code "${kindCode}" does not match id "${id}" (digits 7–${6 + minorLen})`);
      return {
        id, district_code: id.slice(0, 6), kind_code: kindCode, name: get('name') ?? null,
        status: oneOf('status', get('status') ?? 'intact', COMPONENT_STATUS), owner_dept: get('owner_dept') ?? null,
        maintainer_dept: get('maintainer_dept') ?? null, grid_code: get('grid_code') ?? null,
      };
    }
  }
}

function convertPosition(p: Position, crs: CrsName): Position {
  if (p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new Error(`coordinate ${JSON.stringify(p)} is not a pair of numbers`);
  if (Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) throw new Error(`coordinate ${JSON.stringify(p)} is outside longitude/latitude range (projected data must be converted to WGS84 first)`);
  // CGCS2000 (EPSG:4490) and WGS84 differ by centimetres: taken as the same datum here.
  if (crs !== 'gcj02') return [p[0], p[1]];
  const [lon, lat] = gcoord.transform([p[0], p[1]], gcoord.GCJ02, gcoord.WGS84) as [number, number];
  return [lon, lat];
}

function mapCoords(c: unknown, crs: CrsName): unknown {
  if (!Array.isArray(c)) throw new Error('coordinates must be arrays');
  return typeof c[0] === 'number' ? convertPosition(c as Position, crs) : c.map((x) => mapCoords(x, crs));
}

export function normalizeGeometry(layer: ImportableLayer, g: unknown, crs: CrsName): Geometry {
  const geom = g as Geometry | null;
  if (!geom || typeof geom !== 'object' || !('type' in geom)) throw new Error('feature has no geometry');
  if (!GEOMETRY[layer].includes(geom.type)) throw new Error(`geometry type ${geom.type} not allowed for ${layer} (expected ${GEOMETRY[layer].join(' or ')})`);
  return { type: geom.type, coordinates: mapCoords((geom as { coordinates: unknown }).coordinates, crs) } as Geometry;
}

/** Validates and normalises a parsed GeoJSON document; returns rows ready for SQL and the rejected features. */
export function prepareFeatures(layer: ImportableLayer, doc: unknown, opts: { mapping?: Record<string, string>; crs?: CrsName } = {}) {
  const crs = opts.crs ?? 'wgs84';
  const mapping = opts.mapping ?? {};
  const d = doc as { type?: string; features?: unknown };
  if (!d || d.type !== 'FeatureCollection' || !Array.isArray(d.features)) throw new Error('input is not a GeoJSON FeatureCollection');
  const rows: Row[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  const keyOf = layer === 'roads' || layer === 'zones' || layer === 'components' ? 'id' : 'code';
  (d.features as Feature[]).forEach((f, index) => {
    const rawId = str(f?.properties?.[mapping[keyOf] ?? keyOf]) ?? (f?.id !== undefined ? String(f.id) : undefined);
    try {
      if (!f || f.type !== 'Feature') throw new Error('not a GeoJSON Feature');
      const fields = layerFields(layer, { ...(f.properties ?? {}), ...(f.properties?.[mapping[keyOf] ?? keyOf] === undefined && f.id !== undefined ? { [keyOf]: f.id } : {}) }, mapping);
      const key = String(fields[keyOf]);
      if (seen.has(key)) throw new Error(`duplicate ${keyOf} "${key}" in file`);
      seen.add(key);
      rows.push({ ...fields, geometry: normalizeGeometry(layer, f.geometry, crs) });
    } catch (err) {
      rejected.push({ index, id: rawId, reason: (err as Error).message });
    }
  });
  return { rows, rejected };
}
