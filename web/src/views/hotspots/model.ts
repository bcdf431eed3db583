/**
 * The hotspot view's pure part (response types in lib/hotspot-types.ts, re-exported): the legend classes
 * (ArcGIS's 7-class Gi_Bin renderer and the emerging categories, in Chinese), and the query a form makes. No
 * Svelte, no DOM: tests/unit/hotspots-view.test.ts runs it in Node.
 */
import type { Geometry, MultiPolygon, Polygon } from 'geojson';
import type { EmergingCategory } from '../../lib/hotspot-types.ts';

export type * from '../../lib/hotspot-types.ts';

/** Gi_Bin classes, hot first, with ArcGIS's hot-spot renderer colours; bin 0 is drawn as a faint grey. */
export const BIN_CLASSES = [
  { bin: 3, color: '#d62f27', label: '热点 · 99% 置信度' },
  { bin: 2, color: '#ed7551', label: '热点 · 95% 置信度' },
  { bin: 1, color: '#fab984', label: '热点 · 90% 置信度' },
  { bin: 0, color: '#c8cdd3', label: '不显著' },
  { bin: -1, color: '#c0ccbe', label: '冷点 · 90% 置信度' },
  { bin: -2, color: '#849eba', label: '冷点 · 95% 置信度' },
  { bin: -3, color: '#4575b5', label: '冷点 · 99% 置信度' },
] as const;

export const binClass = (bin: number) => BIN_CLASSES.find((c) => c.bin === bin) ?? BIN_CLASSES[3];

/** The categories of api/domain/hotspots/emerging.ts (ArcGIS Pro's emerging hot spot patterns). */
export const EMERGING_PATTERNS = ['new', 'consecutive', 'intensifying', 'persistent', 'diminishing', 'sporadic', 'oscillating', 'historical'] as const;

const PATTERN_LABEL: Record<(typeof EMERGING_PATTERNS)[number], { name: string; hot: string; cold: string }> = {
  new: { name: '新出现', hot: '仅最后一个时段为显著热点，此前从未是', cold: '仅最后一个时段为显著冷点，此前从未是' },
  consecutive: { name: '连续', hot: '最近连续若干时段为热点（不足九成时段），此前不是', cold: '最近连续若干时段为冷点（不足九成时段），此前不是' },
  intensifying: { name: '加强', hot: '至少九成时段为热点（含最后一个），且热度显著上升', cold: '至少九成时段为冷点（含最后一个），且冷度显著加深' },
  persistent: { name: '持续', hot: '至少九成时段为热点（含最后一个），热度无明显趋势', cold: '至少九成时段为冷点（含最后一个），无明显趋势' },
  diminishing: { name: '减弱', hot: '至少九成时段为热点（含最后一个），但热度显著下降', cold: '至少九成时段为冷点（含最后一个），但冷度显著减弱' },
  sporadic: { name: '零星', hot: '时有时无的热点，从未成为冷点', cold: '时有时无的冷点，从未成为热点' },
  oscillating: { name: '振荡', hot: '最后一个时段为热点，此前曾是冷点', cold: '最后一个时段为冷点，此前曾是热点' },
  historical: { name: '历史', hot: '至少九成时段曾为热点，但最后一个时段不是', cold: '至少九成时段曾为冷点，但最后一个时段不是' },
};

const HOT_COLORS: Record<(typeof EMERGING_PATTERNS)[number], string> = {
  new: '#e7298a',
  consecutive: '#f46d43',
  intensifying: '#a50026',
  persistent: '#d73027',
  diminishing: '#f4a582',
  sporadic: '#fdae61',
  oscillating: '#c26fb4',
  historical: '#b59a8c',
};
const COLD_COLORS: Record<(typeof EMERGING_PATTERNS)[number], string> = {
  new: '#01857a',
  consecutive: '#4393c3',
  intensifying: '#053061',
  persistent: '#2166ac',
  diminishing: '#a6bddb',
  sporadic: '#92c5de',
  oscillating: '#8073ac',
  historical: '#9aa7b5',
};

export interface EmergingClass {
  category: EmergingCategory;
  color: string;
  label: string;
  description: string;
}

/** Legend order: hot patterns, cold patterns, then no pattern. */
export const EMERGING_CLASSES: EmergingClass[] = [
  ...EMERGING_PATTERNS.map((p) => ({ category: `${p}_hot` as EmergingCategory, color: HOT_COLORS[p], label: `${PATTERN_LABEL[p].name}热点`, description: PATTERN_LABEL[p].hot })),
  ...EMERGING_PATTERNS.map((p) => ({ category: `${p}_cold` as EmergingCategory, color: COLD_COLORS[p], label: `${PATTERN_LABEL[p].name}冷点`, description: PATTERN_LABEL[p].cold })),
  { category: 'no_pattern', color: '#c8cdd3', label: '无模式', description: '未检测到上述任何模式' },
];

/** Steps Mann–Kendall needs to say anything (api/analysis/hotspots/emerging.ts). */
export const MIN_STEPS_ADVISED = 10;

export const emergingClass = (c: string) => EMERGING_CLASSES.find((x) => x.category === c) ?? EMERGING_CLASSES[EMERGING_CLASSES.length - 1];

export const TIME_RANGES = ['30d', '90d', '180d', '365d', 'all', 'custom'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];
export const TIME_RANGE_LABEL: Record<TimeRange, string> = {
  '30d': '近30天',
  '90d': '近三个月',
  '180d': '近半年',
  '365d': '近一年',
  all: '全部',
  custom: '自定义',
};

/** What the form holds; blank strings mean "not given" (the server chooses cell size and band from the data). */
export interface HotspotForm {
  range: TimeRange;
  /** YYYY-MM-DD, China Standard Time, for range = custom; `to` inclusive */
  from: string;
  to: string;
  kind: '' | 'event' | 'component';
  major: string;
  minor: string;
  source: string;
  department: string;
  /** county, street or community code */
  district: string;
  cell: 'square' | 'hex';
  cellSize: string;
  band: string;
  step: 'month' | 'week';
}

export const defaultForm = (): HotspotForm => ({
  range: '365d',
  from: '',
  to: '',
  kind: '',
  major: '',
  minor: '',
  source: '',
  department: '',
  district: '',
  cell: 'square',
  cellSize: '',
  band: '',
  step: 'month',
});

const CST = 8 * 3600_000;
const DAY = 86_400_000;
/** YYYY-MM-DD of an instant in China Standard Time. */
export const cstDate = (t: number) => new Date(t + CST).toISOString().slice(0, 10);

/**
 * The window [from, to) as the API's dates (midnight +08:00): relative ranges end tomorrow (today included);
 * a custom `to` is inclusive in the form, so the day after it.
 */
export function windowOf(form: Pick<HotspotForm, 'range' | 'from' | 'to'>, now: number): { from?: string; to?: string } {
  if (form.range === 'all') return {};
  if (form.range === 'custom') {
    const next = form.to ? cstDate(Date.parse(`${form.to}T00:00:00+08:00`) + DAY) : undefined;
    return { from: form.from || undefined, to: next };
  }
  const days = Number(form.range.slice(0, -1));
  const today = Date.parse(`${cstDate(now)}T00:00:00+08:00`);
  return { from: cstDate(today - (days - 1) * DAY), to: cstDate(today + DAY) };
}

/** Query string of an analysis for the form (`emerging` adds the step). */
export function analysisQuery(form: HotspotForm, now: number, emerging = false): string {
  const q = new URLSearchParams();
  const w = windowOf(form, now);
  if (w.from) q.set('from', w.from);
  if (w.to) q.set('to', w.to);
  const set = (k: string, v: string) => v.trim() && q.set(k, v.trim());
  set('kind', form.kind);
  set('major', form.major);
  set('minor', form.minor);
  set('source', form.source);
  set('department', form.department);
  set('district', form.district);
  q.set('cell', form.cell);
  set('cellSize', form.cellSize);
  set('band', form.band);
  if (emerging) q.set('step', form.step);
  return q.toString();
}

/** Chinese names of the API's parameters, for its 400 messages. */
export const PARAM_LABEL: Record<string, string> = {
  from: '开始日期',
  to: '结束日期',
  kind: '类型',
  major: '大类',
  minor: '小类',
  source: '来源',
  department: '责任单位',
  district: '辖区',
  cell: '单元形状',
  cellSize: '单元大小',
  band: '邻域距离',
  srid: '坐标系',
  area: '研究区',
  step: '时间步长',
};

export const METHOD_LABEL: Record<string, string> = {
  'nearest-neighbour': '案件点平均最近邻距离',
  'moran-first-peak': '增量空间自相关（Moran’s I）第一个峰值',
  knn: '第 k 近邻单元的平均距离（Moran’s I 无峰值时的回退）',
  'cell-size': '等于单元大小（单元过少）',
  'analysis-crs': '部署的分析坐标系',
};

/** [west, south, east, north] of a geometry. */
export function bboxOf(g: Geometry): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (typeof (c as number[])[0] === 'number') {
      const [x, y] = c as number[];
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
    } else for (const d of c as unknown[]) walk(d);
  };
  if (g.type === 'GeometryCollection') {
    for (const x of g.geometries) {
      const c = bboxOf(x);
      walk([[c[0], c[1]], [c[2], c[3]]]);
    }
  } else walk(g.coordinates);
  return b;
}

/** Whether a point lies in a (multi)polygon (even–odd rule over every ring, so holes are outside). */
export function pointInPolygon(lon: number, lat: number, g: Polygon | MultiPolygon): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let inside = false;
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}

/** "1.2 km²" / "8,500 m²". */
export function areaText(m2: number): string {
  return m2 >= 100_000 ? `${(m2 / 1e6).toFixed(2)} km²` : `${Math.round(m2).toLocaleString('zh-CN')} m²`;
}

export const TREND_LABEL = { increasing: '显著上升', decreasing: '显著下降', none: '无显著趋势' } as const;
