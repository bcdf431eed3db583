/**
 * Problems the unit-grid checks report: a type, a message in Chinese and English that names the problem and its
 * location, and a GeoJSON geometry (WGS84) to draw. Pure: the SQL checks fill in the numbers.
 */
import type { Geometry } from 'geojson';

export const PROBLEM_TYPES = [
  'geometry_type', 'bad_coordinates', 'out_of_range', 'unclosed_ring', 'too_few_points', 'too_many_vertices',
  'invalid_geometry', 'outside_jurisdiction', 'unknown_community', 'no_community', 'outside_community',
  'overlap', 'gap', 'sliver', 'code_format', 'code_prefix', 'code_duplicate', 'unknown_work_grid', 'feature',
  'split_line', 'not_adjacent', 'merge_communities',
] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

export interface Message { zh: string; en: string }

export interface Problem {
  type: ProblemType;
  message: Message;
  /** where to draw it (WGS84); null only when there is nothing to draw (e.g. a geometry of the wrong type) */
  geometry: Geometry | null;
  /** the grid concerned (its code, when it has one) */
  grid?: string | null;
  /** index of the grid in a request with several (split pieces, import features) */
  index?: number;
  /** the other grid of an overlap */
  other?: string;
  area_m2?: number;
}

/** Parameters of a message; `at` is a [lon, lat] location. */
export interface MessageParams {
  at?: [number, number] | null;
  [k: string]: unknown;
}

const r1 = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) : String(v));
const loc = (at?: [number, number] | null) => (at ? `(${at[0].toFixed(6)}, ${at[1].toFixed(6)})` : '');
const atEn = (at?: [number, number] | null) => (at ? ` at ${loc(at)}` : '');
const atZh = (at?: [number, number] | null) => (at ? `，位置 ${loc(at)}` : '');

/** Chinese for the reasons GEOS gives in ST_IsValidDetail. */
const GEOS_REASON_ZH: Record<string, string> = {
  'Self-intersection': '自相交',
  'Ring Self-intersection': '环自相交',
  'Hole lies outside shell': '内环位于外环之外',
  'Holes are nested': '内环嵌套',
  'Nested holes': '内环嵌套',
  'Interior is disconnected': '内部不连通',
  'Nested shells': '外环嵌套',
  'Too few points in geometry component': '几何分量点数过少',
  'Too few points': '点数过少',
  'Duplicate Rings': '重复的环',
  'Invalid Coordinate': '坐标无效',
  'Ring is not closed': '环未闭合',
};

export function reasonZh(reason: string): string {
  return GEOS_REASON_ZH[reason] ?? reason;
}

export function problemMessage(type: ProblemType, p: MessageParams): Message {
  const { at } = p;
  switch (type) {
    case 'geometry_type':
      return { en: `geometry must be a Polygon or MultiPolygon, got ${p.got}`, zh: `几何类型必须是面（Polygon 或 MultiPolygon），收到的是 ${p.got}` };
    case 'bad_coordinates':
      return { en: `coordinates ${p.path} are not a pair of numbers`, zh: `坐标 ${p.path} 不是两个数值` };
    case 'out_of_range':
      return {
        en: `coordinate ${p.path} (${p.x}, ${p.y}) is outside the longitude/latitude range: coordinates must be WGS84 longitude, latitude — in that order`,
        zh: `坐标 ${p.path} (${p.x}, ${p.y}) 超出经纬度范围：坐标须为 WGS84 经度、纬度，且经度在前`,
      };
    case 'unclosed_ring':
      return { en: `ring ${p.ring} is not closed: its last point differs from its first point${atEn(at)}`, zh: `环 ${p.ring} 未闭合：末点与首点不同${atZh(at)}` };
    case 'too_few_points':
      return { en: `ring ${p.ring} has ${p.n} points; a closed ring needs at least 4${atEn(at)}`, zh: `环 ${p.ring} 只有 ${p.n} 个点，闭合环至少需要 4 个点${atZh(at)}` };
    case 'too_many_vertices':
      return { en: `the polygon has ${p.n} vertices; the limit is ${p.max}`, zh: `面有 ${p.n} 个顶点，超过上限 ${p.max}` };
    case 'invalid_geometry':
      return { en: `invalid geometry: ${p.reason}${atEn(at)}`, zh: `几何无效：${reasonZh(String(p.reason))}${atZh(at)}` };
    case 'outside_jurisdiction':
      return {
        en: `the geometry${atEn(at)} is more than ${p.m} m outside the jurisdiction: check the axis order (longitude first) and the coordinate system`,
        zh: `几何${at ? `（${loc(at)}）` : ''}位于辖区外 ${p.m} 米以上：请检查坐标顺序（经度在前）和坐标系`,
      };
    case 'unknown_community':
      return { en: `community ${p.community} is not a known community`, zh: `社区 ${p.community} 不存在` };
    case 'no_community':
      return { en: `the grid${atEn(at)} lies in no community: give community_code`, zh: `网格${at ? `（${loc(at)}）` : ''}不在任何社区内：请指定 community_code` };
    case 'outside_community':
      return {
        en: `${r1(p.area)} m² of the grid lie outside its community ${p.community}${atEn(at)}`,
        zh: `网格有 ${r1(p.area)} 平方米超出所属社区 ${p.community}${atZh(at)}`,
      };
    case 'overlap':
      return { en: `overlaps grid ${p.other} by ${r1(p.area)} m²${atEn(at)}`, zh: `与网格 ${p.other} 重叠 ${r1(p.area)} 平方米${atZh(at)}` };
    case 'gap':
      return {
        en: `leaves ${r1(p.area)} m² of community ${p.community} uncovered${atEn(at)}`,
        zh: `社区 ${p.community} 有 ${r1(p.area)} 平方米未被网格覆盖（缝隙）${atZh(at)}`,
      };
    case 'sliver':
      return {
        en: `sliver${atEn(at)}: area ${r1(p.area)} m² (minimum ${p.minArea}), compactness ${Number(p.compactness).toFixed(3)} (minimum ${p.minCompactness})`,
        zh: `碎片多边形${atZh(at)}：面积 ${r1(p.area)} 平方米（下限 ${p.minArea}），紧凑度 ${Number(p.compactness).toFixed(3)}（下限 ${p.minCompactness}）`,
      };
    case 'code_format':
      return { en: `grid code "${p.code}" must be 14 or 15 digits`, zh: `网格编码 "${p.code}" 必须是 14 或 15 位数字` };
    case 'code_prefix':
      return { en: `grid code ${p.code} must start with its community code ${p.community}`, zh: `网格编码 ${p.code} 必须以所属社区编码 ${p.community} 开头` };
    case 'code_duplicate':
      return p.inRequest
        ? { en: `grid code ${p.code} is given more than once`, zh: `网格编码 ${p.code} 重复出现` }
        : { en: `grid code ${p.code} already exists`, zh: `网格编码 ${p.code} 已存在` };
    case 'unknown_work_grid':
      return { en: `work grid ${p.workGrid} is not a known work grid`, zh: `责任网格 ${p.workGrid} 不存在` };
    case 'feature':
      return { en: `features[${p.index}]: ${p.reason}`, zh: `第 ${Number(p.index) + 1} 个要素（features[${p.index}]）：${p.reason}` };
    case 'split_line':
      return {
        en: `the line does not cut grid ${p.code} into pieces: it must cross the grid from edge to edge`,
        zh: `分割线未将网格 ${p.code} 分开：分割线须从网格一边穿越到另一边`,
      };
    case 'not_adjacent':
      return { en: `grids ${p.codes} do not form one area: only neighbours sharing an edge can be merged`, zh: `网格 ${p.codes} 不相连：只能合并有公共边的相邻网格` };
    case 'merge_communities':
      return { en: `grids ${p.codes} belong to different communities (${p.communities}) and cannot be merged`, zh: `网格 ${p.codes} 属于不同社区（${p.communities}），不能合并` };
  }
}

export function problem(type: ProblemType, params: MessageParams, geometry: Geometry | null, extra: Partial<Problem> = {}): Problem {
  return { type, message: problemMessage(type, params), geometry, ...extra };
}

/** One line summing up a list of problems, for the `message` of an error response. */
export function summary(problems: Problem[]): string {
  if (!problems.length) return 'no problems';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `${problems[0].message.en}${more}`;
}
