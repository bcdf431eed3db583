/**
 * Typed client of the citylens HTTP API. Same origin as the page (the API serves the web app), so paths are
 * relative and nothing ever leaves the server the page came from.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';

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

/** A 4xx/5xx answer of the API, carrying its `{error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}) as Record<string, string>);
    throw new ApiError(res.status, body.error ?? 'http_error', body.message ?? `${res.status} ${res.statusText}`);
  }
  return res.json() as Promise<T>;
}

const bboxParam = (b: BBox) => b.map((v) => v.toFixed(7)).join(',');

export const api = {
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

  /** The full feature (all properties, unclipped geometry) with this key, looked up around a point. */
  feature: async <L extends LayerName>(layer: L, key: string, at: [number, number], signal?: AbortSignal) => {
    const d = 1e-5; // ~1 m: the feature contains or touches the clicked point
    const page = await api.layer(layer, [at[0] - d, at[1] - d, at[0] + d, at[1] + d], { signal });
    return page.features.find((f) => String(f.id) === key) ?? null;
  },
};
