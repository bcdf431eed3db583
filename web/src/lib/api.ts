/**
 * Typed client of the citylens HTTP API. Same origin as the page (the API serves the web app), so paths are
 * relative and nothing ever leaves the server the page came from.
 */
import type { Feature, FeatureCollection, Geometry, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import type { RepeatsResponse } from '../../../api/analysis/repeats/batch.ts';
import type { ZonesResponse } from '../../../api/analysis/zones/analysis.ts';
import { session, type Me } from './session.svelte.ts';
import type { CaseDetail, StatsWall } from './types.ts';
import type { EmergingResult, HotspotResult } from './hotspot-types.ts';

export type LayerName = 'districts' | 'grids' | 'work-grids' | 'roads' | 'zones' | 'components' | 'cases';
export type BBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

export interface Health {
  status: 'ok';
  database: 'postgis' | 'embedded';
  postgis: string;
  analysisSrid?: number;
}

/** Properties each layer carries (tile properties plus the extra ones GeoJSON adds). */
export interface LayerProperties {
  districts: { code: string; name: string; level: 'county' | 'street' | 'community'; parent_code?: string | null };
  grids: {
    code: string;
    community_code: string;
    street_code?: string;
    district_code?: string;
    work_grid_code?: string | null;
    version?: number;
  };
  'work-grids': { code: string; name: string; community_code: string; collector?: string | null; district_code?: string };
  roads: { id: string; name: string; class: 'main' | 'secondary' | 'alley'; source?: string; district_code?: string | null };
  zones: {
    id: string;
    name: string;
    level: 'prohibited' | 'restricted' | 'key';
    windows?: unknown;
    governed_minors?: string[];
    time_limit_class?: 'A' | 'B' | 'C' | null;
  };
  components: {
    id: string;
    kind_code: string;
    status: 'intact' | 'damaged' | 'lost' | 'abandoned' | 'removed';
    name?: string | null;
    owner_dept?: string | null;
    maintainer_dept?: string | null;
    grid_code?: string | null;
  };
  cases: { id: string; kind: 'component' | 'event'; minor: string; status: string; light: 'green' | 'yellow' | 'red' | null };
}

export type LayerFeature<L extends LayerName> = Feature<Geometry, LayerProperties[L]> & { id: string };
export interface LayerPage<L extends LayerName> extends FeatureCollection<Geometry, LayerProperties[L]> {
  features: LayerFeature<L>[];
  /** Path of the next page when the layer was cut at the page limit. */
  next?: string;
}

/** A 4xx/5xx answer of the API, carrying its `{error, message}` body (the parameter or field it names, and the rest of it, e.g. grid problems). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 401) session.rejected = true;
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  return new ApiError(res.status, text('error') ?? 'http_error', text('message') ?? `${res.status} ${res.statusText}`, text('parameter') ?? text('param') ?? text('field'), body);
}

async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) throw await failure(res);
  return res.json() as Promise<T>;
}

/** A request with the session's token. */
export async function authed(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${session.token}`);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) throw await failure(res);
  return res;
}

export const authedJSON = async <T>(path: string, init?: RequestInit): Promise<T> => (await authed(path, init)).json() as Promise<T>;

/** A unit grid as the grid API returns it (exact coordinates, with the version writes must send back). */
export type GridFeature = Feature<Polygon | MultiPolygon, {
  code: string;
  community_code: string;
  street_code: string;
  district_code: string;
  work_grid_code: string | null;
  version: number;
  updated_at: string;
}> & { id: string };

/** One finding of the grid checks (api/domain/grid-problems.ts). */
export interface GridProblem {
  type: string;
  message: { zh: string; en: string };
  geometry: Geometry | null;
  grid?: string | null;
  index?: number;
  other?: string;
  area_m2?: number;
}

export interface GridValidation {
  valid: boolean;
  community_code: string | null;
  problems: GridProblem[];
}

export interface GridRevision {
  id: number;
  change: number;
  op: 'create' | 'update' | 'delete' | 'split' | 'merge' | 'revert' | 'renumber' | 'import';
  grid: string;
  actor: string;
  at: string;
  version_before: number | null;
  version_after: number | null;
  before: GridFeature | null;
  after: GridFeature | null;
  note: Record<string, unknown>;
}

const json = (method: string, body: unknown, signal?: AbortSignal): RequestInit => ({
  method,
  signal,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const enc = encodeURIComponent;

/** The unit-grid API (api/grids/routes.ts); writes need the analyst role. */
const grids = {
  /** A community's grids with their versions. */
  ofCommunity: (community: string, signal?: AbortSignal) =>
    getJSON<{ type: 'FeatureCollection'; features: GridFeature[] }>(`/api/grids/export?community=${enc(community)}`, signal),
  validate: (body: { geometry: Polygon; code?: string; community_code?: string; replaces?: string[] }, signal?: AbortSignal) =>
    authedJSON<GridValidation>('/api/grids/validate', json('POST', body, signal)),
  create: (body: { geometry: Polygon; community_code: string }) =>
    authedJSON<{ grid: GridFeature; revision: number }>('/api/grids', json('POST', body)),
  update: (code: string, geometry: Polygon, version: number) =>
    authedJSON<{ grid: GridFeature; revision: number }>(`/api/grids/${enc(code)}`, json('PUT', { geometry, version })),
  remove: (code: string, version: number) =>
    authedJSON<{ deleted: string; revision: number; warnings: GridProblem[] }>(`/api/grids/${enc(code)}?version=${version}`, { method: 'DELETE' }),
  split: (code: string, line: LineString, version: number) =>
    authedJSON<{ from: string; pieces: GridFeature[] }>('/api/grids/split', json('POST', { code, line, version })),
  merge: (codes: string[], versions: number[]) =>
    authedJSON<{ grid: GridFeature; merged: string[] }>('/api/grids/merge', json('POST', { codes, versions })),
  history: (code: string, signal?: AbortSignal) => getJSON<{ code: string; revisions: GridRevision[] }>(`/api/grids/${enc(code)}/history`, signal),
  revert: (code: string, revision: number, version?: number) =>
    authedJSON<{ grid: GridFeature; revision: number }>(`/api/grids/${enc(code)}/revert`, json('POST', { revision, ...(version ? { version } : {}) })),
};

const bboxParam = (b: BBox) => b.map((v) => v.toFixed(7)).join(',');

export const api = {
  grids,

  /** Absolute URL of the basemap style (MapLibre resolves tile URLs inside it). */
  styleUrl: (): string => new URL('/style.json', location.href).href,

  health: (signal?: AbortSignal) => getJSON<Health>('/api/health', signal),

  /** One page of a layer within a bbox; follow `next` for more. */
  layer: <L extends LayerName>(layer: L, bbox?: BBox, opts: { limit?: number; signal?: AbortSignal } = {}) => {
    const q = new URLSearchParams();
    if (bbox) q.set('bbox', bboxParam(bbox));
    if (opts.limit) q.set('limit', String(opts.limit));
    return getJSON<LayerPage<L>>(`/api/layers/${layer}${q.size ? `?${q}` : ''}`, opts.signal);
  },

  me: (signal?: AbortSignal) => authedJSON<Me>('/api/me', { signal }),

  /** KPIs and breakdowns of the wall in one answer (api/stats/queries.ts defines every figure). */
  statsWall: (signal?: AbortSignal) => authedJSON<StatsWall>('/api/stats/wall', { signal }),

  /** The compact binary case feed (api/cases-feed/format.ts). */
  casesFeed: async (signal?: AbortSignal) => (await authed('/api/cases-feed', { signal, headers: { accept: 'application/octet-stream' } })).arrayBuffer(),

  caseDetail: (id: string, signal?: AbortSignal) => authedJSON<CaseDetail>(`/api/cases/${encodeURIComponent(id)}`, { signal }),

  caseAction: (id: string, body: Record<string, unknown>) =>
    authedJSON<CaseDetail>(`/api/cases/${encodeURIComponent(id)}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),

  /** Getis–Ord Gi* hotspots (query string of api/analysis/hotspots/params.ts). */
  hotspots: (query: string, signal?: AbortSignal) => authedJSON<HotspotResult>(`/api/analysis/hotspots?${query}`, { signal }),

  /** Emerging hot spots: the same parameters plus `step`. */
  emerging: (query: string, signal?: AbortSignal) => authedJSON<EmergingResult>(`/api/analysis/emerging?${query}`, { signal }),

  /** Repeat-case groups (重复案件) as GeoJSON (query string of api/analysis/repeats/query.ts). */
  repeats: (query: string, signal?: AbortSignal) => authedJSON<RepeatsResponse>(`/api/analysis/repeats?${query}`, { signal }),

  /** Cases and violations per zone and zone level, high-incidence zones and unit grids. */
  zonesAnalysis: (query: string, signal?: AbortSignal) => authedJSON<ZonesResponse>(`/api/analysis/zones?${query}`, { signal }),

  /** One label point per feature of a polygon layer (what the basemap labels), as GeoJSON. */
  labelPoints: (layer: 'zones' | 'grids' | 'districts' | 'work-grids', signal?: AbortSignal) =>
    getJSON<FeatureCollection<Point, { id?: string; code?: string; name?: string; level?: string }>>(`/basemap/labels/${layer}`, signal),

  /** The full feature (all properties, unclipped geometry) with this key, looked up around a point. */
  feature: async <L extends LayerName>(layer: L, key: string, at: [number, number], signal?: AbortSignal) => {
    const d = 1e-5; // ~1 m: the feature contains or touches the clicked point
    const page = await api.layer(layer, [at[0] - d, at[1] - d, at[0] + d, at[1] + d], { signal });
    return page.features.find((f) => String(f.id) === key) ?? null;
  },
};
