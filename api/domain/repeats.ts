/**
 * Repeat cases (重复案件 / 反复发案), DESIGN.md §5.2 after seed 004: the same minor category recurring at the same
 * place within one assessment period. Pure: coordinates arrive already in a metric CRS, times as epoch
 * microseconds (PostgreSQL's precision), so intake (one case at a time) and batch (a whole period) decide alike.
 *
 * Grouping is anchored, not chained. Cases are taken in time order (reported_at, then id). Within one partition
 * — same county (district_code), kind, minor and period — a case joins the group whose anchor (first case) is the
 * nearest within R; ties go to the earlier anchor. No anchor within R → the case starts a group and anchors it.
 * The county is part of the partition because each county is assessed (and, with Citus, stored) on its own.
 *
 * Threshold of a group = where its anchor happened: the anchor's road class (nearest road within the snap
 * distance, none → alley) gives main / secondary / alley; an anchor inside a key area (重点区域) takes the
 * stricter (smaller) of that and the key-area threshold. A group is "reached" once its size ≥ threshold, and then
 * every member is a repeat case. Excluded kinds / minors (部件, 非法小广告) get no group at all.
 */

export type CaseKind = 'component' | 'event';
export type RoadClass = 'main' | 'secondary' | 'alley';
export type PeriodUnit = 'month' | 'quarter' | 'year';

export const ROAD_CLASSES: readonly RoadClass[] = ['main', 'secondary', 'alley'];
export const PERIOD_UNITS: readonly PeriodUnit[] = ['month', 'quarter', 'year'];
const KINDS: readonly CaseKind[] = ['component', 'event'];

export interface RepeatThresholds {
  main: number;
  secondary: number;
  alley: number;
  keyArea: number;
}

/** What the grouping needs; every field may be overridden per request (what-if analysis). */
export interface RepeatRules {
  radiusM: number;
  thresholds: RepeatThresholds;
  excludedKinds: readonly CaseKind[];
  /** minor selectors: "0201" (any kind) or "event:0201" */
  excludedMinors: readonly string[];
  period: PeriodUnit;
  /** local time of the assessment calendar (periods start at local midnight) */
  utcOffsetMinutes: number;
}

export interface DuplicateDistances {
  /** metres; 0 turns duplicate-report suggestions off */
  defaultM: number;
  /** per minor selector ("event:0501" or "0501"); 0 turns them off for that category */
  byMinor: Readonly<Record<string, number>>;
}

/** geodata/repeats.json after validation. */
export interface RepeatsConfig extends RepeatRules {
  /** nearest road within this distance gives the road class of a point (used where a case has none stored) */
  roadSnapM: number;
  /** longest from..to range a request may ask for */
  maxRangeDays: number;
  /** largest radius a request (or the file) may set */
  radiusCapM: number;
  duplicateDistance: DuplicateDistances;
}

export const DEFAULT_REPEATS_CONFIG: RepeatsConfig = {
  radiusM: 50,
  roadSnapM: 30,
  thresholds: { main: 2, secondary: 3, alley: 4, keyArea: 2 },
  excludedKinds: ['component'],
  excludedMinors: ['event:0201', 'event:02001'],
  period: 'month',
  utcOffsetMinutes: 480,
  maxRangeDays: 366,
  radiusCapM: 500,
  duplicateDistance: { defaultM: 100, byMinor: {} },
};

// ---------------------------------------------------------------------------------------------------------------
// configuration

export class RepeatsConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RepeatsConfigError';
  }
}

const MINOR_SELECTOR = /^(?:(component|event):)?(\d{4,5})$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const THRESHOLD_MAX = 1000;

/** Known minor categories as "kind:code" keys, to check selectors against the taxonomy. */
export type KnownMinors = ReadonlySet<string>;

function selectorKnown(sel: string, known: KnownMinors): boolean {
  const m = MINOR_SELECTOR.exec(sel)!;
  return m[1] ? known.has(sel) : KINDS.some((k) => known.has(`${k}:${m[2]}`));
}

function checkSelector(field: string, v: unknown, known?: KnownMinors): string {
  if (typeof v !== 'string' || !MINOR_SELECTOR.test(v)) throw new RepeatsConfigError(field, `expected a minor code such as "0201" or "event:0201", got ${JSON.stringify(v)}`);
  if (known && !selectorKnown(v, known)) throw new RepeatsConfigError(field, `unknown minor category ${v}`);
  return v;
}

function num(field: string, v: unknown, ok: (n: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new RepeatsConfigError(field, `must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

export const isThreshold = (n: number) => Number.isInteger(n) && n >= 2 && n <= THRESHOLD_MAX;

export function parseUtcOffset(field: string, v: unknown): number {
  const m = typeof v === 'string' ? OFFSET.exec(v) : null;
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) throw new RepeatsConfigError(field, `expected "+HH:MM", got ${JSON.stringify(v)}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function noUnknownKeys(prefix: string, obj: Record<string, unknown>, allowed: readonly string[]) {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw new RepeatsConfigError(`${prefix}${k}`, `unknown setting (allowed: ${allowed.join(', ')})`);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Validates the JSON of geodata/repeats.json. Every setting is optional (defaults above); unknown keys are errors
 * so a typo cannot silently fall back to a default. Throws RepeatsConfigError naming the field.
 */
export function parseRepeatsConfig(json: unknown, known?: KnownMinors): RepeatsConfig {
  if (!isObject(json)) throw new RepeatsConfigError('$', 'must be a JSON object');
  noUnknownKeys('', json, ['radiusM', 'roadSnapM', 'thresholds', 'excludedKinds', 'excludedMinors', 'period', 'utcOffset', 'maxRangeDays', 'radiusCapM', 'duplicateDistanceM']);
  const d = DEFAULT_REPEATS_CONFIG;
  const radiusCapM = json.radiusCapM === undefined ? d.radiusCapM : num('radiusCapM', json.radiusCapM, (n) => n > 0 && n <= 10_000, 'a number of metres in (0, 10000]');
  const radiusM = json.radiusM === undefined ? d.radiusM : num('radiusM', json.radiusM, (n) => n >= 1 && n <= radiusCapM, `a number of metres in [1, radiusCapM = ${radiusCapM}]`);
  const roadSnapM = json.roadSnapM === undefined ? d.roadSnapM : num('roadSnapM', json.roadSnapM, (n) => n >= 0 && n <= 1000, 'a number of metres in [0, 1000]');

  let thresholds = d.thresholds;
  if (json.thresholds !== undefined) {
    if (!isObject(json.thresholds)) throw new RepeatsConfigError('thresholds', 'must be an object {main, secondary, alley, keyArea}');
    noUnknownKeys('thresholds.', json.thresholds, ['main', 'secondary', 'alley', 'keyArea']);
    const t = json.thresholds;
    const one = (k: keyof RepeatThresholds) => (t[k] === undefined ? d.thresholds[k] : num(`thresholds.${k}`, t[k], isThreshold, `an integer in [2, ${THRESHOLD_MAX}]`));
    thresholds = { main: one('main'), secondary: one('secondary'), alley: one('alley'), keyArea: one('keyArea') };
  }

  let excludedKinds = d.excludedKinds;
  if (json.excludedKinds !== undefined) {
    if (!Array.isArray(json.excludedKinds)) throw new RepeatsConfigError('excludedKinds', 'must be an array of "component" / "event"');
    excludedKinds = json.excludedKinds.map((k, i) => {
      if (!KINDS.includes(k as CaseKind)) throw new RepeatsConfigError(`excludedKinds[${i}]`, `must be "component" or "event", got ${JSON.stringify(k)}`);
      return k as CaseKind;
    });
  }

  let excludedMinors = d.excludedMinors;
  if (json.excludedMinors !== undefined) {
    if (!Array.isArray(json.excludedMinors)) throw new RepeatsConfigError('excludedMinors', 'must be an array of minor codes');
    excludedMinors = json.excludedMinors.map((s, i) => checkSelector(`excludedMinors[${i}]`, s, known));
  }

  const period = json.period === undefined ? d.period : (json.period as PeriodUnit);
  if (!PERIOD_UNITS.includes(period)) throw new RepeatsConfigError('period', `must be one of ${PERIOD_UNITS.join(', ')}, got ${JSON.stringify(json.period)}`);
  const utcOffsetMinutes = json.utcOffset === undefined ? d.utcOffsetMinutes : parseUtcOffset('utcOffset', json.utcOffset);
  const maxRangeDays = json.maxRangeDays === undefined ? d.maxRangeDays : num('maxRangeDays', json.maxRangeDays, (n) => Number.isInteger(n) && n >= 1 && n <= 3660, 'an integer number of days in [1, 3660]');

  let duplicateDistance = d.duplicateDistance;
  if (json.duplicateDistanceM !== undefined) {
    const dd = json.duplicateDistanceM;
    if (!isObject(dd)) throw new RepeatsConfigError('duplicateDistanceM', 'must be an object {default, byMinor}');
    noUnknownKeys('duplicateDistanceM.', dd, ['default', 'byMinor']);
    const metres = (field: string, v: unknown) => num(field, v, (n) => n >= 0 && n <= 5000, 'a number of metres in [0, 5000] (0 turns suggestions off)');
    const defaultM = dd.default === undefined ? d.duplicateDistance.defaultM : metres('duplicateDistanceM.default', dd.default);
    const byMinor: Record<string, number> = {};
    if (dd.byMinor !== undefined) {
      if (!isObject(dd.byMinor)) throw new RepeatsConfigError('duplicateDistanceM.byMinor', 'must be an object {"event:0501": metres, …}');
      for (const [k, v] of Object.entries(dd.byMinor)) byMinor[checkSelector(`duplicateDistanceM.byMinor.${k}`, k, known)] = metres(`duplicateDistanceM.byMinor.${k}`, v);
    }
    duplicateDistance = { defaultM, byMinor };
  }
  return { radiusM, roadSnapM, thresholds, excludedKinds, excludedMinors, period, utcOffsetMinutes, maxRangeDays, radiusCapM, duplicateDistance };
}

// ---------------------------------------------------------------------------------------------------------------
// rules

/** Whether a minor selector ("0201" or "event:0201") names this category. */
export function selectorMatches(selector: string, kind: CaseKind, minor: string): boolean {
  const i = selector.indexOf(':');
  return i < 0 ? selector === minor : selector.slice(0, i) === kind && selector.slice(i + 1) === minor;
}

/** Excluded cases (部件, 非法小广告 by default) never join or start a group. */
export function isExcluded(rules: Pick<RepeatRules, 'excludedKinds' | 'excludedMinors'>, kind: CaseKind, minor: string): boolean {
  return rules.excludedKinds.includes(kind) || rules.excludedMinors.some((s) => selectorMatches(s, kind, minor));
}

/** Threshold of a place: the road class's, or in a key area the stricter of that and the key-area threshold. */
export function thresholdOf(t: RepeatThresholds, roadClass: RoadClass | null, keyArea: boolean): number {
  const road = t[roadClass ?? 'alley'];
  return keyArea ? Math.min(road, t.keyArea) : road;
}

/**
 * Duplicate-report (重复上报) search distance of a category, FixMyStreet-style: "kind:minor" entry, else the bare
 * minor code, else the default. 0 = no duplicate suggestions for this category.
 */
export function duplicateDistanceFor(d: DuplicateDistances, kind: CaseKind, minor: string): number {
  return d.byMinor[`${kind}:${minor}`] ?? d.byMinor[minor] ?? d.defaultM;
}

export interface Period {
  /** "2026-01", "2026-Q1" or "2026" */
  key: string;
  /** epoch ms of the local start (inclusive) and end (exclusive) */
  start: number;
  end: number;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The assessment period containing an instant (epoch ms), in local time at a fixed UTC offset. */
export function periodOf(ms: number, unit: PeriodUnit, utcOffsetMinutes: number): Period {
  const off = utcOffsetMinutes * 60_000;
  const local = new Date(ms + off);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const [m0, months, key] =
    unit === 'month' ? [m, 1, `${y}-${pad2(m + 1)}`] : unit === 'quarter' ? [m - (m % 3), 3, `${y}-Q${Math.floor(m / 3) + 1}`] : [0, 12, String(y)];
  return { key, start: Date.UTC(y, m0, 1) - off, end: Date.UTC(y, m0 + months, 1) - off };
}

// ---------------------------------------------------------------------------------------------------------------
// grouping

export interface RepeatCase {
  id: string;
  districtCode: string;
  kind: CaseKind;
  minor: string;
  /** reported_at as epoch microseconds */
  t: number;
  /** metric coordinates (analysis CRS) */
  x: number;
  y: number;
  /** stored road class at the case; null = none within the snap distance → alley */
  roadClass: RoadClass | null;
  /** the case lies in a key area (zone of level key) */
  keyArea: boolean;
}

export interface AnchorRef {
  id: string;
  t: number;
  x: number;
  y: number;
}

/** Time order of cases: reported_at, then id (code-unit order, as PostgreSQL's C collation). */
export function timeOrder(a: { t: number; id: string }, b: { t: number; id: string }): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The anchor a case at (x, y) joins: the nearest within R (squared distances, so both paths compare the very same
 * doubles), ties to the earlier anchor. Null → the case starts its own group.
 */
export function nearestAnchor<A extends AnchorRef>(anchors: Iterable<A>, x: number, y: number, radiusM: number): A | null {
  const r2 = radiusM * radiusM;
  let best: A | null = null;
  let bestD = Infinity;
  for (const a of anchors) {
    const dx = a.x - x;
    const dy = a.y - y;
    const d = dx * dx + dy * dy;
    if (d > r2) continue;
    if (d < bestD || (d === bestD && best && timeOrder(a, best) < 0)) {
      best = a;
      bestD = d;
    }
  }
  return best;
}

/** Partition of a case: county, kind, minor and period; cases of different partitions never meet. */
export function partitionKey(c: Pick<RepeatCase, 'districtCode' | 'kind' | 'minor'>, period: string): string {
  return `${c.districtCode}|${c.kind}|${c.minor}|${period}`;
}

export interface GroupSummary {
  /** the anchor case's id */
  id: string;
  size: number;
  threshold: number;
  reached: boolean;
  /** reported_at (µs) of the member that made the group reach its threshold */
  reachedAt: number | null;
}

export interface Assignment extends GroupSummary {
  created: boolean;
  /** this case made the group reach its threshold: the moment to alert */
  reachedNow: boolean;
}

interface TrackedGroup extends GroupSummary, AnchorRef {
  members: string[];
}

/**
 * Incremental grouping, one case at a time in time order, as intake does it: the nearest anchor is searched among
 * every group of the partition (intake asks the database for the anchors within R). Throws when a case comes
 * before the last one of its partition — intake then recomputes the partition in batch.
 */
export class RepeatTracker {
  private readonly partitions = new Map<string, { last: { t: number; id: string }; groups: TrackedGroup[] }>();
  constructor(private readonly rules: RepeatRules) {}

  add(c: RepeatCase): Assignment | null {
    if (isExcluded(this.rules, c.kind, c.minor)) return null;
    const key = partitionKey(c, periodOf(Math.floor(c.t / 1000), this.rules.period, this.rules.utcOffsetMinutes).key);
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = { last: c, groups: [] }));
    else if (timeOrder(c, p.last) <= 0) throw new RangeError(`case ${c.id} is not after ${p.last.id} in time order: recompute the partition ${key}`);
    p.last = c;
    const g = nearestAnchor(p.groups, c.x, c.y, this.rules.radiusM);
    if (!g) {
      const threshold = thresholdOf(this.rules.thresholds, c.roadClass, c.keyArea);
      const ng: TrackedGroup = { id: c.id, t: c.t, x: c.x, y: c.y, size: 1, threshold, reached: false, reachedAt: null, members: [c.id] };
      p.groups.push(ng);
      return { id: ng.id, size: 1, threshold, reached: false, reachedAt: null, created: true, reachedNow: false };
    }
    g.size++;
    g.members.push(c.id);
    const reachedNow = !g.reached && g.size >= g.threshold;
    if (reachedNow) {
      g.reached = true;
      g.reachedAt = c.t;
    }
    return { id: g.id, size: g.size, threshold: g.threshold, reached: g.reached, reachedAt: g.reachedAt, created: false, reachedNow };
  }

  /** Every group so far, with its members' ids in time order. */
  groups(): (GroupSummary & { members: string[] })[] {
    return [...this.partitions.values()].flatMap((p) => p.groups.map(({ id, size, threshold, reached, reachedAt, members }) => ({ id, size, threshold, reached, reachedAt, members: [...members] })));
  }
}

/**
 * Cases column-wise, as the batch reads them from the database (a million objects would cost more to build and
 * collect than the grouping itself). Index i of every column is one case.
 */
export interface CaseColumns {
  readonly length: number;
  readonly id: readonly string[];
  readonly districtCode: readonly string[];
  readonly kind: readonly CaseKind[];
  readonly minor: readonly string[];
  /** reported_at, epoch µs */
  readonly t: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly roadClass: readonly (RoadClass | null)[];
  /** 1 = in a key area */
  readonly keyArea: Uint8Array;
}

export function toColumns(cases: readonly RepeatCase[]): CaseColumns {
  return {
    length: cases.length,
    id: cases.map((c) => c.id),
    districtCode: cases.map((c) => c.districtCode),
    kind: cases.map((c) => c.kind),
    minor: cases.map((c) => c.minor),
    t: Float64Array.from(cases, (c) => c.t),
    x: Float64Array.from(cases, (c) => c.x),
    y: Float64Array.from(cases, (c) => c.y),
    roadClass: cases.map((c) => c.roadClass),
    keyArea: Uint8Array.from(cases, (c) => (c.keyArea ? 1 : 0)),
  };
}

export interface RepeatGroup extends GroupSummary {
  districtCode: string;
  kind: CaseKind;
  minor: string;
  period: string;
  /** epoch ms */
  periodStart: number;
  periodEnd: number;
  roadClass: RoadClass;
  keyArea: boolean;
  /** indices into the input array: the anchor and every member (anchor first, time order) */
  anchor: number;
  members: number[];
}

const ROAD_CODE: Record<RoadClass, number> = { main: 0, secondary: 1, alley: 2 };

/**
 * The groups of a batch, column-wise: a month of a million cases makes hundreds of thousands of groups, and most
 * consumers look at a few fields of each, so objects are made only on request (`group(g)`).
 * Groups are numbered partition by partition; within a partition and period, in their anchors' time order.
 */
export class RepeatGrouping {
  /** number of groups */
  count = 0;
  /** group of each input case; -1 = excluded */
  readonly groupOf: Int32Array;
  /** per group: anchor case index, size, threshold, reached time (µs; NaN = not reached), last member */
  readonly anchor: Int32Array;
  readonly size: Int32Array;
  readonly threshold: Int32Array;
  readonly reachedAt: Float64Array;
  /** per group: the member that made it reach its threshold, -1 = not reached */
  readonly reachedBy: Int32Array;
  readonly last: Int32Array;
  readonly road: Uint8Array;
  readonly key: Uint8Array;
  /** per group: index into `periods` */
  readonly periodIndex: Int32Array;
  readonly periods: Period[] = [];
  /** per case: the next member of its group (time order), -1 at the end */
  private readonly next: Int32Array;

  constructor(readonly cols: CaseColumns) {
    const n = cols.length;
    this.groupOf = new Int32Array(n).fill(-1);
    this.next = new Int32Array(n).fill(-1);
    this.anchor = new Int32Array(n);
    this.size = new Int32Array(n);
    this.threshold = new Int32Array(n);
    this.reachedAt = new Float64Array(n);
    this.reachedBy = new Int32Array(n);
    this.last = new Int32Array(n);
    this.road = new Uint8Array(n);
    this.key = new Uint8Array(n);
    this.periodIndex = new Int32Array(n);
  }

  /** @internal */
  open(i: number, period: number, threshold: number): number {
    const g = this.count++;
    const c = this.cols;
    this.anchor[g] = i;
    this.size[g] = 1;
    this.threshold[g] = threshold;
    this.reachedAt[g] = NaN;
    this.reachedBy[g] = -1;
    this.last[g] = i;
    this.road[g] = ROAD_CODE[c.roadClass[i] ?? 'alley'];
    this.key[g] = c.keyArea[i];
    this.periodIndex[g] = period;
    this.groupOf[i] = g;
    return g;
  }

  /** @internal */
  join(g: number, i: number, t: number): void {
    this.next[this.last[g]] = i;
    this.last[g] = i;
    this.groupOf[i] = g;
    if (++this.size[g] === this.threshold[g]) {
      this.reachedAt[g] = t;
      this.reachedBy[g] = i;
    }
  }

  reached(g: number): boolean {
    return this.size[g] >= this.threshold[g];
  }

  roadClass(g: number): RoadClass {
    return ROAD_CLASSES[this.road[g]];
  }

  /** Member case indices of a group, time order, anchor first. */
  members(g: number): number[] {
    const out: number[] = [];
    for (let i = this.anchor[g]; i >= 0; i = this.next[i]) out.push(i);
    return out;
  }

  group(g: number): RepeatGroup {
    const a = this.anchor[g];
    const c = this.cols;
    const p = this.periods[this.periodIndex[g]];
    const reachedAt = this.reachedAt[g];
    return {
      id: c.id[a], districtCode: c.districtCode[a], kind: c.kind[a], minor: c.minor[a], period: p.key, periodStart: p.start, periodEnd: p.end,
      roadClass: this.roadClass(g), keyArea: this.key[g] === 1, threshold: this.threshold[g], size: this.size[g], reached: this.reached(g),
      reachedAt: Number.isNaN(reachedAt) ? null : reachedAt, anchor: this.anchor[g], members: this.members(g),
    };
  }

  /** Every group as an object (tests, small batches). */
  groups(): RepeatGroup[] {
    return Array.from({ length: this.count }, (_, g) => this.group(g));
  }

  /** Sets the place of a group's anchor after grouping (road class snapped later, what-if snap) and re-evaluates it. */
  replace(g: number, roadClass: RoadClass, keyArea: boolean, t: RepeatThresholds): void {
    this.road[g] = ROAD_CODE[roadClass];
    this.key[g] = keyArea ? 1 : 0;
    const th = thresholdOf(t, roadClass, keyArea);
    this.threshold[g] = th;
    let k = 1;
    let i = this.anchor[g];
    while (k < th && i >= 0) {
      i = this.next[i];
      k++;
    }
    this.reachedBy[g] = i >= 0 && k === th ? i : -1;
    this.reachedAt[g] = i >= 0 && k === th ? this.cols.t[i] : NaN;
  }
}

/**
 * Time order of cases: an LSD radix sort of the times (integer µs less the earliest, 16-bit digits, no pass above the
 * span), then equal times by id. A million cases sort in tens of milliseconds; a comparison sort takes a second.
 */
export function timeOrderOf(t: Float64Array, ids: readonly string[]): Uint32Array {
  const n = t.length;
  let order = Uint32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  let sorted = true; // rows often arrive in time order already (cases are inserted as they are reported)
  for (let i = 1; i < n && sorted; i++) sorted = t[i - 1] < t[i] || (t[i - 1] === t[i] && ids[i - 1] <= ids[i]);
  if (sorted) return order;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (t[i] < min) min = t[i];
    if (t[i] > max) max = t[i];
  }
  const span = max - min; // < 2^53: µs of any real range
  const lo = new Uint32Array(n); // low 32 bits of (t − min)
  const hi = new Uint32Array(n); // the bits above
  for (let i = 0; i < n; i++) {
    const k = t[i] - min;
    const h = Math.floor(k / 4294967296);
    hi[i] = h;
    lo[i] = k - h * 4294967296;
  }
  let tmp = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4 && span >= 2 ** (16 * pass); pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass % 2) * 16;
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[(word[order[k]] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k];
      tmp[counts[(word[i] >>> shift) & 0xffff]++] = i;
    }
    [order, tmp] = [tmp, order];
  }
  // equal times: by id (code-unit order, as timeOrder)
  for (let k = 0; k < n; ) {
    let e = k + 1;
    while (e < n && t[order[e]] === t[order[k]]) e++;
    if (e - k > 1) order.subarray(k, e).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    k = e;
  }
  return order;
}

/**
 * Anchors of one partition and period by R × R cell, each cell holding a linked list of its groups (typed arrays,
 * no per-cell objects). A dense grid when the extent allows (a county at 50 m is ~10⁵–10⁶ cells, which stay in the
 * CPU cache), else an open-addressing hash of the occupied cells. `clear` empties the cells used since the last clear.
 */
class CellIndex {
  /** next group in the same cell, -1 at the end */
  readonly next: Int32Array;
  private readonly dense: Int32Array | null;
  private readonly rows: number;
  // hash mode: slots of [cx, cy, head]
  private readonly table: Int32Array | null;
  private readonly mask: number;
  /** dense index or hash slot of every cell filled since the last clear */
  private touched: number[] = [];

  constructor(maxGroups: number, cols: number, rows: number) {
    this.next = new Int32Array(Math.max(1, maxGroups)).fill(-1);
    this.rows = rows;
    if (cols * rows <= Math.max(1 << 22, 4 * maxGroups)) {
      this.dense = new Int32Array(cols * rows).fill(-1);
      this.table = null;
      this.mask = 0;
    } else {
      let cap = 16;
      while (cap < maxGroups * 2) cap *= 2;
      this.dense = null;
      this.table = new Int32Array(cap * 3);
      for (let h = 0; h < cap; h++) this.table[h * 3 + 2] = -1;
      this.mask = cap - 1;
    }
  }

  /** Slot of a cell in hash mode (its own or the empty one where it would go). */
  private slot(cx: number, cy: number): number {
    const t = this.table!;
    // murmur3's finaliser: neighbouring cells must not land in neighbouring slots
    let h = Math.imul(cx, 0x9e3779b1) ^ cy;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) & this.mask;
    while (t[h * 3 + 2] >= 0 && (t[h * 3] !== cx || t[h * 3 + 1] !== cy)) h = (h + 1) & this.mask;
    return h * 3;
  }

  /** First group anchored in cell (cx, cy), or -1. */
  first(cx: number, cy: number): number {
    return this.dense ? this.dense[cx * this.rows + cy] : this.table![this.slot(cx, cy) + 2];
  }

  add(cx: number, cy: number, g: number): void {
    if (this.dense) {
      const k = cx * this.rows + cy;
      if (this.dense[k] < 0) this.touched.push(k);
      this.next[g] = this.dense[k];
      this.dense[k] = g;
      return;
    }
    const t = this.table!;
    const h = this.slot(cx, cy);
    if (t[h + 2] < 0) this.touched.push(h);
    t[h] = cx;
    t[h + 1] = cy;
    this.next[g] = t[h + 2];
    t[h + 2] = g;
  }

  clear(): void {
    if (this.dense) for (const k of this.touched) this.dense[k] = -1;
    else for (const h of this.touched) this.table![h + 2] = -1; // every slot is emptied: no probe chain is cut
    this.touched = [];
  }
}

/**
 * Batch grouping of a whole set of cases: the same decisions as RepeatTracker. Cases are taken in time order, split
 * by partition (a stable counting sort keeps the time order within each), and each partition is swept once with its
 * anchors in R × R cells, each case looking at the 3 × 3 cells around it. Cases need not be sorted (timeOrderOf: sorted
 * input costs one check).
 */
export function groupRepeats(input: readonly RepeatCase[] | CaseColumns, rules: RepeatRules): RepeatGrouping {
  const cols = Array.isArray(input) ? toColumns(input as readonly RepeatCase[]) : (input as CaseColumns);
  const n = cols.length;
  const out = new RepeatGrouping(cols);
  if (!n) return out;
  const { id: ids, t: ts, x: xs, y: ys } = cols;
  const order = timeOrderOf(ts, ids);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }

  // partition (county + kind + minor) of each case, through nested maps (no key string per case); -1 = excluded
  const parts = new Map<string, Map<string, Map<string, number>>>();
  let partCount = 0;
  const partOf = new Int32Array(n);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    let byKind = parts.get(cols.districtCode[i]);
    if (!byKind) parts.set(cols.districtCode[i], (byKind = new Map()));
    let byMinor = byKind.get(cols.kind[i]);
    if (!byMinor) byKind.set(cols.kind[i], (byMinor = new Map()));
    let p = byMinor.get(cols.minor[i]);
    if (p === undefined) {
      p = isExcluded(rules, cols.kind[i], cols.minor[i]) ? -1 : partCount++;
      byMinor.set(cols.minor[i], p);
      if (p >= 0) sizes.push(0);
    }
    partOf[i] = p;
    if (p >= 0) sizes[p]++;
  }
  // stable counting sort by partition, in time order
  const start = new Int32Array(partCount + 1);
  for (let p = 0; p < partCount; p++) start[p + 1] = start[p] + sizes[p];
  const fill = start.slice(0, partCount);
  const sorted = new Uint32Array(start[partCount]);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const p = partOf[i];
    if (p >= 0) sorted[fill[p]++] = i;
  }

  const R = rules.radiusM;
  const r2 = R * R;
  // cells numbered from (minX − R, minY − R), so the 3 × 3 block around any case stays inside the grid
  const cells = new CellIndex(n, Math.floor((maxX - minX) / R) + 3, Math.floor((maxY - minY) / R) + 3);
  const gx = new Float64Array(n); // anchor coordinates, close together in memory
  const gy = new Float64Array(n);
  for (let p = 0; p < partCount; p++) {
    let end = -Infinity; // of the current period
    let firstGroup = out.count; // groups of the current period are numbered from here, in their anchors' time order
    for (let k = start[p]; k < start[p + 1]; k++) {
      const i = sorted[k];
      const x = xs[i];
      const y = ys[i];
      const ms = Math.floor(ts[i] / 1000);
      if (ms >= end) {
        const period = periodOf(ms, rules.period, rules.utcOffsetMinutes);
        out.periods.push(period);
        end = period.end;
        cells.clear();
        firstGroup = out.count;
      }
      const cx = Math.floor((x - minX) / R) + 1;
      const cy = Math.floor((y - minY) / R) + 1;
      let best = -1;
      let bestD = Infinity;
      for (let ix = cx - 1; ix <= cx + 1; ix++) {
        for (let iy = cy - 1; iy <= cy + 1; iy++) {
          for (let g = cells.first(ix, iy); g >= 0; g = cells.next[g]) {
            const dx = gx[g] - x;
            const dy = gy[g] - y;
            const d = dx * dx + dy * dy;
            // ties go to the earlier anchor: the smaller group number
            if (d <= r2 && (d < bestD || (d === bestD && g < best))) {
              best = g;
              bestD = d;
            }
          }
        }
      }
      if (best < firstGroup) {
        const g = out.open(i, out.periods.length - 1, thresholdOf(rules.thresholds, cols.roadClass[i], cols.keyArea[i] === 1));
        gx[g] = x;
        gy[g] = y;
        cells.add(cx, cy, g);
      } else {
        out.join(best, i, ts[i]);
      }
    }
    cells.clear();
  }
  return out;
}
