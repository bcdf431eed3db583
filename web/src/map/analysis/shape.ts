/**
 * The analysis overlays' pure part: the period asked for, circle sizes, and the GeoJSON the MapLibre layers draw
 * (repeat groups from GET /api/analysis/repeats, zone labels joined with GET /api/analysis/zones).
 */
import type { Feature, FeatureCollection, Point } from 'geojson';
import type { RepeatsResponse } from '../../../../api/analysis/repeats/batch.ts';
import type { ZonesResponse } from '../../../../api/analysis/zones/analysis.ts';
import { rangeBounds, type CaseFilters } from '../cases/filter.ts';

export type { RepeatsResponse, ZonesResponse };

const DAY = 86400;
const CST = 8 * 3600;
/** The analyses refuse longer periods (maxRangeDays of geodata/repeats.json and zones-analysis.json). */
export const MAX_DAYS = 366;

/**
 * [from, to) of the case filter's time range as ISO instants: an open end is the next local midnight (a stable
 * query through the day), an open or too early start is cut to the analyses' longest period.
 */
export function analysisRange(f: Pick<CaseFilters, 'range' | 'from' | 'to'>, now: number): { from: string; to: string } {
  const [t0, t1] = rangeBounds(f, now);
  const tomorrow = Math.floor((now / 1000 + CST) / DAY) * DAY - CST + DAY;
  const to = Number.isFinite(t1) ? t1 : tomorrow;
  const from = Math.max(t0, to - MAX_DAYS * DAY);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return { from: iso(Math.min(from, to - 1)), to: iso(to) };
}

/** Circle radius in px: grows with the square root of the size (area ∝ cases), from 7 px (2 cases) to 26 px. */
export function repeatRadius(size: number): number {
  const r = 7 * Math.sqrt(Math.max(size, 2) / 2);
  return Math.round(Math.min(r, 26) * 10) / 10;
}

export interface RepeatCircleProps {
  id: string;
  size: number;
  threshold: number;
  reached: boolean;
  minor: string;
  roadClass: string;
  radius: number;
  /** Member case ids joined by commas (MapLibre flattens nested properties of queried features). */
  members: string;
}

/** One circle per group; reached groups last so they are drawn over the ones still below their threshold. */
export function repeatCircles(res: Pick<RepeatsResponse, 'features'>): FeatureCollection<Point, RepeatCircleProps> {
  const features = res.features.map((f): Feature<Point, RepeatCircleProps> => {
    const p = f.properties;
    return {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: f.geometry.coordinates },
      properties: { id: p.id, size: p.size, threshold: p.threshold, reached: p.reached, minor: `${p.kind}:${p.minor}`, roadClass: p.roadClass, radius: repeatRadius(p.size), members: p.members.join(',') },
    };
  });
  features.sort((a, b) => Number(a.properties.reached) - Number(b.properties.reached) || a.properties.size - b.properties.size);
  return { type: 'FeatureCollection', features };
}

export interface ZoneLabelProps {
  id: string;
  name: string;
  level: string;
  violations: number;
  cases: number;
  highIncidence: boolean;
  /** What the map writes: name, then the period's cases and violations (high incidence goes by cases). */
  label: string;
}

/** The basemap's label point of each zone with the period's figures; zones without a point are left out. */
export function zoneLabels(points: FeatureCollection<Point, { id?: string; name?: string; level?: string }>, res: Pick<ZonesResponse, 'zones'>): FeatureCollection<Point, ZoneLabelProps> {
  const byId = new Map(res.zones.map((z) => [z.id, z]));
  const features: Feature<Point, ZoneLabelProps>[] = [];
  for (const pt of points.features) {
    const id = String(pt.properties?.id);
    const z = byId.get(id);
    const name = pt.properties?.name ?? z?.name ?? id;
    const violations = z?.violations ?? 0;
    const high = z?.highIncidence ?? false;
    features.push({
      type: 'Feature',
      geometry: pt.geometry,
      properties: {
        id,
        name,
        level: z?.level ?? pt.properties?.level ?? '',
        violations,
        cases: z?.cases ?? 0,
        highIncidence: high,
        label: `${name}\n案件 ${z?.cases ?? 0} · 违规 ${violations}${high ? ' · 高发' : ''}`,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Codes of the high-incidence unit grids. */
export const hotGridCodes = (res: Pick<ZonesResponse, 'grids'>): string[] => res.grids.highIncidence.map((g) => g.code);
