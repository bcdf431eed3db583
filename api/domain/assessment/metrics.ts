/**
 * Assessment metrics (考核指标): the counts one period owns per unit, and the rates built from them.
 * Pure: the SQL that counts is api/assessment/sql.ts; these are the names, the arithmetic and the definitions.
 *
 * Period P = [from, to), read as of `to`. A case counts in P only through timestamps before `to`, so a past
 * month gives the same numbers whenever it is recomputed — except that the cases table keeps one current
 * deadline, last handling time and counters, so an extension, a rework or a suspension made after `to` is seen
 * (the bulletin is drawn up in the first days of the next month; see the README for the exact caveats).
 *
 * Which period owns a case (归属). Every registered case that is not voided by `to` is *due* in exactly one
 * period, so monthly 应结案数 add up to the year's and no case is lost between months:
 *  - an ordinary case is due to be closed in the period holding min(deadline, closed_at): the period its deadline
 *    falls in, or the earlier one it was closed in. A case registered on the 31st with a two-day limit is due next
 *    month (so 应结案数 may exceed or fall short of 立案数, as in seed 000 附件1 and seed 001); one closed before its
 *    deadline is done with in the period it was closed in; one past its deadline and still open stays due — and
 *    unclosed — in the period of its deadline.
 *  - 应处置 likewise with min(deadline, handled_at, closed_at).
 *  - a *spanning* case (延期 extended, or 挂账 suspended at any time) follows seed 004 第十一条: it is due
 *    (应处置/应结案) in the period it was registered in, and counts as handled/closed (处置数/结案数) in the
 *    period it was handled/closed in, whichever that is. Its deadline is the extended one (DESIGN §5.1).
 * Flow counts by action time: 上报/受理/立案/作废 in the period of reported_at/accepted_at/registered_at/voided_at.
 * Registration cohort (cases registered in P and not voided by `to`): 重点, 媒体曝光, 时段, 市容秩序等级区域 and
 * 重复案件 — the cases the bulletin lists as reasons for deductions.
 */

/** Every count of a unit and period, in the order tables print them. */
export const COUNT_METRICS = [
  'reported', // 上报数: reported_at ∈ P (voided reports included: every report counts)
  'accepted', // 受理数: accepted_at ∈ P
  'registered', // 立案数: registered_at ∈ P, not voided by `to`
  'voided', // 作废数: voided_at ∈ P
  'dueToHandle', // 应处置数: see the ownership rule above
  'handled', // 处置数: ordinary cases due in P and handled before `to`, plus spanning cases handled in P
  'handledOnTime', // 按期处置数: handled cases whose handling was no later than the deadline
  'dueToClose', // 应结案数: see the ownership rule above
  'closed', // 结案数: ordinary cases due in P and closed before `to`, plus spanning cases closed in P
  'closedOnTime', // 按期结案数: closed cases closed no later than their deadline
  'closedLate', // 超期结案数: closed − closedOnTime
  'unclosed', // 应结未结数: cases due in P (ordinary or spanning) not closed by `to`
  'reworked', // 返工数: cases due to close in P that were sent back at least once (rework_count > 0)
  'redispatched', // 二次派遣数: cases due to handle in P redispatched or returned at least once
  'extended', // 延期数: cases due to handle in P with an extension (all registered in P, by 第十一条)
  'suspended', // 挂账数: cases due to handle in P that were suspended at some time
  'repeatCases', // 重复案件数: registration cohort with cases.is_repeat (the repeats engine, DESIGN §5.2)
  'keyCases', // 重点案件数: registration cohort with is_key
  'mediaCases', // 媒体曝光数: registration cohort with source = media
  'timeWindowCases', // 时段案件数: registration cohort reported inside a configured time window (geodata/assessment.json)
  'zoneProhibited', // 严禁区违规数: registration cohort with zone_violation = prohibited
  'zoneRestricted', // 限制管理区违规数: registration cohort with zone_violation = restricted
  'overdueOpen', // 超期未结案数 (stock at `to`): registered before `to`, neither closed nor voided by then, deadline
  //                 before `to`, not suspended at `to` (a paused clock is not overdue) — whatever period owns it
  'openAtEnd', // 累计未结案数 (stock at `to`): registered before `to`, neither closed nor voided by then
] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];

export type Counts = Record<CountMetric, number>;

/** Each rate's numerator and denominator (DESIGN §5.5; seed 004 附件2 and 第七–九条). */
export const RATE_METRICS = {
  closureRate: ['closed', 'dueToClose'], // 结案率 = 结案数 / 应结案数
  onTimeClosureRate: ['closedOnTime', 'dueToClose'], // 按期结案率 = 按期结案数 / 应结案数
  handlingRate: ['handled', 'dueToHandle'], // 处置率 = 处置数 / 应处置数
  onTimeHandlingRate: ['handledOnTime', 'dueToHandle'], // 按期处置率 = 按期处置数 / 应处置数
  reworkRate: ['reworked', 'dueToClose'], // 返工率 = 返工数 / 应结案数
  extensionRate: ['extended', 'dueToHandle'], // 延期率 = 延期数 / 应处置数
  repeatRate: ['repeatCases', 'dueToHandle'], // 重复案件率 = 重复案件数 / 应处置数
  redispatchRate: ['redispatched', 'dueToHandle'], // 二次派遣率 = 二次派遣数 / 应处置数
} as const satisfies Record<string, readonly [CountMetric, CountMetric]>;
export type RateMetric = keyof typeof RATE_METRICS;

export interface Rate {
  /** numerator / denominator as a fraction (0.5758 = 57.58 %); null when the denominator is 0 */
  value: number | null;
  numerator: number;
  denominator: number;
}

export type Figures = Counts & Record<RateMetric, Rate>;

export const isCountMetric = (s: string): s is CountMetric => (COUNT_METRICS as readonly string[]).includes(s);
export const isRateMetric = (s: string): s is RateMetric => Object.hasOwn(RATE_METRICS, s);

export function rate(numerator: number, denominator: number): Rate {
  return { value: denominator ? numerator / denominator : null, numerator, denominator };
}

export function emptyCounts(): Counts {
  return Object.fromEntries(COUNT_METRICS.map((k) => [k, 0])) as Counts;
}

/** Counts plus every rate. */
export function figures(counts: Counts): Figures {
  const out = { ...counts } as Figures;
  for (const [name, [n, d]] of Object.entries(RATE_METRICS) as [RateMetric, readonly [CountMetric, CountMetric]][]) {
    out[name] = rate(counts[n], counts[d]);
  }
  return out;
}

/** Sum of counts (every case belongs to one unit of a breakdown, so the total is the sum of the rows). */
export function sumCounts(list: Counts[]): Counts {
  const out = emptyCounts();
  for (const c of list) for (const k of COUNT_METRICS) out[k] += c[k];
  return out;
}

/** "57.58%" — two decimals, half away from zero, as the bulletins print; "—" without a denominator. */
export function percent(r: Rate | number | null, digits = 2): string {
  const v = typeof r === 'number' || r === null ? r : r.value;
  if (v === null || !Number.isFinite(v)) return '—';
  return `${round(v * 100, digits).toFixed(digits)}%`;
}

/** Decimal rounding half away from zero that survives binary fractions (1.005 → 1.01). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  const y = Math.abs(x) * f;
  const r = Math.round(Number(y.toPrecision(12)));
  return (Math.sign(x) * r) / f || 0;
}
