/**
 * Scoring schemes (考核方案) as data: geodata/schemes/*.json, format in geodata/schemes/README.md.
 * `parseScheme` validates one file's JSON and throws a SchemeError naming the file and the field.
 * Pure: no I/O.
 */
import { isCountMetric, isRateMetric, RATE_METRICS, type CountMetric, type RateMetric } from './metrics.ts';

export const SCHEME_UNITS = ['department', 'district', 'street', 'grid'] as const;
export type SchemeUnit = (typeof SCHEME_UNITS)[number];

/** A number, or one per assessment group with an optional fallback: {"A": 18, "B": 20, "*": 20}. */
export type GroupNumber = number | Record<string, number>;

/** A rate named in metrics.ts, or any count over another; `complement` uses 1 − rate (完好率 = 1 − 返工率). */
export type RateRef = { metric: RateMetric; complement?: boolean } | { numerator: CountMetric; denominator: CountMetric; complement?: boolean };

export interface PerCase {
  metric: CountMetric;
  points: GroupNumber; // deducted per case
}
export interface PerRate {
  rate: RateRef;
  points: GroupNumber; // deducted at a rate of 100 % (penalty = points × rate)
}

interface ItemBase {
  id: string;
  name: string;
}
/** Earns weight × rate (按期结案率 × 60). */
export interface RateItem extends ItemBase {
  type: 'rate';
  rate: RateRef;
  weight: GroupNumber;
  /** with a zero denominator (nothing due): full marks or none; default full */
  whenNoCases: 'full' | 'zero';
}
/** Starts at max, loses Σ perCase + Σ perRate (capped at maxDeduction), never below floor. */
export interface DeductionItem extends ItemBase {
  type: 'deduction';
  max: GroupNumber;
  floor: number;
  maxDeduction?: number;
  perCase: PerCase[];
  perRate: PerRate[];
}
/** weight × count / the largest count among units in scope (工作量比率). */
export interface WorkloadItem extends ItemBase {
  type: 'workload';
  metric: CountMetric;
  weight: GroupNumber;
  scope: 'all' | 'group';
}
/** Entered by a manager per unit and period (PUT /api/assessment/inputs): a score, a deduction or a bonus. */
export interface ManualItem extends ItemBase {
  type: 'manual';
  effect: 'score' | 'deduct' | 'bonus';
  /** the largest value that may be entered (the item's maximum, the deduction's or bonus's cap) */
  max: GroupNumber;
  min: number;
  /** used while nothing is entered (flagged as such in the answer) */
  default: GroupNumber;
}
export type SchemeItem = RateItem | DeductionItem | WorkloadItem | ManualItem;

export interface Scheme {
  id: string;
  name: string;
  /** where it comes from (seed, document) */
  source?: string;
  description?: string;
  by: SchemeUnit;
  /** assessment group of a unit: departments.assessment_group, or listed here (unit id → group) */
  groups: { labels: Record<string, string>; map: Record<string, string> };
  ranking: {
    within: 'group' | 'all';
    /** fewer cases than this → not ranked (seed 000: 立案数 ≤ 6 不参加排名 → 7) */
    minCases: number;
    caseMetric: CountMetric;
  };
  total: { base: number; floor: number | null; cap: number | null; multiplier: GroupNumber; digits: number };
  /** yearly score: metrics of the whole year, or the mean of the twelve monthly scores (衡阳: ÷ 12) */
  annual: 'recompute' | 'mean-of-months';
  items: SchemeItem[];
  notes: string[];
}

export class SchemeError extends Error {
  constructor(readonly file: string, readonly field: string, message: string) {
    super(`${file}: ${field} ${message}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ID = /^[a-z0-9][a-z0-9-]*$/;

/** Validates one scheme file's JSON. `file` names it in errors (e.g. geodata/schemes/hengyang.json). */
export function parseScheme(json: unknown, file: string): Scheme {
  const fail = (field: string, message: string): never => {
    throw new SchemeError(file, field, message);
  };
  const obj = (v: unknown, field: string): Obj => (isObj(v) ? v : fail(field, 'must be an object'));
  const str = (v: unknown, field: string): string => (typeof v === 'string' && v.trim() ? v : fail(field, 'must be a non-empty string'));
  const num = (v: unknown, field: string, min = -Infinity): number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fail(field, min > -Infinity ? `must be a number ≥ ${min}` : 'must be a number');
  const optNum = (v: unknown, field: string, min = -Infinity): number | undefined => (v === undefined ? undefined : num(v, field, min));
  const oneOf = <T extends string>(v: unknown, field: string, allowed: readonly T[], dflt?: T): T => {
    if (v === undefined && dflt !== undefined) return dflt;
    return allowed.includes(v as T) ? (v as T) : fail(field, `must be one of ${allowed.join(', ')}`);
  };
  const groupNum = (v: unknown, field: string, min = -Infinity): GroupNumber => {
    if (typeof v === 'number') return num(v, field, min);
    if (!isObj(v) || !Object.keys(v).length) return fail(field, 'must be a number or an object of numbers per group ({"A": 18, "B": 20})');
    return Object.fromEntries(Object.entries(v).map(([g, x]) => [g, num(x, `${field}.${g}`, min)]));
  };
  const count = (v: unknown, field: string): CountMetric => {
    if (typeof v === 'string' && isCountMetric(v)) return v;
    return fail(field, `must be a count metric (reported, registered, dueToClose, closed, repeatCases …), got ${JSON.stringify(v)}`);
  };
  const rateRef = (v: unknown, field: string): RateRef => {
    if (typeof v === 'string') {
      if (isRateMetric(v)) return { metric: v };
      return fail(field, `must be a rate metric (closureRate, onTimeClosureRate, handlingRate …) or {numerator, denominator}, got "${v}"`);
    }
    const o = obj(v, field);
    const complement = o.complement === undefined ? undefined : o.complement === true ? true : o.complement === false ? false : fail(`${field}.complement`, 'must be true or false');
    if (o.metric !== undefined) {
      if (typeof o.metric !== 'string' || !isRateMetric(o.metric)) return fail(`${field}.metric`, `must be a rate metric, got ${JSON.stringify(o.metric)}`);
      return { metric: o.metric, ...(complement ? { complement } : {}) };
    }
    return { numerator: count(o.numerator, `${field}.numerator`), denominator: count(o.denominator, `${field}.denominator`), ...(complement ? { complement } : {}) };
  };
  const list = <T>(v: unknown, field: string, each: (x: unknown, f: string) => T): T[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return fail(field, 'must be an array');
    return v.map((x, i) => each(x, `${field}[${i}]`));
  };

  const root = obj(json, '(root)');
  const id = str(root.id, 'id');
  if (!ID.test(id)) fail('id', 'must be lower-case letters, digits and dashes');
  const by = oneOf(root.by, 'by', SCHEME_UNITS, 'department');

  const groupsIn = root.groups === undefined ? {} : obj(root.groups, 'groups');
  const labels = groupsIn.labels === undefined ? {} : obj(groupsIn.labels, 'groups.labels');
  const map = groupsIn.map === undefined ? {} : obj(groupsIn.map, 'groups.map');
  const groups = {
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, str(v, `groups.labels.${k}`)])),
    map: Object.fromEntries(Object.entries(map).map(([k, v]) => [k, str(v, `groups.map.${k}`)])),
  };

  const rk = root.ranking === undefined ? {} : obj(root.ranking, 'ranking');
  const ranking = {
    within: oneOf(rk.within, 'ranking.within', ['group', 'all'] as const, 'group'),
    minCases: rk.minCases === undefined ? 0 : num(rk.minCases, 'ranking.minCases', 0),
    caseMetric: rk.caseMetric === undefined ? ('registered' as const) : count(rk.caseMetric, 'ranking.caseMetric'),
  };
  if (!Number.isInteger(ranking.minCases)) fail('ranking.minCases', 'must be a whole number');

  const tt = root.total === undefined ? {} : obj(root.total, 'total');
  const total = {
    base: optNum(tt.base, 'total.base') ?? 0,
    floor: tt.floor === null || tt.floor === undefined ? null : num(tt.floor, 'total.floor'),
    cap: tt.cap === null || tt.cap === undefined ? null : num(tt.cap, 'total.cap'),
    multiplier: tt.multiplier === undefined ? 1 : groupNum(tt.multiplier, 'total.multiplier', 0),
    digits: tt.digits === undefined ? 2 : num(tt.digits, 'total.digits', 0),
  };
  if (!Number.isInteger(total.digits) || total.digits > 6) fail('total.digits', 'must be a whole number 0–6');
  if (total.floor !== null && total.cap !== null && total.floor > total.cap) fail('total.floor', 'must not exceed total.cap');

  const annual = oneOf(root.annual, 'annual', ['recompute', 'mean-of-months'] as const, 'recompute');

  const seen = new Set<string>();
  const items = list(root.items, 'items', (x, f): SchemeItem => {
    const o = obj(x, f);
    const itemId = str(o.id, `${f}.id`);
    if (!ID.test(itemId)) fail(`${f}.id`, 'must be lower-case letters, digits and dashes');
    if (seen.has(itemId)) fail(`${f}.id`, `"${itemId}" is used twice`);
    seen.add(itemId);
    const base = { id: itemId, name: str(o.name, `${f}.name`) };
    const type = oneOf(o.type, `${f}.type`, ['rate', 'deduction', 'workload', 'manual', 'bonus'] as const);
    switch (type) {
      case 'rate':
        return { ...base, type, rate: rateRef(o.rate, `${f}.rate`), weight: groupNum(o.weight, `${f}.weight`, 0), whenNoCases: oneOf(o.whenNoCases, `${f}.whenNoCases`, ['full', 'zero'] as const, 'full') };
      case 'deduction': {
        const perCase = list(o.perCase, `${f}.perCase`, (p, pf) => {
          const po = obj(p, pf);
          return { metric: count(po.metric, `${pf}.metric`), points: groupNum(po.points, `${pf}.points`, 0) };
        });
        const perRate = list(o.perRate, `${f}.perRate`, (p, pf) => {
          const po = obj(p, pf);
          return { rate: rateRef(po.rate, `${pf}.rate`), points: groupNum(po.points, `${pf}.points`, 0) };
        });
        if (!perCase.length && !perRate.length) fail(f, 'needs perCase or perRate deductions');
        const item: DeductionItem = { ...base, type, max: groupNum(o.max, `${f}.max`), floor: optNum(o.floor, `${f}.floor`) ?? 0, perCase, perRate };
        const md = optNum(o.maxDeduction, `${f}.maxDeduction`, 0);
        if (md !== undefined) item.maxDeduction = md;
        return item;
      }
      case 'workload':
        return { ...base, type, metric: count(o.metric, `${f}.metric`), weight: groupNum(o.weight, `${f}.weight`, 0), scope: oneOf(o.scope, `${f}.scope`, ['all', 'group'] as const, 'all') };
      case 'manual':
      case 'bonus': {
        // bonus: shorthand for a manual item that adds, 0 until entered
        const effect = type === 'bonus' ? 'bonus' : oneOf(o.effect, `${f}.effect`, ['score', 'deduct', 'bonus'] as const, 'score');
        const max = groupNum(o.max, `${f}.max`, 0);
        const min = optNum(o.min, `${f}.min`, 0) ?? 0;
        const dflt = o.default === undefined ? (effect === 'score' ? max : 0) : groupNum(o.default, `${f}.default`, 0);
        return { ...base, type: 'manual', effect, max, min, default: dflt };
      }
    }
  });
  if (!items.length) fail('items', 'must list at least one item');

  const notes = list(root.notes, 'notes', (x, f) => str(x, f));
  const scheme: Scheme = { id, name: str(root.name, 'name'), by, groups, ranking, total, annual, items, notes };
  if (root.source !== undefined) scheme.source = str(root.source, 'source');
  if (root.description !== undefined) scheme.description = str(root.description, 'description');
  const known = new Set(['id', 'name', 'source', 'description', 'by', 'groups', 'ranking', 'total', 'annual', 'items', 'notes', '$comment']);
  for (const k of Object.keys(root)) if (!known.has(k)) fail(k, `is not a scheme field (known: ${[...known].join(', ')})`);
  return scheme;
}

/** The value of a per-group number for a unit's group (its own key, else "*", else the only/first one). */
export function forGroup(v: GroupNumber, group: string | null): number {
  if (typeof v === 'number') return v;
  if (group !== null && Object.hasOwn(v, group)) return v[group];
  if (Object.hasOwn(v, '*')) return v['*'];
  return Math.max(...Object.values(v)); // a unit outside every group gets the most lenient maximum
}

/** The count a rate reference counts (its numerator): what the bulletin lists as the reason for a deduction. */
export function rateNumerator(r: RateRef): CountMetric {
  return 'numerator' in r ? r.numerator : RATE_METRICS[r.metric][0];
}
