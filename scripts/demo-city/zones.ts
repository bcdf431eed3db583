/**
 * 市容秩序等级区域: prohibited zones (严禁区) along the main avenue and around the 管委会 square and the station,
 * restricted zones (限制管理区) with allowed hours around markets and the night market, and key areas (重点区域)
 * around the station, schools, the hospital and the shopping centre. Also the point-in-zone test used for cases.
 */
import * as turf from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import type { Mesh } from './mesh.ts';
import type { Network } from './roads.ts';
import type { Places, Place } from './places.ts';
import type { Categories } from './categories.ts';
import { round7, toLonLat } from './projection.ts';
import { traceCells } from './tiling.ts';
import type { ZoneAtPoint, ZoneLevel } from '../../api/domain/zones.ts';

export interface TimeWindow {
  days: number[]; // ISO weekdays
  from: string; // "HH:MM", local time
  to: string;
}

export interface Zone {
  id: string;
  name: string;
  level: ZoneLevel;
  windows: TimeWindow[];
  governed_minors: string[]; // "event:0501"
  time_limit_class: 'A' | 'B' | 'C';
  geom: Position[][][];
  feature: Feature<MultiPolygon>;
  bbox: [number, number, number, number];
}

const DAILY = [1, 2, 3, 4, 5, 6, 7];

/** Rounds a ring to 7 decimals and drops points that collapse onto their predecessor. */
function roundRing(ring: Position[]): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    const q = [round7(p[0]), round7(p[1])];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out;
}

function polygonCoords(f: Feature<Polygon | MultiPolygon>): Position[][][] {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  return polys.map((p) => p.map(roundRing));
}

export function buildZones(m: Mesh, net: Network, places: Places, cats: Categories, countyCode: string): Zone[] {
  const key = (name: string) => `event:${cats.get('event', name).code}`;
  const streetOrder = cats.ofMajor('event', '05').map((c) => `event:${c.code}`);
  const appearance = ['暴露垃圾', '积存垃圾渣土', '道路不洁', '随意丢弃建筑垃圾', '废弃家具设备', '绿地脏乱'].map(key);
  const ads = ['非法小广告', '违规标语宣传品', '占道广告牌', '街头散发广告'].map(key);
  const prohibitedMinors = [...streetOrder, ...appearance, ...ads];
  const restrictedMinors = ['无照经营游商', '占道经营', '店外经营', '露天烧烤', '占道废品收购', '占道堆放', '乱堆物堆料', '商业噪音'].map(key);
  const keyMinors = [...streetOrder, ...appearance];

  const lonlat = (p: { x: number; y: number }) => toLonLat(m.frame, p.x, p.y);
  /** The stretch of a road within `half` metres (along the road) of the vertex nearest a place. */
  const stretch = (road: number, p: Place, half: number): Position[] => {
    const part = net.roads[road].parts.map((pt) => ({ pt, d: Math.min(...pt.map((v) => Math.hypot(m.x[v] - p.x, m.y[v] - p.y))) })).sort((a, b) => a.d - b.d)[0].pt;
    const k0 = part.reduce((best, v, k) => (Math.hypot(m.x[v] - p.x, m.y[v] - p.y) < Math.hypot(m.x[part[best]] - p.x, m.y[part[best]] - p.y) ? k : best), 0);
    const along = [0];
    for (let k = 1; k < part.length; k++) along.push(along[k - 1] + Math.hypot(m.x[part[k]] - m.x[part[k - 1]], m.y[part[k]] - m.y[part[k - 1]]));
    return part.filter((_, k) => Math.abs(along[k] - along[k0]) <= half).map((v) => [m.lon[v], m.lat[v]]);
  };
  const buffered = (line: Position[], r: number) => polygonCoords(turf.buffer(turf.lineString(line), r, { units: 'meters', steps: 6 })! as Feature<Polygon>);
  const circle = (p: Place, r: number) => polygonCoords(turf.circle(lonlat(p), r, { units: 'meters', steps: 48 }));
  const stationRoad = net.vertexRoads.get(nearestVertex(m, places.station)) ?? [];
  const stationAvenue = stationRoad.find((r) => net.roads[r].class === 'main') ?? 1;

  type Spec = Omit<Zone, 'id' | 'feature' | 'bbox'>;
  const specs: Spec[] = [
    { name: `${net.roads[0].name}（管委会段）严禁区`, level: 'prohibited', windows: [], governed_minors: prohibitedMinors, time_limit_class: 'A', geom: buffered(stretch(0, places.gov, 1300), 40) },
    { name: '新区管委会广场严禁区', level: 'prohibited', windows: [], governed_minors: prohibitedMinors, time_limit_class: 'A', geom: traceCells(m, [places.gov.cell]) },
    { name: `${net.roads[stationAvenue].name}（站前段）严禁区`, level: 'prohibited', windows: [], governed_minors: prohibitedMinors, time_limit_class: 'A', geom: buffered(stretch(stationAvenue, places.station, 700), 35) },
    { name: `${places.station.name}站前广场严禁区`, level: 'prohibited', windows: [], governed_minors: prohibitedMinors, time_limit_class: 'A', geom: circle(places.station, 110) },
    { name: `${places.nightMarket.name}限制管理区`, level: 'restricted', windows: [{ days: DAILY, from: '18:00', to: '23:00' }], governed_minors: restrictedMinors, time_limit_class: 'B', geom: buffered(net.roads[places.nightMarket.road!].parts[0].map((v) => [m.lon[v], m.lat[v]]), 30) },
    { name: `${places.markets[0].name}周边限制管理区`, level: 'restricted', windows: [{ days: DAILY, from: '06:00', to: '09:00' }, { days: DAILY, from: '16:30', to: '19:30' }], governed_minors: restrictedMinors, time_limit_class: 'B', geom: circle(places.markets[0], 160) },
    { name: `${places.markets[1].name}周边限制管理区`, level: 'restricted', windows: [{ days: DAILY, from: '06:00', to: '10:00' }], governed_minors: restrictedMinors, time_limit_class: 'B', geom: circle(places.markets[1], 150) },
    { name: `${places.mall.name}早夜市摊点限制管理区`, level: 'restricted', windows: [{ days: DAILY, from: '06:00', to: '08:30' }, { days: [5, 6, 7], from: '20:00', to: '23:30' }], governed_minors: restrictedMinors, time_limit_class: 'B', geom: circle(places.mall, 130) },
    { name: `${places.station.name}重点区域`, level: 'key', windows: [], governed_minors: keyMinors, time_limit_class: 'A', geom: circle(places.station, 350) },
    { name: `${places.hospital.name}重点区域`, level: 'key', windows: [], governed_minors: keyMinors, time_limit_class: 'A', geom: circle(places.hospital, 250) },
    ...places.schools.map((s): Spec => ({ name: `${s.name}重点区域`, level: 'key', windows: [], governed_minors: keyMinors, time_limit_class: 'B', geom: circle(s, 200) })),
    { name: `${places.mall.name}重点区域`, level: 'key', windows: [], governed_minors: keyMinors, time_limit_class: 'B', geom: circle(places.mall, 260) },
  ];
  return specs.map((s, k) => {
    const feature = turf.multiPolygon(s.geom);
    return { ...s, id: `${countyCode}Z${String(k + 1).padStart(3, '0')}`, feature, bbox: turf.bbox(feature) as [number, number, number, number] };
  });
}

function nearestVertex(m: Mesh, p: { x: number; y: number }): number {
  let best = 0, bestD = Infinity;
  for (let v = 0; v < m.x.length; v++) {
    const d = Math.hypot(m.x[v] - p.x, m.y[v] - p.y);
    if (d < bestD) { bestD = d; best = v; }
  }
  return best;
}

export interface ZoneHit {
  zones: Zone[];
  /** within `margin` metres of a zone edge: callers move the point so the database cannot see it otherwise */
  nearEdge: boolean;
}

/** Zones a point lies in (by id), and whether it is too close to a zone edge to call. */
export function zonesAt(zones: Zone[], lon: number, lat: number, margin = 1.5): ZoneHit {
  const hit: ZoneHit = { zones: [], nearEdge: false };
  const pt = turf.point([lon, lat]);
  const pad = 0.0001; // ~10 m
  for (const z of zones) {
    const [w, s, e, n] = z.bbox;
    if (lon < w - pad || lon > e + pad || lat < s - pad || lat > n + pad) continue;
    if (Math.abs(turf.pointToPolygonDistance(pt, z.feature, { units: 'meters' })) < margin) hit.nearEdge = true;
    if (turf.booleanPointInPolygon(pt, z.feature)) hit.zones.push(z);
  }
  return hit;
}

/** The zone as intake sees it (api/domain/zones.ts). */
export function atPoint(z: Zone): ZoneAtPoint {
  return { id: z.id, name: z.name, level: z.level, windows: z.windows, governedMinors: z.governed_minors, timeLimitClass: z.time_limit_class };
}
