/**
 * JSON shapes of the assessment API the manager view reads (api/assessment/metrics.ts, scores.ts, trend.ts,
 * inputs.ts; definitions of every count in api/domain/assessment/metrics.ts).
 */
import type { Rate } from '../../lib/types.ts';

export type { Rate };

export const BREAKDOWNS = ['department', 'district', 'street', 'grid', 'source'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface PeriodJson {
  label: string;
  kind: 'month' | 'year' | 'range';
  from: string;
  to: string;
}

export interface UnitInfo {
  id: string | null;
  name: string;
  group?: string | null;
  parentId?: string | null;
}

export type CountKey =
  | 'reported' | 'accepted' | 'registered' | 'voided' | 'dueToHandle' | 'handled' | 'handledOnTime' | 'dueToClose' | 'closed'
  | 'closedOnTime' | 'closedLate' | 'unclosed' | 'reworked' | 'redispatched' | 'extended' | 'suspended' | 'repeatCases'
  | 'keyCases' | 'mediaCases' | 'timeWindowCases' | 'zoneProhibited' | 'zoneRestricted' | 'overdueOpen' | 'openAtEnd';
export type RateKey =
  | 'closureRate' | 'onTimeClosureRate' | 'handlingRate' | 'onTimeHandlingRate' | 'reworkRate' | 'extensionRate' | 'repeatRate' | 'redispatchRate';

export type Figures = Record<CountKey, number> & Record<RateKey, Rate>;

export interface MetricsRow {
  unit: UnitInfo;
  current: Figures;
  previous: Figures;
}

export interface MetricsResult {
  period: PeriodJson;
  previous: PeriodJson;
  by: Breakdown;
  rows: MetricsRow[];
  total: { current: Figures; previous: Figures };
  notes: string[];
}

/** A number, or one per assessment group ({"A": 18, "B": 20, "*": 20}). */
export type GroupNumber = number | Record<string, number>;

export interface SchemeSummary {
  id: string;
  name: string;
  source?: string;
  by: 'department' | 'district' | 'street' | 'grid';
  annual: 'recompute' | 'mean-of-months';
  ranking: { within: 'group' | 'all'; minCases: number; caseMetric: CountKey };
  groups: Record<string, string>;
  items: { id: string; name: string; type: 'rate' | 'deduction' | 'workload' | 'manual'; effect?: 'score' | 'deduct' | 'bonus'; max: GroupNumber }[];
  notes: string[];
}

export interface SchemesResult {
  default: string;
  schemes: SchemeSummary[];
}

// The scoring shapes are the domain's own (api/domain/assessment/score.ts), imported as types only.
export type { ItemDetail, ItemScore, PenaltyPart, UnitScore } from '../../../../api/domain/assessment/score.ts';
import type { UnitScore } from '../../../../api/domain/assessment/score.ts';

export interface ScoresResult {
  period: PeriodJson;
  scheme: SchemeSummary;
  months?: string[];
  units: UnitScore[];
}

export interface TrendPoint {
  dueToClose: number;
  closed: number;
  closedOnTime: number;
  closureRate: Rate;
  onTimeClosureRate: Rate;
}

export interface TrendResult {
  by: Breakdown;
  months: PeriodJson[];
  total: TrendPoint[];
  rows: { unit: UnitInfo; points: TrendPoint[] }[];
}

export interface AuditRow {
  id: number;
  unit: string;
  item: string;
  before: number | null;
  after: number | null;
  note: string | null;
  actor: string;
  role: string;
  at: string;
}

export interface InputsResult {
  scheme: string;
  period: string;
  inputs: { unit: string; item: string; value: number; note: string | null; by?: string; at?: string }[];
  audit: AuditRow[];
}
