/**
 * Scheme evaluation: item scores, composite score (综合得分) and rank within group for each unit of a period.
 * Pure: metrics and manual inputs come in, scores go out.
 *
 * Each item contributes a signed number of points, rounded to `total.digits` decimals as the bulletins print
 * them; the composite is base + the sum of those rounded contributions — so the printed item scores add up to the
 * printed composite exactly (seed 000 附件2) — clamped to [floor, cap], then × multiplier (衡阳: ×10 % or ×20 %)
 * and rounded again.
 */
import { RATE_METRICS, round, type CountMetric, type Figures, type Rate } from './metrics.ts';
import { forGroup, rateNumerator, type RateRef, type Scheme, type SchemeItem } from './scheme.ts';

export interface ScoreUnit {
  id: string;
  name: string;
  /** assessment group (A组/B组 …), null when the unit has none */
  group: string | null;
  figures: Figures;
}

export interface ManualInput {
  value: number;
  note?: string | null;
  by?: string;
  at?: string;
}

/** Manual inputs of one scheme and period: unit id → item id → input. */
export type ManualInputs = Map<string, Map<string, ManualInput>>;

export interface PenaltyPart {
  /** the count behind this part (repeatCases, keyCases …): the bulletin's reason */
  metric: CountMetric;
  count: number;
  /** for a rate-based part, the rate it was taken at */
  rate?: Rate;
  /** points as the rule gives them, before the item's cap and floor */
  points: number;
  /** points actually taken off (parts shrink in proportion when the item hits its cap or floor) */
  deducted: number;
}

export type ItemDetail =
  | { type: 'rate'; rate: Rate; weight: number; complement: boolean }
  | { type: 'deduction'; max: number; floor: number; penalty: number; parts: PenaltyPart[] }
  | { type: 'workload'; count: number; largest: number; weight: number }
  | { type: 'manual'; effect: 'score' | 'deduct' | 'bonus'; entered: boolean; value: number; note: string | null; by: string | null; at: string | null };

export interface ItemScore {
  id: string;
  name: string;
  /** signed contribution to the composite, rounded (a deduction-only item or a manual deduction is negative) */
  score: number;
  /** the item's maximum for this unit's group (its 满分; 0 for pure deductions) */
  max: number;
  detail: ItemDetail;
}

export interface UnitScore {
  unit: { id: string; name: string; group: string | null };
  items: ItemScore[];
  /** base + Σ item scores, before clamping and multiplier */
  sum: number;
  total: number;
  cases: number;
  rank: number | null;
  ranked: boolean;
  /** why not ranked (Chinese, printable), null when ranked */
  reason: string | null;
}

function rateOf(ref: RateRef, f: Figures): { rate: Rate; complement: boolean } {
  const r: Rate = 'metric' in ref
    ? f[ref.metric]
    : { numerator: f[ref.numerator], denominator: f[ref.denominator], value: f[ref.denominator] ? f[ref.numerator] / f[ref.denominator] : null };
  return { rate: r, complement: !!ref.complement };
}

/** The rate's value to apply (complement already taken), or null without a denominator. */
const applied = (r: { rate: Rate; complement: boolean }): number | null => (r.rate.value === null ? null : r.complement ? 1 - r.rate.value : r.rate.value);

function evaluate(item: SchemeItem, u: ScoreUnit, all: ScoreUnit[], inputs: Map<string, ManualInput> | undefined, digits: number): ItemScore {
  const g = u.group;
  switch (item.type) {
    case 'rate': {
      const weight = forGroup(item.weight, g);
      const r = rateOf(item.rate, u.figures);
      const v = applied(r);
      // 第十一条 can credit more closures than were due in a month: a rate over 100 % earns no more than the weight
      const score = v === null ? (item.whenNoCases === 'full' ? weight : 0) : weight * Math.min(1, Math.max(0, v));
      return { id: item.id, name: item.name, score: round(score, digits), max: weight, detail: { type: 'rate', rate: r.rate, weight, complement: r.complement } };
    }
    case 'deduction': {
      const max = forGroup(item.max, g);
      const parts: PenaltyPart[] = [
        ...item.perCase.map((p) => ({ metric: p.metric, count: u.figures[p.metric], points: forGroup(p.points, g) * u.figures[p.metric], deducted: 0 })),
        ...item.perRate.map((p) => {
          const r = rateOf(p.rate, u.figures);
          const v = Math.max(0, applied(r) ?? 0); // no cases due → nothing to deduct
          return { metric: rateNumerator(p.rate), count: r.complement ? r.rate.denominator - r.rate.numerator : r.rate.numerator, rate: r.rate, points: forGroup(p.points, g) * v, deducted: 0 };
        }),
      ];
      const raw = parts.reduce((s, p) => s + p.points, 0);
      const allowed = Math.max(0, Math.min(item.maxDeduction ?? Infinity, max - item.floor));
      const penalty = Math.min(raw, allowed);
      for (const p of parts) p.deducted = raw ? (p.points * penalty) / raw : 0;
      const score = round(max - penalty, digits);
      return { id: item.id, name: item.name, score, max, detail: { type: 'deduction', max, floor: item.floor, penalty: round(max - score, digits), parts } };
    }
    case 'workload': {
      const weight = forGroup(item.weight, g);
      const peers = item.scope === 'group' ? all.filter((x) => x.group === g) : all;
      const largest = Math.max(0, ...peers.map((x) => x.figures[item.metric]));
      const count = u.figures[item.metric];
      const score = largest ? (weight * count) / largest : 0;
      return { id: item.id, name: item.name, score: round(score, digits), max: weight, detail: { type: 'workload', count, largest, weight } };
    }
    case 'manual': {
      const max = forGroup(item.max, g);
      const input = inputs?.get(item.id);
      const value = input ? input.value : forGroup(item.default, g);
      const sign = item.effect === 'deduct' ? -1 : 1;
      return {
        id: item.id,
        name: item.name,
        score: round(sign * value, digits),
        max: item.effect === 'deduct' ? 0 : max,
        detail: { type: 'manual', effect: item.effect, entered: !!input, value, note: input?.note ?? null, by: input?.by ?? null, at: input?.at ?? null },
      };
    }
  }
}

/** Competition ranking (1, 2, 2, 4) by total, descending, within each group (or all). */
function rank(scores: UnitScore[], scheme: Scheme): void {
  const buckets = new Map<string, UnitScore[]>();
  for (const s of scores) {
    if (scheme.ranking.within === 'group' && s.unit.group === null) {
      s.reason = '未分组，不参加排名';
      continue;
    }
    if (s.cases < scheme.ranking.minCases) {
      s.reason = `${metricLabel(scheme.ranking.caseMetric)}${s.cases}件（${scheme.ranking.minCases - 1}件及以下）不参加排名`;
      continue;
    }
    const key = scheme.ranking.within === 'group' ? (s.unit.group as string) : '*';
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key)!.push(s);
  }
  for (const list of buckets.values()) {
    list.sort((a, b) => b.total - a.total);
    list.forEach((s, i) => {
      s.rank = i > 0 && list[i - 1].total === s.total ? list[i - 1].rank : i + 1;
      s.ranked = true;
    });
  }
}

const LABELS: Partial<Record<CountMetric, string>> = { registered: '立案数', dueToClose: '应结案数', dueToHandle: '应处置数', reported: '上报数', closed: '结案数' };
const metricLabel = (m: CountMetric) => LABELS[m] ?? m;

function composite(scheme: Scheme, group: string | null, items: ItemScore[]): { sum: number; total: number } {
  const d = scheme.total.digits;
  const sum = round(scheme.total.base + items.reduce((s, i) => s + i.score, 0), d);
  let t = sum;
  if (scheme.total.floor !== null) t = Math.max(scheme.total.floor, t);
  if (scheme.total.cap !== null) t = Math.min(scheme.total.cap, t);
  return { sum, total: round(t * forGroup(scheme.total.multiplier, group), d) };
}

/** Scores and ranks every unit of one period. */
export function scoreUnits(scheme: Scheme, units: ScoreUnit[], inputs: ManualInputs = new Map()): UnitScore[] {
  const out = units.map((u): UnitScore => {
    const items = scheme.items.map((it) => evaluate(it, u, units, inputs.get(u.id), scheme.total.digits));
    const { sum, total } = composite(scheme, u.group, items);
    return { unit: { id: u.id, name: u.name, group: u.group }, items, sum, total, cases: u.figures[scheme.ranking.caseMetric], rank: null, ranked: false, reason: null };
  });
  rank(out, scheme);
  return out;
}

/**
 * Yearly score as the mean of monthly ones (衡阳: 年度成绩 = 各月月度成绩累加 ÷ 12): each item's score and the
 * composite averaged over the months given (a unit missing from a month scores as it would with no cases, so
 * callers pass every month), then ranked on the mean. `cases` is the year's count of the ranking metric.
 */
export function meanOfMonths(scheme: Scheme, months: UnitScore[][], yearCases: Map<string, number>): UnitScore[] {
  const d = scheme.total.digits;
  const n = months.length;
  const ids = new Map<string, UnitScore>();
  for (const m of months) for (const s of m) if (!ids.has(s.unit.id)) ids.set(s.unit.id, s);
  const out = [...ids.values()].map((first): UnitScore => {
    const per = months.map((m) => m.find((s) => s.unit.id === first.unit.id));
    const items = first.items.map((it, k): ItemScore => {
      const scores = per.map((s) => s?.items[k].score ?? 0);
      return { ...it, score: round(scores.reduce((a, b) => a + b, 0) / n, d), detail: it.detail };
    });
    const mean = (f: (s: UnitScore) => number) => round(per.reduce((a, s) => a + (s ? f(s) : 0), 0) / n, d);
    return { unit: first.unit, items, sum: mean((s) => s.sum), total: mean((s) => s.total), cases: yearCases.get(first.unit.id) ?? 0, rank: null, ranked: false, reason: null };
  });
  rank(out, scheme);
  return out;
}

/** Count metrics a scheme reads (so callers can tell what a deduction is for). */
export function schemeMetrics(scheme: Scheme): CountMetric[] {
  const set = new Set<CountMetric>([scheme.ranking.caseMetric]);
  for (const it of scheme.items) {
    if (it.type === 'rate') for (const m of refCounts(it.rate)) set.add(m);
    if (it.type === 'workload') set.add(it.metric);
    if (it.type === 'deduction') {
      for (const p of it.perCase) set.add(p.metric);
      for (const p of it.perRate) for (const m of refCounts(p.rate)) set.add(m);
    }
  }
  return [...set];
}

const refCounts = (r: RateRef): CountMetric[] => ('numerator' in r ? [r.numerator, r.denominator] : [...RATE_METRICS[r.metric]]);
