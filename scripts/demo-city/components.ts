/**
 * 部件 along the roads: manhole covers of each utility, street lights, bins, street trees, signs, hydrants,
 * bus shelters, kiosks, notice boards …, at densities per km by road class, scaled so the total is exactly
 * the requested count. Streams rows to gzip and keeps only compact typed arrays for the case generator.
 */
import type { Mesh } from './mesh.ts';
import type { Admin, LandUse } from './districts.ts';
import { HALF_WIDTH, type Network, type RoadClass } from './roads.ts';
import type { Categories, Minor } from './categories.ts';
import type { DeptKey, DepartmentSet } from './departments.ts';
import type { Locator } from './locate.ts';
import { Rng } from './prng.ts';
import { toLonLat } from './projection.ts';
import { CsvGzWriter } from './csv.ts';

type Where = 'carriageway' | 'kerb' | 'back';
interface Rule {
  name: string;
  perKm: [number, number, number]; // main, secondary, alley
  at: Where;
  owner: DeptKey | 'street' | null;
  maintainer: DeptKey | 'street';
  uses?: Partial<Record<LandUse, number>>;
}

const R = (name: string, perKm: [number, number, number], at: Where, owner: Rule['owner'], maintainer: Rule['maintainer'], uses?: Rule['uses']): Rule => ({ name, perKm, at, owner, maintainer, uses });

export const RULES: Rule[] = [
  R('上水井盖', [12, 10, 6], 'carriageway', 'water', 'water'),
  R('污水井盖', [25, 22, 15], 'carriageway', 'water', 'water'),
  R('雨水井盖', [30, 20, 8], 'carriageway', 'water', 'water'),
  R('雨水箅子', [60, 45, 8], 'kerb', 'water', 'water'),
  R('电力井盖', [16, 12, 3], 'carriageway', 'power', 'power'),
  R('路灯井盖', [10, 8, 0], 'kerb', 'planning', 'streetLights'),
  R('通讯井盖', [18, 12, 4], 'kerb', 'tower', 'tower'),
  R('燃气井盖', [8, 8, 4], 'carriageway', 'gas', 'gas'),
  R('消防设施', [8, 8, 4], 'kerb', 'water', 'water'),
  R('通讯交接箱', [2, 2, 1], 'back', 'tower', 'tower'),
  R('电力设施', [1, 1.5, 1], 'back', 'power', 'power'),
  R('变压器（箱）', [0.5, 1, 1], 'back', 'power', 'power'),
  R('立杆', [4, 3, 1], 'kerb', 'planning', 'roadWorks'),
  R('路灯', [66, 28, 22], 'kerb', 'planning', 'streetLights'),
  R('监控电子眼', [3, 1, 0], 'kerb', 'traffic', 'traffic'),
  R('报刊亭', [0.6, 0.4, 0], 'back', 'social', 'social', { commercial: 3, public: 1.5, industrial: 0.2 }),
  R('交通标志牌', [7, 4, 0.5], 'kerb', 'traffic', 'traffic'),
  R('交通护栏', [10, 3, 0], 'carriageway', 'traffic', 'traffic'),
  R('交通信号灯', [2, 0.5, 0], 'kerb', 'traffic', 'traffic'),
  R('路名牌', [3, 3, 1.5], 'kerb', 'planning', 'roadWorks'),
  R('公交站亭', [2.5, 1, 0], 'kerb', 'bus', 'bus', { industrial: 0.5 }),
  R('公交站牌', [1, 0.8, 0], 'kerb', 'bus', 'bus'),
  R('便道桩', [4, 2, 0], 'kerb', 'planning', 'roadWorks', { commercial: 2.5, public: 1.5, industrial: 0.3 }),
  R('垃圾箱', [30, 18, 6], 'kerb', 'sanitation', 'sanitation', { commercial: 1.5, industrial: 0.6 }),
  R('公厕指示牌', [0.8, 0.5, 0.3], 'kerb', 'sanitation', 'toilets'),
  R('公共厕所', [0.4, 0.3, 0.2], 'back', 'sanitation', 'toilets'),
  R('广告牌匾', [6, 4, 2], 'back', null, 'planning', { commercial: 3, industrial: 0.3, green: 0.1 }),
  R('灯箱霓虹灯', [2, 1.5, 0.5], 'back', null, 'planning', { commercial: 3, industrial: 0.2, green: 0.1 }),
  R('行道树', [120, 80, 10], 'kerb', 'parks', 'parks'),
  R('树池', [4, 2, 0], 'kerb', 'parks', 'parks'),
  R('护树设施', [2, 1, 0], 'kerb', 'parks', 'parks'),
  R('绿地护栏', [3, 2, 0], 'kerb', 'parks', 'parks', { green: 3, public: 1.5 }),
  R('街头座椅', [1, 0.5, 0], 'kerb', 'parks', 'parks', { commercial: 2, green: 2 }),
  R('宣传栏', [0.5, 1, 1.5], 'back', 'street', 'street', { residential: 2, commercial: 1, industrial: 0.3, green: 0.2 }),
];

const CLASS_IDX: Record<RoadClass, number> = { main: 0, secondary: 1, alley: 2 };

export const COMPONENT_COLUMNS = ['id', 'district_code', 'kind_code', 'name', 'status', 'owner_dept', 'maintainer_dept', 'grid_code', 'updated_at', 'lon', 'lat'] as const;

/** What the case generator needs of each component, in compact arrays (index = row order). */
export interface ComponentStore {
  count: number;
  minors: Minor[]; // one per rule, aligned with RULES
  rule: Uint8Array;
  serial: Int32Array;
  lon: Float64Array;
  lat: Float64Array;
  cell: Int32Array;
  /** component indexes per rule */
  byRule: Int32Array[];
  id(k: number): string;
  maintainer(k: number): string;
}

export interface ComponentOptions {
  /** exact total, scaling every density; undefined = the densities as written (e.g. a lamp every ~30 m of avenue) */
  count?: number;
  countyCode: string;
  /** ISO date: components were surveyed in the year before this */
  surveyedBefore: string;
  file: string;
}

/** Exact per-rule counts: proportional to weight, rounded so they sum to `total` (largest remainders). */
function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (w / sum) * total);
  const out = raw.map(Math.floor);
  const order = raw.map((r, k) => [r - Math.floor(r), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; out.reduce((a, b) => a + b, 0) < total; k++) out[order[k % order.length][1]]++;
  return out;
}

export async function generateComponents(
  m: Mesh, admin: Admin, net: Network, cats: Categories, depts: DepartmentSet, locator: Locator, opts: ComponentOptions, rng: Rng,
): Promise<ComponentStore> {
  const minors = RULES.map((r) => cats.get('component', r.name));
  for (const mi of minors) if (mi.code.length !== 4) throw new Error(`component minor ${mi.name} has code ${mi.code}: ids need 4-digit minors`);
  const useOf = (cell: number): LandUse => (cell >= 0 ? admin.blocks[admin.cellBlock[cell]].landUse : 'green');
  const segWeight = (rule: Rule, s: (typeof net.segments)[number]) => (s.len / 1000) * rule.perKm[CLASS_IDX[s.cls]] * (rule.uses?.[useOf(s.left >= 0 ? s.left : s.right)] ?? 1);
  const ruleWeights = RULES.map((r) => net.segments.reduce((a, s) => a + segWeight(r, s), 0));
  const n = opts.count ?? Math.round(ruleWeights.reduce((a, b) => a + b, 0));
  const counts = apportion(ruleWeights, n);
  if (Math.max(...counts) > 999_999) throw new Error(`--components ${n}: more than 999999 of one minor does not fit the 6-digit serial`);

  const store = {
    count: n, minors, rule: new Uint8Array(n), serial: new Int32Array(n), lon: new Float64Array(n), lat: new Float64Array(n), cell: new Int32Array(n),
  };
  const writer = new CsvGzWriter(opts.file, COMPONENT_COLUMNS);
  const surveyEnd = Date.parse(`${opts.surveyedBefore}T00:00:00+08:00`);
  const streetOffice = (cell: number) => depts.streetOffice[admin.cellStreet[cell]].id;
  const dept = (k: DeptKey | 'street' | null, cell: number) => (k === null ? null : k === 'street' ? streetOffice(cell) : depts.byKey[k].id);
  let row = 0;
  for (let r = 0; r < RULES.length; r++) {
    const rule = RULES[r], minor = minors[r];
    const rr = rng.fork(`rule-${minor.code}`);
    const weights = net.segments.map((s) => segWeight(rule, s));
    const total = weights.reduce((a, b) => a + b, 0);
    const want = counts[r];
    // Systematic sampling along the road network: evenly spaced, random phase, a little jitter.
    let seg = 0, cum = weights[0];
    const phase = rr.next();
    for (let k = 0; k < want; k++) {
      const target = ((k + phase + rr.uniform(-0.3, 0.3)) / want) * total;
      const u = Math.min(Math.max(target, 0), total * (1 - 1e-12));
      while (cum <= u && seg < net.segments.length - 1) cum += weights[++seg];
      while (seg > 0 && cum - weights[seg] > u) cum -= weights[seg--];
      const s = net.segments[seg];
      const f = weights[seg] > 0 ? 1 - (cum - u) / weights[seg] : 0.5;
      const ax = m.x[s.a], ay = m.y[s.a], bx = m.x[s.b], by = m.y[s.b];
      const len = s.len || 1;
      const nx = -(by - ay) / len, ny = (bx - ax) / len; // left normal
      const hw = HALF_WIDTH[s.cls];
      let off = rule.at === 'carriageway' ? rr.uniform(1.5, hw * 0.7) : rule.at === 'kerb' ? hw - rr.uniform(0, 3) : hw + rr.uniform(1, 6);
      let side = rr.chance(0.5) ? 1 : -1;
      let t = 0.06 + 0.88 * f;
      let cell = -1, lon = 0, lat = 0;
      for (let attempt = 0; attempt < 12 && cell < 0; attempt++) {
        if (attempt === 1 || attempt === 5) side = -side; // the other side of the road
        if (attempt >= 2) { t = 0.5 + (t - 0.5) * 0.7; off = Math.max(1.5, off * 0.8); }
        [lon, lat] = toLonLat(m.frame, ax + t * (bx - ax) + side * off * nx, ay + t * (by - ay) + side * off * ny);
        cell = locator.cellAt(lon, lat);
      }
      if (cell < 0) throw new Error(`could not place ${minor.name} on segment ${seg}`);
      const serial = k + 1;
      const statusRoll = rr.next();
      const lossProne = minor.name.endsWith('井盖') || minor.name === '雨水箅子';
      const status = statusRoll < (lossProne ? 0.935 : 0.945) ? 'intact' : statusRoll < 0.975 ? 'damaged' : statusRoll < (lossProne ? 0.988 : 0.98) ? 'lost' : statusRoll < 0.992 ? 'abandoned' : 'removed';
      const updated = new Date(surveyEnd - Math.floor(rr.uniform(30, 400)) * 86_400_000 + Math.floor(rr.uniform(8.5, 17.5) * 3_600_000));
      store.rule[row] = r;
      store.serial[row] = serial;
      store.lon[row] = lon;
      store.lat[row] = lat;
      store.cell[row] = cell;
      await writer.write([
        opts.countyCode + minor.code + String(serial).padStart(6, '0'),
        opts.countyCode,
        minor.code,
        `${net.roads[s.road].name}${minor.name}`,
        status,
        dept(rule.owner, cell),
        dept(rule.maintainer, cell),
        admin.grids[admin.cellGrid[cell]].code,
        isoLocal(updated),
        lon.toFixed(7),
        lat.toFixed(7),
      ]);
      row++;
    }
  }
  await writer.close();
  const byRule = RULES.map(() => [] as number[]);
  for (let k = 0; k < n; k++) byRule[store.rule[k]].push(k);
  return {
    ...store,
    byRule: byRule.map((l) => Int32Array.from(l)),
    id: (k) => opts.countyCode + minors[store.rule[k]].code + String(store.serial[k]).padStart(6, '0'),
    maintainer: (k) => dept(RULES[store.rule[k]].maintainer, store.cell[k])!,
  };
}

/** "2026-01-05T09:12:33+08:00": local wall time with its offset, readable and exact. */
export function isoLocal(d: Date, offsetMinutes = 480): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const a = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
