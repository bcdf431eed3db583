/**
 * Zone analysis (DESIGN.md §5.3, issue 5 item 3): which zone a recorded violation belongs to, and the high-incidence
 * flag (高发) of zones and unit grids. Pure; the violation rule itself is api/domain/zones.ts (used at intake).
 */
import { zoneViolation, type ZoneAtPoint, type ZoneViolationLevel } from './zones.ts';

export interface HighIncidenceRule {
  /** share of all zones / grids counted as the top (0.05 = top 5 %) */
  topShare: number;
  /** a count from which an area is high-incidence whatever its rank; null = rank only */
  minCount: number | null;
}

export interface ZonesAnalysisConfig {
  highIncidence: HighIncidenceRule;
  maxRangeDays: number;
  /** local time of zone windows (allowed hours of restricted zones) */
  utcOffsetMinutes: number;
}

export const DEFAULT_ZONES_ANALYSIS_CONFIG: ZonesAnalysisConfig = { highIncidence: { topShare: 0.05, minCount: 30 }, maxRangeDays: 366, utcOffsetMinutes: 480 };

export class ZonesAnalysisConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Validates geodata/zones-analysis.json; throws naming the field. */
export function parseZonesAnalysisConfig(json: unknown): ZonesAnalysisConfig {
  const d = DEFAULT_ZONES_ANALYSIS_CONFIG;
  const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!obj(json)) throw new ZonesAnalysisConfigError('$', 'must be a JSON object');
  for (const k of Object.keys(json)) if (!['highIncidence', 'maxRangeDays', 'utcOffset'].includes(k)) throw new ZonesAnalysisConfigError(k, 'unknown setting (allowed: highIncidence, maxRangeDays, utcOffset)');
  let highIncidence = d.highIncidence;
  if (json.highIncidence !== undefined) {
    const h = json.highIncidence;
    if (!obj(h)) throw new ZonesAnalysisConfigError('highIncidence', 'must be an object {topShare, minCount}');
    for (const k of Object.keys(h)) if (k !== 'topShare' && k !== 'minCount') throw new ZonesAnalysisConfigError(`highIncidence.${k}`, 'unknown setting (allowed: topShare, minCount)');
    const topShare = h.topShare ?? d.highIncidence.topShare;
    if (typeof topShare !== 'number' || !(topShare > 0 && topShare <= 1)) throw new ZonesAnalysisConfigError('highIncidence.topShare', `must be a share in (0, 1], got ${JSON.stringify(h.topShare)}`);
    const minCount = h.minCount === undefined ? d.highIncidence.minCount : h.minCount;
    if (minCount !== null && (typeof minCount !== 'number' || !Number.isInteger(minCount) || minCount < 1)) {
      throw new ZonesAnalysisConfigError('highIncidence.minCount', `must be a positive integer or null, got ${JSON.stringify(h.minCount)}`);
    }
    highIncidence = { topShare, minCount };
  }
  const maxRangeDays = json.maxRangeDays ?? d.maxRangeDays;
  if (typeof maxRangeDays !== 'number' || !Number.isInteger(maxRangeDays) || maxRangeDays < 1 || maxRangeDays > 3660) {
    throw new ZonesAnalysisConfigError('maxRangeDays', `must be an integer number of days in [1, 3660], got ${JSON.stringify(json.maxRangeDays)}`);
  }
  let utcOffsetMinutes = d.utcOffsetMinutes;
  if (json.utcOffset !== undefined) {
    const m = typeof json.utcOffset === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(json.utcOffset) : null;
    if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) throw new ZonesAnalysisConfigError('utcOffset', `expected "+HH:MM", got ${JSON.stringify(json.utcOffset)}`);
    utcOffsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }
  return { highIncidence, maxRangeDays, utcOffsetMinutes };
}

export interface Ranked {
  /** 1 + the number of areas with a strictly higher count (ties share a rank) */
  rank: number;
  highIncidence: boolean;
}

/**
 * High-incidence flags for `counts`, out of a population of `population` areas (areas missing from `counts` have 0):
 * an area with at least one case is high-incidence when its rank is within the top ⌈topShare × population⌉ or its
 * count reaches minCount. Ties at the cut are all in, so more than the share may be flagged.
 */
export function rankHighIncidence(counts: readonly number[], population: number, rule: HighIncidenceRule): { ranked: Ranked[]; topN: number } {
  const topN = Math.max(1, Math.ceil(rule.topShare * Math.max(population, counts.length)));
  const sorted = [...counts].sort((a, b) => b - a);
  // rank of a count = 1 + how many are strictly higher = 1 + index of its first occurrence in the sorted list
  const firstIndex = new Map<number, number>();
  sorted.forEach((c, i) => {
    if (!firstIndex.has(c)) firstIndex.set(c, i);
  });
  const ranked = counts.map((c) => {
    const rank = firstIndex.get(c)! + 1;
    return { rank, highIncidence: c > 0 && (rank <= topN || (rule.minCount !== null && c >= rule.minCount)) };
  });
  return { ranked, topN };
}

/**
 * The zone a recorded violation is counted against: the zone intake marked (`violation: true` in the case's zones);
 * for cases without the mark (imports), the one the intake rule names (zoneViolation with the zones' current windows
 * and governed categories); when zones were edited since and the rule no longer agrees with the recorded level, the
 * first zone (by id) of that level governing the category, else of that level. Null when the case records no zone
 * of that level.
 */
export function violatedZone(zones: readonly (ZoneAtPoint & { violation?: boolean })[], minorKey: string, at: Date, utcOffsetMinutes: number, recorded: ZoneViolationLevel): string | null {
  const marked = zones.find((z) => z.violation === true && z.level === recorded);
  if (marked) return marked.id;
  const v = zoneViolation(zones, minorKey, at, utcOffsetMinutes);
  if (v && v.level === recorded) return v.zoneId;
  const ofLevel = zones.filter((z) => z.level === recorded).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (ofLevel.find((z) => z.governedMinors.includes(minorKey)) ?? ofLevel[0])?.id ?? null;
}
