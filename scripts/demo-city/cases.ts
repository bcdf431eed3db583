/**
 * 12 months of cases. Each day gets its share of the total (fewer on rest days and holidays, a summer peak),
 * each case a source, a category, a place that fits the category (markets, schools, avenues, alleys, sites,
 * persistent hotspots, repeat spots) and a timeline driven through the real workflow state machine
 * (api/domain/workflow.ts) on the work calendar, cut off at the end date so the last days stay open.
 * Rows stream out day by day; memory does not grow with the number of cases.
 */
import { applyAction, newCaseState, type Actor, type ActionContext, type CaseState } from '../../api/domain/workflow.ts';
import { addWorkTime, atLocal, isWorkday, limitMs, timeBetween, type WorkCalendar } from '../../api/domain/calendar.ts';
import type { Mesh } from './mesh.ts';
import type { Admin, LandUse } from './districts.ts';
import { HALF_WIDTH, type Network, type RoadClass } from './roads.ts';
import { pointInCell, trendWeight, type Places, type Place } from './places.ts';
import { atPoint, zonesAt, type Zone } from './zones.ts';
import { DEFAULT_ZONE_TIME_LIMIT_FACTORS, localClock, zoneTimeLimit, zoneViolation, type ZoneClass, type ZoneViolation } from '../../api/domain/zones.ts';
import { caseLight } from '../../api/domain/case-light.ts';
import type { TimeLimit } from '../../api/domain/calendar.ts';
import type { Categories, Minor } from './categories.ts';
import type { DeptKey, DepartmentSet } from './departments.ts';
import { RULES, isoLocal, type ComponentStore } from './components.ts';
import type { Locator } from './locate.ts';
import { Rng, Weighted } from './prng.ts';
import { toLonLat, toXY } from './projection.ts';
import { CsvGzWriter } from './csv.ts';
import { addressAt } from './address.ts';
import { personName } from './names.ts';
import { COMPONENT_DEFECTS, COMPONENT_MIX, COMPONENT_SHARE, EVENT_MIX, LATE, PHRASES, SOURCE_MIX, SOURCE_TILT, type DeptChoice, type Profile } from './case-mix.ts';

export type CaseSource = 'patrol' | 'hotline' | 'wechat' | 'web' | 'video' | 'leader' | 'media' | 'follow-up';

export const CASE_COLUMNS = [
  'id', 'district_code', 'source', 'kind', 'major', 'minor', 'original_category', 'description', 'address', 'reporter', 'component_id',
  'status', 'department_id', 'street_code', 'community_code', 'grid_code', 'work_grid_code', 'road_id', 'road_class', 'zones',
  'zone_violation', 'is_key', 'time_limit_value', 'time_limit_unit', 'reported_at', 'accepted_at', 'registered_at', 'dispatched_at',
  'handled_at', 'verified_at', 'closed_at', 'voided_at', 'suspended_at', 'suspended_seconds', 'deadline', 'extended_count',
  'rework_count', 'redispatch_count', 'duplicate_of', 'version', 'created_at', 'updated_at', 'lon', 'lat',
  // columns later migrations add (003_cases): loaded only where the table has them
  'time_limit_class', 'light',
] as const;

export interface CaseOptions {
  count: number;
  end: string; // last day, YYYY-MM-DD
  months: number;
  countyCode: string;
  file: string;
}

export interface CaseStats {
  total: number;
  start: string;
  asOf: string;
  byStatus: Record<string, number>;
  bySource: Record<string, number>;
  components: number;
  closed: number;
  closedOverdue: number;
  openOverdue: number;
  reworked: number;
  extended: number;
  redispatched: number;
  suspendedNow: number;
  wasSuspended: number;
  duplicates: number;
  zoneViolations: Record<string, number>;
  key: number;
  perMonth: Record<string, number>;
}

export interface CaseWorld {
  m: Mesh;
  admin: Admin;
  net: Network;
  places: Places;
  zones: Zone[];
  cats: Categories;
  depts: DepartmentSet;
  comps: ComponentStore;
  locator: Locator;
  cal: WorkCalendar;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Cat = { kind: 'event'; minor: Minor; profile: Profile; depts: DeptChoice } | { kind: 'component'; minor: Minor; rule: number };

interface Located {
  x: number; y: number; lon: number; lat: number; cell: number;
  road: { id: string; cls: RoadClass } | null;
  zones: Zone[];
}

/** Zone outcome of a case at intake, as api/cases/intake.ts decides it (api/domain/zones.ts). */
interface ZoneOutcome {
  violation: ZoneViolation | null;
  limit: TimeLimit;
  zoneClass: ZoneClass | null;
  key: boolean;
}

interface Draft {
  seq: number;
  source: CaseSource;
  cat: Cat;
  reportedAt: Date;
  at: Located;
  componentIdx: number;
  deptKey: DeptKey | 'street';
  zone: ZoneOutcome;
  parent?: Row; // duplicate report of this case
}

interface Row {
  id: string;
  draft: Draft;
  state: CaseState;
}

function addDays(date: string, n: number): string {
  const [y, mo, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

function minusMonths(date: string, months: number): string {
  const [y, mo, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1 - months, d + 1)).toISOString().slice(0, 10);
}

export const AS_OF_TIME = '16:30';
const YELLOW_AT = 0.8; // the light's default (CASE_YELLOW_AT)

const SEASON = [0.95, 0.88, 1.0, 1.02, 1.05, 1.1, 1.12, 1.12, 1.05, 0.98, 1.0, 0.97];

export async function generateCases(w: CaseWorld, opts: CaseOptions, rng: Rng): Promise<CaseStats> {
  const { m, admin, net, places, zones, cats, depts, comps, locator, cal } = w;
  const off = cal.utcOffsetMinutes;
  const start = minusMonths(opts.end, opts.months);
  const days: string[] = [];
  for (let d = start; d <= opts.end; d = addDays(d, 1)) days.push(d);
  // The data stops mid-afternoon of the end day, so its last cases are caught at every stage of the workflow.
  const asOf = atLocal(opts.end, AS_OF_TIME, cal);
  const asOfMs = asOf.getTime();
  const startMs = atLocal(start, '00:00', cal).getTime();
  const monthOf = (dayIdx: number) => Math.min(opts.months - 1, Math.floor((dayIdx / days.length) * opts.months));

  // ---- how many per day: rest days ~half, holidays less, summer peak, slight growth over the year
  const dayW = days.map((d, k) => {
    const work = isWorkday(d, cal);
    const holiday = cal.holidays.has(d);
    const partial = k === days.length - 1 ? 0.6 : 1; // the end day only until AS_OF_TIME
    return partial * (work ? 1 : holiday ? 0.4 : 0.55) * SEASON[Number(d.slice(5, 7)) - 1] * (1 + (0.08 * k) / days.length);
  });
  const sumW = dayW.reduce((a, b) => a + b, 0);
  let cumW = 0, placed = 0;
  const perDay = dayW.map((wd) => {
    cumW += wd;
    const upto = Math.round((cumW / sumW) * opts.count);
    const n = upto - placed;
    placed = upto;
    return n;
  });

  // ---- categories
  const eventCats: Cat[] = EVENT_MIX.map(([name, , profile, d]) => ({ kind: 'event', minor: cats.get('event', name), profile, depts: d }));
  const eventW = EVENT_MIX.map(([, wgt]) => wgt);
  const ruleIdx = new Map(RULES.map((r, k) => [r.name, k]));
  const compMix = COMPONENT_MIX.filter(([name]) => (comps.byRule[ruleIdx.get(name) ?? -1]?.length ?? 0) > 0);
  const compCats: Cat[] = compMix.map(([name]) => ({ kind: 'component', minor: cats.get('component', name), rule: ruleIdx.get(name)! }));
  const sumE = eventW.reduce((a, b) => a + b, 0), sumC = compMix.reduce((a, b) => a + b[1], 0);
  const allCats = [...eventCats, ...compCats];
  const catW = new Map<CaseSource, Weighted<Cat>>();
  for (const [src] of SOURCE_MIX) {
    const tilt = SOURCE_TILT[src] ?? {};
    const wts = [
      ...eventCats.map((c, k) => ((1 - COMPONENT_SHARE) * eventW[k]) / sumE * (tilt[c.minor.name] ?? 1)),
      ...compCats.map((_, k) => ((compCats.length ? COMPONENT_SHARE : 0) * compMix[k][1]) / (sumC || 1) * (tilt.component ?? 1)),
    ];
    catW.set(src, new Weighted(allCats, wts));
  }
  const sourceW = new Weighted(SOURCE_MIX.map((s) => s[0]), SOURCE_MIX.map((s) => s[1]));
  const eventByName = new Map(eventCats.map((c) => [c.minor.name, c]));

  // ---- places: weighted tables of road segments and blocks
  const useOf = (cell: number): LandUse => admin.blocks[admin.cellBlock[cell]].landUse;
  const segCache = new Map<string, Weighted<number>>();
  const roadTable = (cls: [number, number, number], uses: Partial<Record<LandUse, number>>) => {
    const key = JSON.stringify([cls, uses]);
    if (!segCache.has(key)) {
      const ci: Record<RoadClass, number> = { main: 0, secondary: 1, alley: 2 };
      segCache.set(key, new Weighted(net.segments.map((_, k) => k), net.segments.map((s) => s.len * cls[ci[s.cls]] * (uses[useOf(s.left >= 0 ? s.left : s.right)] ?? 1))));
    }
    return segCache.get(key)!;
  };
  const blockCache = new Map<string, Weighted<number>>();
  const blockTable = (uses: Partial<Record<LandUse, number>>) => {
    const key = JSON.stringify(uses);
    if (!blockCache.has(key)) blockCache.set(key, new Weighted(admin.blocks.map((b) => b.idx), admin.blocks.map((b) => b.cells.length * (uses[b.landUse] ?? 0.2))));
    return blockCache.get(key)!;
  };
  type Gen = (r: Rng, month: number) => [number, number];
  const onRoad = (cls: [number, number, number], uses: Partial<Record<LandUse, number>>): Gen => {
    const table = roadTable(cls, uses);
    return (r) => {
      const s = net.segments[table.pick(r)];
      const t = r.uniform(0.04, 0.96);
      const ax = m.x[s.a], ay = m.y[s.a], bx = m.x[s.b], by = m.y[s.b];
      const side = r.chance(0.5) ? 1 : -1;
      const o = side * r.uniform(0, HALF_WIDTH[s.cls] + 8);
      return [ax + t * (bx - ax) - (o * (by - ay)) / s.len, ay + t * (by - ay) + (o * (bx - ax)) / s.len];
    };
  };
  const inArea = (uses: Partial<Record<LandUse, number>>): Gen => {
    const table = blockTable(uses);
    return (r) => {
      const b = admin.blocks[table.pick(r)];
      return pointInCell(m, r.pick(b.cells), r.uniform(0.06, 0.94), r.uniform(0.06, 0.94));
    };
  };
  const near = (ps: Place[], sigma: number): Gen => (r) => { const p = r.pick(ps); return [r.normal(p.x, sigma), r.normal(p.y, sigma)]; };
  /** Anywhere within `radius` of one of the places, evenly: the area around a market or school gate, not its door. */
  const around = (ps: Place[], radius: number): Gen => (r) => {
    const p = r.pick(ps);
    const d = radius * Math.sqrt(r.next()), a = r.uniform(0, 2 * Math.PI);
    return [p.x + d * Math.cos(a), p.y + d * Math.sin(a)];
  };
  const fallbackArea = inArea({ residential: 1, commercial: 1, public: 1, industrial: 1, green: 1 });
  const sites: Gen = (r, month) => {
    const active = places.sites.filter((s) => s.active && month >= s.active[0] && month <= s.active[1]);
    return active.length ? near(active, 130)(r, month) : inArea({ industrial: 2, residential: 1 })(r, month);
  };
  const nightAlley = net.roads[places.nightMarket.road!].parts[0];
  const nightMarket: Gen = (r) => {
    const k = r.int(0, nightAlley.length - 2);
    const a = nightAlley[k], b = nightAlley[k + 1], t = r.uniform(0.1, 0.9);
    return [m.x[a] + t * (m.x[b] - m.x[a]) + r.normal(0, 6), m.y[a] + t * (m.y[b] - m.y[a]) + r.normal(0, 6)];
  };
  const mix = (parts: [Gen, number][]): Gen => { const wt = new Weighted(parts.map((p) => p[0]), parts.map((p) => p[1])); return (r, mo) => wt.pick(r)(r, mo); };
  const commerce = { commercial: 3, residential: 2, public: 1.5, industrial: 0.3, green: 0.2 };
  const PROFILES: Record<Profile, Gen> = {
    vending: mix([[onRoad([1, 1, 0.5], commerce), 0.56], [around(places.markets, 150), 0.2], [around(places.schools, 190), 0.09], [nightMarket, 0.04], [around([places.station], 110), 0.05], [around([places.mall], 250), 0.06]]),
    parking: mix([[onRoad([3, 1.5, 0.5], { commercial: 3, residential: 1.5, public: 2, industrial: 0.5, green: 0.2 }), 0.83], [around([places.hospital], 240), 0.05], [around([places.station], 340), 0.04], [around([places.mall], 250), 0.04], [around(places.schools, 190), 0.02], [around(places.markets, 150), 0.02]]),
    litter: mix([[onRoad([1, 1.2, 2], { residential: 2, commercial: 1.5, industrial: 1, public: 1, green: 0.6 }), 0.65], [inArea({ residential: 2, industrial: 1, commercial: 1, green: 0.5 }), 0.2], [around(places.markets, 150), 0.08], [sites, 0.07]]),
    hanging: mix([[onRoad([0.3, 1, 3], { residential: 4, commercial: 1, industrial: 0.3, public: 0.5, green: 0.2 }), 0.8], [inArea({ residential: 1 }), 0.2]]),
    ads: mix([[onRoad([1, 1.5, 2], { residential: 2.5, commercial: 2, public: 1, industrial: 0.5, green: 0.2 }), 0.85], [near(places.schools, 100), 0.05], [near(places.markets, 80), 0.1]]),
    signboard: mix([[onRoad([2, 1.5, 0.5], { commercial: 4, residential: 1.5, public: 1, industrial: 0.5, green: 0.1 }), 0.9], [near([places.mall], 80), 0.1]]),
    construction: mix([[sites, 0.5], [onRoad([2, 1, 0.3], { industrial: 2, residential: 1, commercial: 1 }), 0.5]]),
    emergency: onRoad([2, 1.5, 1], {}),
    green: mix([[inArea({ green: 4, public: 2, residential: 1, commercial: 0.5, industrial: 0.5 }), 0.5], [onRoad([2, 1, 0.3], { green: 3, public: 2, residential: 1 }), 0.5]]),
    other: mix([[inArea({ residential: 3, commercial: 1.5, public: 1, industrial: 1, green: 0.5 }), 0.6], [onRoad([1, 1, 1], {}), 0.4]]),
  };
  const hotspotW = Array.from({ length: opts.months }, (_, k) => {
    const wts = places.hotspots.map((h) => h.weight * trendWeight(h.trend, k, opts.months));
    return wts.some((x) => x > 0) ? new Weighted(places.hotspots, wts) : null;
  });

  /** Road within the 30 m snap distance, the same rule the database applies (§5.2). */
  const roadAt = (x: number, y: number) => {
    const hit = net.nearest(x, y, 31);
    if (!hit) return { road: null, ambiguous: false };
    const s = net.segments[hit.seg];
    return { road: hit.d <= 30 ? { id: net.roads[s.road].id, cls: s.cls } : null, ambiguous: hit.d > 29 };
  };
  /** A located point: in a district cell, not within a metre of the road snap distance or a zone edge. */
  const locate = (gen: () => [number, number]): Located => {
    let last: Located | null = null;
    for (let attempt = 0; attempt < 30; attempt++) {
      const [gx, gy] = attempt < 25 ? gen() : fallbackArea(rng, 0);
      const [lon, lat] = toLonLat(m.frame, gx, gy);
      const cell = locator.cellAt(lon, lat);
      if (cell < 0) continue;
      const [x, y] = toXY(m.frame, lon, lat);
      const { road, ambiguous } = roadAt(x, y);
      const zone = zonesAt(zones, lon, lat);
      last = { x, y, lon, lat, cell, road, zones: zone.zones };
      if (!ambiguous && !zone.nearEdge) return last;
    }
    if (!last) throw new Error('could not place a case inside the district');
    return last;
  };

  // ---- time of day by source (seconds after local midnight)
  const timeOfDay = (src: CaseSource, r: Rng): number => {
    const u = r.next();
    const h = (a: number, b: number) => r.uniform(a, b) * 3600;
    switch (src) {
      case 'patrol':
      case 'follow-up':
        return u < 0.03 ? h(6.5, 8.5) : u < 0.49 ? h(8.5, 12) : u < 0.93 ? h(14, 18) : h(18, 21.5);
      case 'hotline':
      case 'wechat':
      case 'web':
        return u < 0.35 ? h(8, 12) : u < 0.7 ? h(14, 18) : u < 0.95 ? h(18, 23) : h(0, 7);
      case 'video':
        return u < 0.8 ? h(7, 22) : h(0, 24);
      default:
        return u < 0.5 ? h(8.5, 12) : h(14, 18);
    }
  };

  // ---- actors
  const OPERATOR: Actor = { user: '受理员', role: 'operator' };
  const DISPATCHER: Actor = { user: '派遣员', role: 'dispatcher' };
  const deptActor = (id: string): Actor => ({ user: id, role: 'department', department: id });
  const workGridOf = (cell: number) => admin.workGrids.find((wg) => wg.code === admin.grids[admin.cellGrid[cell]].work_grid_code)!;
  const deptId = (k: DeptKey | 'street', cell: number) => (k === 'street' ? depts.streetOffice[admin.cellStreet[cell]].id : depts.byKey[k].id);
  const lateDrift = Array.from({ length: opts.months }, () => rng.uniform(0.6, 1.4)); // some months go worse

  const stats: CaseStats = {
    total: 0, start, asOf: isoLocal(asOf, off), byStatus: {}, bySource: {}, components: 0, closed: 0, closedOverdue: 0, openOverdue: 0,
    reworked: 0, extended: 0, redispatched: 0, suspendedNow: 0, wasSuspended: 0, duplicates: 0, zoneViolations: {}, key: 0, perMonth: {},
  };

  /** Drives one case through the workflow; actions dated at or after asOf do not happen (the case stays open). */
  const simulate = (d: Draft, id: string, r: Rng): CaseState => {
    const limit = d.zone.limit;
    let s = newCaseState({ id, districtCode: opts.countyCode, reportedAt: d.reportedAt, timeLimit: limit, duplicateOf: null });
    let open = true;
    const act = (action: string, when: Date, actor: Actor, extra: Partial<ActionContext> = {}): boolean => {
      // Whole seconds, as the files store them: a deadline computed from a sub-second instant could cross a
      // work-period boundary that the stored (truncated) time does not.
      const t = new Date(Math.floor(when.getTime() / 1000) * 1000);
      if (!open || t.getTime() >= asOfMs) { open = false; return false; }
      const res = applyAction(s, action, { now: t, actor, calendar: cal, ...extra });
      if (!res.ok) throw new Error(`${id}: ${action} from ${s.status}: ${res.error}`);
      s = res.next;
      return true;
    };
    const t0 = d.reportedAt.getTime();
    if (d.parent) {
      act('void', new Date(t0 + Math.min(2 * HOUR, r.lognormal(8 * MIN, 0.6))), OPERATOR, { duplicateOf: d.parent.id });
      return s;
    }
    if (r.chance(0.006)) { // 不予受理: out of scope, unclear or not a problem on inspection
      act('void', new Date(t0 + Math.min(4 * HOUR, r.lognormal(15 * MIN, 0.7))), OPERATOR);
      return s;
    }
    // The centre answers 08:00–22:00 every day; night reports wait for the morning shift.
    const { minute } = localClock(d.reportedAt, off);
    let t = minute >= 8 * 60 && minute < 22 * 60
      ? t0 + Math.min(HOUR, r.lognormal(6 * MIN, 0.7))
      : t0 + ((minute >= 22 * 60 ? 24 * 60 : 0) + 8 * 60 - minute) * MIN + r.lognormal(15 * MIN, 0.6);
    if (!act('accept', new Date(t), OPERATOR)) return s;
    t += Math.min(HOUR, r.lognormal(3 * MIN, 0.6));
    if (!act('register', new Date(t), OPERATOR, { timeLimit: limit })) return s;
    const dept = deptId(d.deptKey, d.at.cell);
    const redispatch = r.chance(0.02) ? (r.chance(0.7) ? 'redispatch' : 'return') : null;
    let first = dept;
    if (redispatch) {
      const alt = d.cat.kind === 'event' ? d.cat.depts.map(([k]) => deptId(k, d.at.cell)).find((x) => x !== dept) : undefined;
      first = alt ?? (dept === depts.byKey.enforcement.id ? depts.streetOffice[admin.cellStreet[d.at.cell]].id : depts.byKey.enforcement.id);
    }
    t += Math.min(2 * HOUR, r.lognormal(7 * MIN, 0.8));
    if (!act('dispatch', new Date(t), DISPATCHER, { department: first })) return s;
    const unit = limit.unit;
    const L = limitMs(limit, cal);
    const adv = (from: Date, ms: number) => (unit === 'calendar_hours' ? new Date(from.getTime() + ms) : addWorkTime(from, Math.max(0, ms), cal));
    let cur = new Date(t);
    if (redispatch) {
      cur = adv(cur, Math.max(5 * MIN, Math.min(L * 0.3, r.lognormal(40 * MIN, 0.7))));
      if (redispatch === 'redispatch') act('redispatch', cur, DISPATCHER, { department: dept });
      else {
        act('return', cur, DISPATCHER);
        cur = new Date(cur.getTime() + r.lognormal(10 * MIN, 0.5));
        act('dispatch', cur, DISPATCHER, { department: dept });
      }
    }
    const suspend = r.next();
    if (suspend < 0.0075) { // 挂账: waits on something outside the department (land, funding, another owner)
      cur = adv(cur, L * r.uniform(0.1, 0.4));
      act('suspend', cur, DISPATCHER);
      cur = new Date(cur.getTime() + (suspend < 0.0025 ? r.uniform(40, 200) * DAY : r.lognormal(4 * DAY, 0.6)));
      act('resume', cur, DISPATCHER);
    }
    if (r.chance(unit === 'work_days' ? 0.04 : 0.012)) { // 延期 granted before the deadline
      const left = Math.max(0, timeBetween(cur, s.deadline!, unit, cal));
      cur = adv(cur, left * r.uniform(0.3, 0.8));
      act('extend', cur, DISPATCHER, { extendBy: limit });
    }
    if (!open) return s;
    const rework = r.chance(0.035);
    const stuck = r.chance(0.002);
    const late = r.chance(Math.min(0.9, 0.85 * LATE[d.deptKey] * lateDrift[monthOf(Math.floor((t0 - startMs) / DAY))] + (rework ? 0.3 : 0)));
    const avail = Math.max(0, timeBetween(cur, s.deadline!, unit, cal));
    const minTotal = 12 * MIN;
    let total: number;
    let at: (f: number) => Date;
    if (stuck) {
      total = r.uniform(20, 120) * DAY; // a case nobody manages to finish: open for weeks or months
      at = (f) => new Date(cur.getTime() + total * f);
    } else {
      total = !late && avail > minTotal * 1.5 ? Math.max(minTotal, avail * (0.12 + 0.83 * Math.pow(r.next(), 1.4))) : avail + L * r.lognormal(0.35, 0.9) + 5 * MIN;
      at = (f) => adv(cur, total * f);
    }
    const dep = deptActor(dept);
    const collector: Actor = { user: workGridOf(d.at.cell).collector, role: 'collector' };
    if (rework) {
      if (!act('handle', at(0.3), dep)) return s;
      if (!act('verify-fail', at(0.45), collector)) return s;
      if (!act('handle', at(0.8), dep)) return s;
      if (!act('verify-pass', at(0.93), collector)) return s;
    } else {
      const h = r.uniform(0.55, 0.85);
      if (!act('handle', at(h), dep)) return s;
      if (!act('verify-pass', at(r.uniform(h + 0.05, 0.97)), collector)) return s;
    }
    act('close', at(1), OPERATOR);
    return s;
  };

  /** Violation, zone-shortened limit and 重点 flag, decided the way live intake decides them. */
  const zoneOutcome = (cat: Cat, at: Located, when: Date): ZoneOutcome => {
    const here = at.zones.map(atPoint);
    const limited = zoneTimeLimit(cat.minor.limit, here, DEFAULT_ZONE_TIME_LIMIT_FACTORS);
    return { violation: zoneViolation(here, `${cat.kind}:${cat.minor.code}`, when, off), limit: limited.limit, zoneClass: limited.zoneClass, key: here.some((z) => z.level === 'key') };
  };
  /** The intake's zones entry: [{id, name, level, timeLimitClass, violation?}]. */
  const zonesJson = (d: Draft) => JSON.stringify(d.at.zones.map((z) => ({
    id: z.id, name: z.name, level: z.level, timeLimitClass: z.time_limit_class, ...(d.zone.violation?.zoneId === z.id ? { violation: true } : {}),
  })));

  const writer = new CsvGzWriter(opts.file, CASE_COLUMNS);
  /** event cases of the last weeks, oldest first (a problem comes back within days, whatever the city's size) */
  const recent: { cat: Cat; x: number; y: number; t: number }[] = [];
  const RECENT_MS = 14 * 86_400_000;
  let pending: Draft[] = [];
  let seq = 0;

  const makeDraft = (dayIdx: number, date: string, r: Rng): Draft => {
    const month = monthOf(dayIdx);
    const source = sourceW.pick(r);
    const midnight = atLocal(date, '00:00', cal).getTime();
    let secs = timeOfDay(source, r);
    for (let k = 0; k < 20 && midnight + secs * 1000 >= asOfMs; k++) secs = timeOfDay(source, r);
    if (midnight + secs * 1000 >= asOfMs) secs = r.uniform(0, (asOfMs - midnight) / 1000);
    let reportedAt = new Date(midnight + Math.floor(secs) * 1000);
    const u = r.next();
    let cat: Cat;
    let gen: () => [number, number];
    const hs = hotspotW[month];
    if (hs && u < 0.02 && source !== 'follow-up') {
      const h = hs.pick(r);
      cat = eventByName.get(r.pick(h.minors))!;
      gen = () => [r.normal(h.x, 12), r.normal(h.y, 12)];
      const evening = midnight + Math.floor(r.uniform(16.5, 23) * 3600) * 1000; // stalls set up early or stay late
      if (h.name === places.nightMarket.name && evening < asOfMs) reportedAt = new Date(evening);
    } else if (u < 0.035 && recent.length && recent[0].t <= midnight - RECENT_MS / 2) { // the same problem again at the same spot
      let lo = 0;
      while (lo < recent.length - 1 && recent[lo].t < midnight - RECENT_MS) lo++;
      const p = recent[r.int(lo, recent.length - 1)];
      cat = p.cat;
      gen = () => [r.normal(p.x, 8), r.normal(p.y, 8)];
    } else {
      cat = catW.get(source)!.pick(r);
      const g = cat.kind === 'event' ? PROFILES[cat.profile] : fallbackArea;
      gen = () => g(r, month);
    }
    let at: Located;
    let componentIdx = -1;
    if (cat.kind === 'component') {
      const list = comps.byRule[cat.rule];
      componentIdx = list[r.int(0, list.length - 1)];
      const lon = comps.lon[componentIdx], lat = comps.lat[componentIdx];
      const [x, y] = toXY(m.frame, lon, lat);
      at = { x, y, lon, lat, cell: comps.cell[componentIdx], road: roadAt(x, y).road, zones: zonesAt(zones, lon, lat).zones };
    } else {
      at = locate(gen);
      recent.push({ cat, x: at.x, y: at.y, t: midnight });
      let old = 0;
      while (old < recent.length && recent[old].t < midnight - RECENT_MS) old++;
      if (old > 1000) recent.splice(0, old);
    }
    let deptKey: DeptKey | 'street' = 'street';
    if (cat.kind === 'event') {
      const wt = new Weighted(cat.depts.map((x) => x[0]), cat.depts.map((x) => x[1]));
      deptKey = wt.pick(r);
      const { minute } = localClock(reportedAt, off);
      if (deptKey === 'enforcement' && (minute >= 19 * 60 || minute < 7 * 60) && r.chance(0.7)) deptKey = 'nightSquad';
    } else {
      const rule = RULES[cat.rule];
      deptKey = rule.maintainer;
    }
    return { seq: seq++, source, cat, reportedAt, at, componentIdx, deptKey, zone: zoneOutcome(cat, at, reportedAt) };
  };

  const description = (d: Draft, r: Rng, address: string): string => {
    const name = d.cat.minor.name;
    if (d.cat.kind === 'component') {
      const key = Object.keys(COMPONENT_DEFECTS).find((k) => name.endsWith(k) || name === k);
      return `${address}${name}${r.pick(key ? COMPONENT_DEFECTS[key] : ['破损', '损坏'])}`;
    }
    const phrases = PHRASES[name];
    return `${address}${phrases ? r.pick(phrases) : `发现${name}问题，请及时处置`}`;
  };
  const reporterOf = (d: Draft, r: Rng): string => {
    switch (d.source) {
      case 'patrol': case 'follow-up': return workGridOf(d.at.cell).collector;
      case 'hotline': return `${personName(r).slice(0, 1)}${r.chance(0.5) ? '先生' : '女士'}（12345）`;
      case 'wechat': return `微信用户${String(r.int(1000, 9999))}`;
      case 'web': return '网站留言';
      case 'video': return '视频巡查';
      case 'leader': return '领导交办';
      case 'media': return r.pick(['柳州日报', '柳州晚报', '柳州电视台']);
    }
  };

  let debt = 0; // same-day duplicates beyond a day's quota, taken from the following days
  for (let di = 0; di < days.length; di++) {
    const date = days[di];
    const r = rng.fork(`day-${date}`);
    const dayEnd = atLocal(addDays(date, 1), '00:00', cal).getTime();
    const quota = Math.max(0, perDay[di] - debt);
    debt = Math.max(0, debt - perDay[di]);
    const rows: Row[] = pending.filter((p) => p.reportedAt.getTime() < dayEnd).slice(0, quota).map((draft) => ({ id: '', draft, state: null as unknown as CaseState }));
    pending = pending.filter((p) => p.reportedAt.getTime() >= dayEnd);
    while (rows.length < quota) rows.push({ id: '', draft: makeDraft(di, date, r), state: null as unknown as CaseState });
    // Originals first (their id is not known yet and does not change their course); each may draw a second
    // report of the same open problem, by a citizen or another collector, voided as its duplicate.
    for (const row of rows.filter((x) => !x.draft.parent)) {
      row.state = simulate(row.draft, '', r);
      const s = row.state, d = row.draft;
      if (s.status === 'voided' || !r.chance(0.015)) continue;
      const t = new Date(Math.floor((d.reportedAt.getTime() + Math.max(5 * MIN, r.lognormal(50 * MIN, 1))) / 1000) * 1000);
      if (t.getTime() >= asOfMs || (s.closedAt && t >= s.closedAt)) continue;
      const src: CaseSource = r.chance(0.35) ? 'hotline' : r.chance(0.3) ? 'wechat' : 'patrol';
      const at = d.cat.kind === 'component' ? d.at : locate(() => [r.normal(d.at.x, 6), r.normal(d.at.y, 6)]);
      const dup: Draft = { ...d, seq: seq++, source: src, reportedAt: t, at, zone: zoneOutcome(d.cat, at, t), parent: row };
      if (t.getTime() >= dayEnd) pending.push(dup);
      else if (di < days.length - 1) { rows.push({ id: '', draft: dup, state: null as unknown as CaseState }); debt++; }
    }
    // Number the day in report order, then void the duplicates against their (now numbered) originals.
    rows.sort((a, b) => a.draft.reportedAt.getTime() - b.draft.reportedAt.getTime() || a.draft.seq - b.draft.seq);
    const ymd = date.replaceAll('-', '');
    rows.forEach((row, k) => { row.id = `${opts.countyCode}${ymd}${String(k + 1).padStart(5, '0')}`; });
    for (const row of rows) row.state = row.draft.parent ? simulate(row.draft, row.id, r) : { ...row.state, id: row.id };
    for (const row of rows) {
      const { draft: d, state: s } = row;
      const address = addressAt(m, net, d.at.x, d.at.y, admin.communities[admin.cellCommunity[d.at.cell]].name, d.at.cell);
      const grid = admin.grids[admin.cellGrid[d.at.cell]];
      const iso = (x: Date | null) => (x ? isoLocal(x, off) : null);
      await writer.write([
        row.id, opts.countyCode, d.source, d.cat.kind, d.cat.minor.major, d.cat.minor.code, null,
        description(d, r, address), address, reporterOf(d, r),
        d.componentIdx >= 0 ? comps.id(d.componentIdx) : null,
        s.status, s.departmentId, grid.street_code, grid.community_code, grid.code, grid.work_grid_code,
        d.at.road?.id ?? null, d.at.road?.cls ?? 'alley', zonesJson(d), d.zone.violation?.level ?? null, d.zone.key,
        s.timeLimitValue, s.timeLimitUnit,
        iso(s.reportedAt), iso(s.acceptedAt), iso(s.registeredAt), iso(s.dispatchedAt), iso(s.handledAt), iso(s.verifiedAt), iso(s.closedAt),
        iso(s.voidedAt), iso(s.suspendedAt), s.suspendedSeconds, iso(s.deadline), s.extendedCount, s.reworkCount, s.redispatchCount,
        s.duplicateOf, s.version, iso(s.reportedAt), iso(s.updatedAt ?? s.reportedAt), d.at.lon.toFixed(7), d.at.lat.toFixed(7),
        d.zone.zoneClass, caseLight(s, asOf, cal, YELLOW_AT),
      ]);
      // stats
      stats.total++;
      stats.byStatus[s.status] = (stats.byStatus[s.status] ?? 0) + 1;
      stats.bySource[d.source] = (stats.bySource[d.source] ?? 0) + 1;
      if (d.cat.kind === 'component') stats.components++;
      if (s.closedAt) { stats.closed++; if (s.deadline && s.closedAt > s.deadline) stats.closedOverdue++; }
      else if (s.status !== 'voided' && s.deadline && s.deadline < asOf) stats.openOverdue++;
      if (s.reworkCount) stats.reworked++;
      if (s.extendedCount) stats.extended++;
      if (s.redispatchCount) stats.redispatched++;
      if (s.status === 'suspended') stats.suspendedNow++;
      if (s.suspendedSeconds > 0) stats.wasSuspended++;
      if (s.duplicateOf) stats.duplicates++;
      if (d.zone.violation) stats.zoneViolations[d.zone.violation.level] = (stats.zoneViolations[d.zone.violation.level] ?? 0) + 1;
      if (d.zone.key) stats.key++;
      const mo = date.slice(0, 7);
      stats.perMonth[mo] = (stats.perMonth[mo] ?? 0) + 1;
    }
  }
  await writer.close();
  return stats;
}
