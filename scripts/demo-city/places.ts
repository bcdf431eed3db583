/**
 * Named places that shape where things happen: the 管委会 square, a bus station, schools, a hospital,
 * markets, a night market, a shopping centre, construction sites, and persistent problem spots (hotspots).
 */
import { cellCentre, cellCorners, cid, type Mesh } from './mesh.ts';
import type { Admin, LandUse } from './districts.ts';
import type { Network } from './roads.ts';
import type { Rng } from './prng.ts';

export type PlaceKind = 'gov' | 'station' | 'school' | 'hospital' | 'market' | 'nightMarket' | 'mall' | 'site';

export interface Place {
  key: string;
  name: string;
  kind: PlaceKind;
  cell: number;
  x: number;
  y: number;
  /** construction sites: active months (0 = first month of the period) */
  active?: [number, number];
  /** night market: the alley it lines */
  road?: number;
}

export type Trend = 'steady' | 'rising' | 'fading' | 'new';

export interface Hotspot {
  name: string;
  x: number;
  y: number;
  minors: string[]; // event minor names
  trend: Trend;
  weight: number;
}

export interface Places {
  gov: Place;
  station: Place;
  hospital: Place;
  schools: Place[];
  markets: Place[];
  nightMarket: Place;
  mall: Place;
  sites: Place[];
  hotspots: Hotspot[];
  all: Place[];
}

/** A point inside a cell: bilinear position (s, t ∈ [0, 1]) on its quad. */
export function pointInCell(m: Mesh, c: number, s: number, t: number): [number, number] {
  const [a, b, cc, d] = cellCorners(m, c);
  const w = [(1 - s) * (1 - t), s * (1 - t), s * t, (1 - s) * t];
  return [w[0] * m.x[a] + w[1] * m.x[b] + w[2] * m.x[cc] + w[3] * m.x[d], w[0] * m.y[a] + w[1] * m.y[b] + w[2] * m.y[cc] + w[3] * m.y[d]];
}

export function buildPlaces(m: Mesh, admin: Admin, net: Network, months: number, rng: Rng): Places {
  const use = (c: number): LandUse => admin.blocks[admin.cellBlock[c]].landUse;
  const taken = new Set<number>();
  const dist = (a: [number, number], b: [number, number]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const make = (key: string, name: string, kind: PlaceKind, c: number, extra: Partial<Place> = {}): Place => {
    taken.add(c);
    const [x, y] = cellCentre(m, c);
    return { key, name, kind, cell: c, x, y, ...extra };
  };

  // 管委会: at the crossing of 阳和大道 (road 0) and 柳东大道 (road 1), in a district cell touching it.
  const crossing = [...net.vertexRoads.entries()].find(([, rs]) => rs.includes(0) && rs.includes(1));
  if (!crossing) throw new Error('阳和大道 and 柳东大道 do not cross');
  const vi = crossing[0] % (m.nx + 1), vj = Math.floor(crossing[0] / (m.nx + 1));
  const around = [cid(m, vi, vj), cid(m, vi - 1, vj), cid(m, vi - 1, vj - 1), cid(m, vi, vj - 1)].filter((c) => m.inDistrict[c]);
  const gov = make('gov', '新区管委会', 'gov', around[0]);
  const govXY: [number, number] = [gov.x, gov.y];

  // Cells beside roads of a class, inside the district, not yet taken.
  const beside = (cls: 'main' | 'secondary' | 'alley') => {
    const set = new Set<number>();
    for (const s of net.segments) if (s.cls === cls) for (const c of [s.left, s.right]) if (c >= 0) set.add(c);
    return [...set].sort((a, b) => a - b);
  };
  const choose = (cands: number[], ok: (c: number) => boolean, label: string): number => {
    const pool = cands.filter((c) => !taken.has(c) && ok(c));
    if (!pool.length) throw new Error(`no cell for ${label}`);
    return rng.pick(pool);
  };
  const d0 = (c: number) => dist(cellCentre(m, c), govXY);
  const farFrom = (ps: { x: number; y: number }[], min: number) => (c: number) => ps.every((p) => dist(cellCentre(m, c), [p.x, p.y]) >= min);

  // Bus station: at a crossing of two avenues 2–3.5 km out.
  const mainCross = [...net.vertexRoads.entries()]
    .filter(([, rs]) => rs.filter((r) => net.roads[r].class === 'main').length >= 2)
    .map(([v]) => v)
    .filter((v) => { const d = Math.hypot(m.x[v] - gov.x, m.y[v] - gov.y); return d > 2000 && d < 3500; })
    .flatMap((v) => { const i = v % (m.nx + 1), j = Math.floor(v / (m.nx + 1)); return [cid(m, i, j), cid(m, i - 1, j), cid(m, i - 1, j - 1), cid(m, i, j - 1)]; })
    .filter((c) => m.inDistrict[c]);
  const station = make('station', '阳和客运站', 'station', choose(mainCross, () => true, 'station'));

  const secCells = beside('secondary');
  const mainCells = beside('main');
  const hospital = make('hospital', '新区人民医院', 'hospital', choose(secCells, (c) => ['public', 'residential'].includes(use(c)) && d0(c) > 800 && d0(c) < 2300, 'hospital'));
  const schools: Place[] = [];
  for (const name of ['阳和第一中学', '阳和小学', '古亭实验学校']) {
    schools.push(make(`school${schools.length + 1}`, name, 'school', choose(secCells, (c) => use(c) === 'residential' && farFrom([...schools, hospital], 1200)(c), name)));
  }
  const markets: Place[] = [];
  for (const name of ['阳和农贸市场', '新圩农贸市场']) {
    markets.push(make(`market${markets.length + 1}`, name, 'market', choose(secCells, (c) => ['residential', 'commercial'].includes(use(c)) && d0(c) > 700 && d0(c) < 3200 && farFrom([...markets, ...schools], 900)(c), name)));
  }
  const mall = make('mall', '阳和商业广场', 'mall', choose(mainCells, (c) => use(c) === 'commercial' && d0(c) > 400 && d0(c) < 1800 && farFrom(markets, 800)(c), 'mall'));

  // Night market: the alley in a commercial block nearest the centre.
  const alleys = net.roads.map((r, k) => ({ r, k })).filter(({ r }) => r.class === 'alley');
  const alleyScore = (k: number) => {
    const seg = net.segments.find((s) => s.road === k)!;
    const c = seg.left >= 0 ? seg.left : seg.right;
    return { c, d: d0(c), ok: use(c) === 'commercial' || use(c) === 'residential' };
  };
  const nm = alleys.map(({ k }) => ({ k, ...alleyScore(k) })).filter((a) => a.ok && a.d > 500 && !taken.has(a.c)).sort((a, b) => a.d - b.d)[0];
  if (!nm) throw new Error('no alley for the night market');
  net.roads[nm.k].name = '美食夜市街';
  const nightMarket = make('nightMarket', '阳和夜市', 'nightMarket', nm.c, { road: nm.k });

  // Construction sites, each active for part of the year.
  const sites: Place[] = [];
  const siteCells = admin.blocks.filter((b) => b.landUse === 'industrial' || b.landUse === 'residential').flatMap((b) => b.cells);
  for (let k = 0; k < 7; k++) {
    const start = rng.int(0, months - 3);
    const c = choose(siteCells, farFrom(sites, 900), 'site');
    sites.push(make(`site${k + 1}`, `${['阳和', '古亭', '双冲', '龙湾', '新圩', '官塘', '白沙'][k]}${rng.pick(['安置房', '产业园', '标准厂房', '商住楼', '道路改造'])}项目工地`, 'site', c, { active: [start, Math.min(months - 1, start + rng.int(2, 6))] }));
  }

  // Hotspots: the spot on the road nearest a place, set back onto the pavement.
  const onRoadNear = (p: { x: number; y: number }, side = 8): [number, number] => {
    const hit = net.nearest(p.x, p.y, 400);
    if (!hit) return [p.x, p.y];
    const s = net.segments[hit.seg];
    const ax = m.x[s.a], ay = m.y[s.a], bx = m.x[s.b], by = m.y[s.b];
    const t = Math.min(0.85, Math.max(0.15, hit.t));
    const qx = ax + t * (bx - ax), qy = ay + t * (by - ay);
    const len = Math.hypot(p.x - qx, p.y - qy) || 1;
    return [qx + ((p.x - qx) / len) * side, qy + ((p.y - qy) / len) * side];
  };
  const at = (c: number) => { const [x, y] = cellCentre(m, c); return { x, y }; };
  const resAlleyCell = choose(beside('alley'), (c) => use(c) === 'residential', 'hotspot alley');
  const resAlley2 = choose(beside('alley'), (c) => use(c) === 'residential' && farFrom([at(resAlleyCell)], 1000)(c), 'hotspot alley 2');
  const indCell = choose(secCells.concat(mainCells), (c) => use(c) === 'industrial', 'industrial road');
  const adsCell = choose(secCells, (c) => use(c) === 'residential' && farFrom(schools, 600)(c), 'ads road');
  const hs = (name: string, pt: [number, number], minors: string[], trend: Trend, weight: number): Hotspot => ({ name, x: pt[0], y: pt[1], minors, trend, weight });
  const hotspots: Hotspot[] = [
    hs(`${markets[0].name}门口`, onRoadNear(markets[0]), ['无照经营游商', '占道经营'], 'steady', 1.4),
    hs(`${markets[1].name}门口`, onRoadNear(markets[1]), ['占道经营', '暴露垃圾'], 'steady', 1.0),
    hs(`${schools[0].name}校门`, onRoadNear(schools[0]), ['无照经营游商'], 'steady', 0.9),
    hs(`${mall.name}前`, onRoadNear(mall, 12), ['车辆乱停放（人行道）', '店外经营'], 'steady', 1.2),
    hs(`${station.name}出站口`, onRoadNear(station, 15), ['车辆乱停放（人行道）', '无照经营游商'], 'rising', 1.0),
    hs(`${nightMarket.name}`, onRoadNear(nightMarket, 3), ['占道经营', '道路不洁'], 'steady', 1.1),
    hs('居民区巷道垃圾点', onRoadNear(at(resAlleyCell), 3), ['暴露垃圾', '积存垃圾渣土'], 'steady', 1.0),
    hs('老旧小区晾晒点', onRoadNear(at(resAlley2), 3), ['沿街晾挂'], 'new', 1.3),
    hs('工业区路段', onRoadNear(at(indCell), 10), ['随意丢弃建筑垃圾', '道路不洁'], 'fading', 1.0),
    hs('小广告张贴点', onRoadNear(at(adsCell), 6), ['非法小广告'], 'steady', 0.8),
    hs(`${hospital.name}门前`, onRoadNear(hospital, 10), ['车辆乱停放（人行道）'], 'new', 1.0),
  ];
  return { gov, station, hospital, schools, markets, nightMarket, mall, sites, hotspots, all: [gov, station, hospital, ...schools, ...markets, nightMarket, mall, ...sites] };
}

/** Relative activity of a hotspot in month k of n (trend over the year). */
export function trendWeight(trend: Trend, k: number, n: number): number {
  const f = n > 1 ? k / (n - 1) : 1;
  switch (trend) {
    case 'steady': return 1;
    case 'rising': return 0.3 + 1.7 * f * f;
    case 'fading': return Math.max(0.05, 2 - 2.2 * f);
    case 'new': return k >= n - 3 ? 1.5 + 0.5 * (k - (n - 3)) : 0;
  }
}
