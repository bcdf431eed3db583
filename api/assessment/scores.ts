/**
 * GET /api/assessment/scores: a scheme applied to a period's metrics and manual inputs. A year under a
 * `mean-of-months` scheme (衡阳) is the mean of its monthly scores, each month with its own inputs.
 */
import { emptyCounts, figures, type Counts, type Figures } from '../domain/assessment/metrics.ts';
import { monthsOf, type AssessmentPeriod } from '../domain/assessment/period.ts';
import { meanOfMonths, scoreUnits, type ScoreUnit, type UnitScore } from '../domain/assessment/score.ts';
import { forGroup, type Scheme, type SchemeItem } from '../domain/assessment/scheme.ts';
import { readInputs } from './inputs.ts';
import { periodJson, type AssessmentData, type PeriodJson, type UnitInfo } from './metrics.ts';

export interface ScoresResult {
  period: PeriodJson;
  scheme: SchemeSummary;
  /** for a mean of months: the months averaged */
  months?: string[];
  units: (UnitScore & { figures?: Figures })[];
}

export interface SchemeSummary {
  id: string;
  name: string;
  source?: string;
  by: Scheme['by'];
  annual: Scheme['annual'];
  ranking: Scheme['ranking'];
  groups: Record<string, string>;
  items: { id: string; name: string; type: SchemeItem['type']; effect?: string; max: Record<string, number> | number }[];
  notes: string[];
}

export function schemeSummary(s: Scheme): SchemeSummary {
  return {
    id: s.id, name: s.name, ...(s.source ? { source: s.source } : {}), by: s.by, annual: s.annual, ranking: s.ranking, groups: s.groups.labels,
    items: s.items.map((it) => ({
      id: it.id, name: it.name, type: it.type, ...(it.type === 'manual' ? { effect: it.effect } : {}),
      max: it.type === 'rate' || it.type === 'workload' ? it.weight : it.type === 'deduction' || it.type === 'manual' ? it.max : 0,
    })),
    notes: s.notes,
  };
}

/** The item's maximum for a group, for table headers ("20分"). */
export function itemMax(it: SchemeItem, group: string | null): number {
  if (it.type === 'rate' || it.type === 'workload') return forGroup(it.weight, group);
  if (it.type === 'manual') return it.effect === 'deduct' ? 0 : forGroup(it.max, group);
  return forGroup(it.max, group);
}

/** Units of a period with their figures and groups (cases without a unit are not scored). */
export async function scoreInputs(data: AssessmentData, scheme: Scheme, period: AssessmentPeriod, known?: Map<string | null, Counts>): Promise<{ units: ScoreUnit[]; info: Map<string, UnitInfo> }> {
  const [counts, cat] = await Promise.all([known ?? data.count(period, scheme.by), data.catalog(scheme.by)]);
  const ids = new Set<string>([...cat.units.keys(), ...[...counts.keys()].filter((k): k is string => k !== null)]);
  const units = [...ids].sort().map((id): ScoreUnit => {
    const info = cat.units.get(id);
    const c = counts.get(id);
    return { id, name: info?.name ?? id, group: scheme.groups.map[id] ?? info?.group ?? null, figures: figures(c ?? emptyCounts()) };
  });
  return { units, info: cat.units };
}

/** `known`: the period's counts by the scheme's unit, when the caller has them already (the bulletin). */
export async function computeScores(data: AssessmentData, scheme: Scheme, period: AssessmentPeriod, now = new Date(), known?: Map<string | null, Counts>): Promise<ScoresResult> {
  if (scheme.annual === 'mean-of-months' && period.kind === 'year') {
    // months begun by now (a past year: all twelve, ÷ 12 as 衡阳 prescribes)
    const months = monthsOf(period, data.settings.utcOffset).filter((m) => m.from < now);
    const inputs = await readInputs(data.pool, scheme.id, months.map((m) => m.label));
    // side by side on a real server's pool; PGlite queues them on its one connection
    const monthly = await Promise.all(months.map(async (m) => scoreUnits(scheme, (await scoreInputs(data, scheme, m)).units, inputs.get(m.label))));
    const year = await scoreInputs(data, scheme, period);
    const cases = new Map(year.units.map((u) => [u.id, u.figures[scheme.ranking.caseMetric]]));
    return { period: periodJson(period), scheme: schemeSummary(scheme), months: months.map((m) => m.label), units: sortScores(meanOfMonths(scheme, monthly, cases)) };
  }
  const [{ units }, inputs] = await Promise.all([scoreInputs(data, scheme, period, known), readInputs(data.pool, scheme.id, [period.label])]);
  const scores = scoreUnits(scheme, units, inputs.get(period.label));
  const byId = new Map(units.map((u) => [u.id, u.figures]));
  return { period: periodJson(period), scheme: schemeSummary(scheme), units: sortScores(scores).map((s) => ({ ...s, figures: byId.get(s.unit.id) })) };
}

/** Group, then ranked by rank, then the unranked by total. */
export function sortScores<T extends UnitScore>(list: T[]): T[] {
  return [...list].sort((a, b) => {
    const ga = a.unit.group ?? '\uffff';
    const gb = b.unit.group ?? '\uffff';
    if (ga !== gb) return ga < gb ? -1 : 1;
    if (a.ranked !== b.ranked) return a.ranked ? -1 : 1;
    if (a.ranked && b.ranked && a.rank !== b.rank) return a.rank! - b.rank!;
    return b.total - a.total || (a.unit.id < b.unit.id ? -1 : 1);
  });
}
