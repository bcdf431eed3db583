/**
 * Query parameters of /api/analysis/hotspots and /api/analysis/emerging, parsed and checked without
 * I/O (what needs the database — srid, area and district existence, cell counts — is checked later).
 * Every problem is a ParamError naming the parameter, answered as 400.
 */
import type { CellKind } from './cells.ts';

export class ParamError extends Error {
  readonly statusCode = 400;
  readonly code = 'bad_parameter';
  constructor(readonly parameter: string, message: string) {
    super(`${parameter}: ${message}`);
  }
}

export const KINDS = ['component', 'event'] as const;
export const SOURCES = ['patrol', 'hotline', 'wechat', 'web', 'video', 'leader', 'media', 'follow-up'] as const;
export const STEPS = ['week', 'month'] as const;
export type Step = (typeof STEPS)[number];

/** Largest accepted cell size and band (m): beyond a city's scale a hotspot map says nothing. */
export const MAX_CELL_SIZE = 50_000;
export const MAX_BAND = 100_000;
/** Smallest cell size (m); also keeps cell indices inside the exact range of cellKey. */
export const MIN_CELL_SIZE = 1;
/** band / cellSize above this means thousands of neighbours per cell: refused rather than slow. */
export const MAX_BAND_RATIO = 30;

export type AreaSpec = { type: 'districts' } | { type: 'district'; code: string } | { type: 'zone'; id: string };

export interface Filters {
  kind?: string[];
  major?: string[];
  minor?: string[];
  source?: string[];
  department?: string[];
  /** county (6), street (9) or community (12 digits) codes */
  district?: string[];
}

export interface HotspotParams {
  cell: CellKind;
  cellSize?: number;
  band?: number;
  srid?: number;
  area: AreaSpec;
  /** inclusive, ISO string as given (normalised to an instant) */
  from?: Date;
  /** exclusive */
  to?: Date;
  filters: Filters;
}

export interface EmergingParams extends HotspotParams {
  step: Step;
}

const COMMON = ['from', 'to', 'kind', 'major', 'minor', 'source', 'department', 'district', 'cell', 'cellSize', 'band', 'srid', 'area'];
export const HOTSPOT_PARAMS: readonly string[] = COMMON;
export const EMERGING_PARAMS: readonly string[] = [...COMMON, 'step'];

type Query = Record<string, unknown>;

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) throw new ParamError(name, 'given more than once');
  return String(v);
}

function list(q: Query, name: string, pattern: RegExp, what: string): string[] | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const items = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  if (!items.length) return undefined;
  for (const it of items) if (!pattern.test(it)) throw new ParamError(name, `"${it}" is not ${what}`);
  return items.sort();
}

function positive(q: Query, name: string, max: number, min = 0): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ParamError(name, `"${v}" is not a number of metres`);
  if (n <= 0) throw new ParamError(name, `must be > 0 metres, got ${v}`);
  if (n < min) throw new ParamError(name, `must be at least ${min} m, got ${v}`);
  if (n > max) throw new ParamError(name, `${v} m is absurdly large (at most ${max} m)`);
  return n;
}

/**
 * An instant: an ISO date (taken as local midnight, +08:00 — the deployment's time zone) or an ISO
 * date-time with Z or an offset; a date-time without one is also read as +08:00.
 */
export function parseInstant(name: string, v: string): Date {
  let s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00+08:00';
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += '+08:00';
  else if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    throw new ParamError(name, `"${v}" is not an ISO date (2025-03-01) or date-time (2025-03-01T08:00:00+08:00)`);
  }
  const d = new Date(s);
  const [y, m, day] = s.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(y, m - 1, day));
  // Date rolls 2025-02-30 over to 2 March: a day that does not exist is refused
  if (Number.isNaN(d.getTime()) || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== day) {
    throw new ParamError(name, `"${v}" is not a valid date`);
  }
  return d;
}

function parseArea(v: string | undefined): AreaSpec {
  if (v === undefined || v === 'districts') return { type: 'districts' };
  let m = /^district:(\d{6}|\d{9}|\d{12})$/.exec(v);
  if (m) return { type: 'district', code: m[1] };
  m = /^zone:(.{1,100})$/.exec(v);
  if (m) return { type: 'zone', id: m[1] };
  throw new ParamError('area', `"${v}" must be districts, district:<6/9/12-digit code> or zone:<id>`);
}

/** Parses the common parameters; unknown parameter names are refused so typos do not pass silently. */
export function parseHotspotParams(q: Query, allowed: readonly string[] = HOTSPOT_PARAMS): HotspotParams {
  for (const k of Object.keys(q)) {
    if (!allowed.includes(k)) throw new ParamError(k, `unknown parameter; known: ${allowed.join(', ')}`);
  }
  const cellV = single(q, 'cell') ?? 'square';
  if (cellV !== 'square' && cellV !== 'hex') throw new ParamError('cell', `"${cellV}" must be square or hex`);
  const cellSize = positive(q, 'cellSize', MAX_CELL_SIZE, MIN_CELL_SIZE);
  const band = positive(q, 'band', MAX_BAND);
  if (cellSize !== undefined && band !== undefined) {
    // the nearest other centroid is cellSize away for squares and hexagons alike
    if (band < cellSize) throw new ParamError('band', `${band} m is smaller than cellSize ${cellSize} m: no cell would have a neighbour`);
    if (band > MAX_BAND_RATIO * cellSize) {
      throw new ParamError('band', `${band} m is more than ${MAX_BAND_RATIO} × cellSize (${cellSize} m): thousands of neighbours per cell`);
    }
  }
  const sridV = single(q, 'srid');
  let srid: number | undefined;
  if (sridV !== undefined) {
    const m = /^(?:EPSG:)?(\d{4,6})$/i.exec(sridV);
    if (!m) throw new ParamError('srid', `"${sridV}" is not an EPSG code`);
    srid = Number(m[1]);
  }
  const fromV = single(q, 'from');
  const toV = single(q, 'to');
  const from = fromV === undefined ? undefined : parseInstant('from', fromV);
  const to = toV === undefined ? undefined : parseInstant('to', toV);
  if (from && to && from.getTime() >= to.getTime()) throw new ParamError('from', `${fromV} is not before to (${toV})`);
  const filters: Filters = {};
  const kind = list(q, 'kind', /^(component|event)$/, 'component or event');
  const major = list(q, 'major', /^\d{2}$/, 'a 2-digit major category code');
  const minor = list(q, 'minor', /^\d{4,5}$/, 'a 4- or 5-digit minor category code');
  const source = list(q, 'source', new RegExp(`^(${SOURCES.join('|')})$`), `a source (${SOURCES.join(', ')})`);
  const department = list(q, 'department', /^[\w.:-]{1,64}$/u, 'a department id');
  const district = list(q, 'district', /^(\d{6}|\d{9}|\d{12})$/, 'a 6-, 9- or 12-digit district code');
  if (kind) filters.kind = kind;
  if (major) filters.major = major;
  if (minor) filters.minor = minor;
  if (source) filters.source = source;
  if (department) filters.department = department;
  if (district) filters.district = district;
  return { cell: cellV, cellSize, band, srid, area: parseArea(single(q, 'area')), from, to, filters };
}

export function parseEmergingParams(q: Query): EmergingParams {
  const base = parseHotspotParams(q, EMERGING_PARAMS);
  const step = single(q, 'step') ?? 'month';
  if (!(STEPS as readonly string[]).includes(step)) throw new ParamError('step', `"${step}" must be week or month`);
  return { ...base, step: step as Step };
}

export function areaLabel(a: AreaSpec): string {
  return a.type === 'districts' ? 'districts' : a.type === 'district' ? `district:${a.code}` : `zone:${a.id}`;
}

/** A stable string of the parsed parameters, for cache keys. */
export function paramsKey(p: HotspotParams | EmergingParams): string {
  return JSON.stringify({
    ...p,
    area: areaLabel(p.area),
    from: p.from?.toISOString(),
    to: p.to?.toISOString(),
  });
}
