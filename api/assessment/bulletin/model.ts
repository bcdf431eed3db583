/**
 * The monthly bulletin (通报) as data, with the structure of seed 000 (阳城管委办通〔2023〕3号):
 *   一 案件来源及处置情况 · 二 部件/事件大类立案及处置 · 三 考核扣分及原因分析 (反复发案, 重点案件, 时段案件,
 *   市容秩序等级区域: 严禁区 / 限制管理区 — per department, by minor) · 四 考核结果 · 五 高发问题 (top-5 event and
 *   component minors, month on month) · 附件1 各责任单位案件处置情况 · 附件2 绩效考核评价结果及排名统计表.
 * Every number comes from the metrics (api/assessment/metrics.ts) and the scheme's scores; the tables here are
 * what the HTML, XLSX and CSV all print.
 */
import { COUNT_METRICS, emptyCounts, figures, type CountMetric, type Counts, type Figures } from '../../domain/assessment/metrics.ts';
import { localDate, offsetMs, periodTitle, previousPeriod, type AssessmentPeriod } from '../../domain/assessment/period.ts';
import type { UnitScore } from '../../domain/assessment/score.ts';
import { rateNumerator, type Scheme } from '../../domain/assessment/scheme.ts';
import { type AssessmentData, type MetricsResult, type MetricsRow } from '../metrics.ts';
import { computeScores, itemMax, type ScoresResult } from '../scores.ts';
import { reasonsSql } from '../sql.ts';
import type { Cell, Column, Table } from './table.ts';

export interface SourceLine {
  name: string;
  registered: number;
  closed: number;
}

export interface CategoryLine {
  code: string;
  name: string;
  registered: number;
  closed: number;
}

export interface ReasonGroup {
  department: string;
  minors: { name: string; count: number }[];
  count: number;
}

export interface DeductionSection {
  key: 'repeat' | 'key' | 'timeWindow' | 'zone';
  title: string;
  /** cases over all departments */
  count: number;
  /** points deducted over all scored departments by the scheme items that count these cases; null: not scored */
  points: number | null;
  /** per department (zone: none — see levels) */
  groups: ReasonGroup[];
  /** zone only: 严禁区 and 限制管理区 */
  levels?: { title: string; count: number; groups: ReasonGroup[] }[];
}

export interface TopLine {
  rank: number;
  name: string;
  current: number;
  previous: number;
  /** (current − previous) / previous; null when previous is 0 */
  change: number | null;
}

export interface Bulletin {
  title: string;
  county: string;
  issuer: string;
  period: { label: string; title: string; from: string; to: string; lastDay: string };
  previous: { label: string; title: string };
  scheme: { id: string; name: string; source?: string; notes: string[] };
  generatedAt: string;
  /** local date the bulletin was drawn up (YYYY-MM-DD) */
  issuedOn: string;
  addressees: string[];
  summary: { current: Figures; previous: Figures; sources: SourceLine[] };
  categories: { component: CategoryLine[]; event: CategoryLine[] };
  deductions: DeductionSection[];
  scores: ScoresResult;
  top: { event: TopLine[]; component: TopLine[] };
  /** departments whose figures include cases credited under seed 004 第十一条 (rates over 100 %) */
  over100: boolean;
  tables: Table[];
}

const SECTION_METRICS: Record<DeductionSection['key'], CountMetric[]> = {
  repeat: ['repeatCases'],
  key: ['keyCases'],
  timeWindow: ['timeWindowCases'],
  zone: ['zoneProhibited', 'zoneRestricted'],
};
const SECTION_TITLES: Record<DeductionSection['key'], string> = {
  repeat: '反复发案', key: '重点案件考核', timeWindow: '时段案件', zone: '市容秩序等级区域考核',
};

type ReasonRow = { department: string | null; kind: string; minor: string } & Record<CountMetric, number>;

export async function buildBulletin(data: AssessmentData, scheme: Scheme, period: AssessmentPeriod, now = new Date()): Promise<Bulletin> {
  const prev = previousPeriod(period, data.settings.utcOffset);
  // Every breakdown in one pass per period; the scores reuse the department counts when the scheme scores departments.
  const all = await data.metricsMany(period, ['source', 'major', 'minor', 'department']);
  const [bySource, byMajor, byMinor, byDept] = [all.get('source')!, all.get('major')!, all.get('minor')!, all.get('department')!];
  const known = scheme.by === 'department' ? new Map(byDept.rows.map((r) => [r.unit.id, countsOf(r.current)])) : undefined;
  const scores = await computeScores(data, scheme, period, now, known);
  const reasons = await data.pool.query<ReasonRow>(
    reasonsSql({ windows: data.settings.timeWindows, offsetSeconds: offsetMs(data.settings.utcOffset) / 1000, hasRepeat: await data.hasRepeat() }),
    [period.from, period.to]);
  const { rows: county } = await data.pool.query<{ name: string }>(`SELECT name FROM districts WHERE level = 'county' ORDER BY code LIMIT 1`);

  const deptName = new Map(byDept.rows.map((r) => [r.unit.id, r.unit.name]));
  const minorName = new Map(byMinor.rows.map((r) => [r.unit.id, r.unit.name]));
  const countyName = county[0]?.name ?? '';
  const lastDay = new Date(period.to.getTime() - 1 + offsetMs(data.settings.utcOffset)).toISOString().slice(0, 10);

  const summarySources = bySource.rows
    .filter((r) => r.current.registered > 0 || r.current.closed > 0)
    .map((r) => ({ name: r.unit.name, registered: r.current.registered, closed: r.current.closed }));
  const cats = (kind: 'component' | 'event') => byMajor.rows
    .filter((r) => r.unit.kind === kind && (r.current.registered > 0 || r.current.closed > 0))
    .map((r) => ({ code: r.unit.id!.split(':')[1], name: r.unit.name, registered: r.current.registered, closed: r.current.closed }));

  const deductions = (Object.keys(SECTION_METRICS) as DeductionSection['key'][]).map((key): DeductionSection => {
    const metrics = SECTION_METRICS[key];
    const groups = (ms: CountMetric[]) => reasonGroups(reasons.rows, ms, deptName, minorName);
    const count = reasons.rows.reduce((s, r) => s + metrics.reduce((a, m) => a + Number(r[m]), 0), 0);
    const section: DeductionSection = { key, title: SECTION_TITLES[key], count, points: sectionPoints(scheme, scores.units, metrics), groups: key === 'zone' ? [] : groups(metrics) };
    if (key === 'zone') {
      section.levels = [
        { title: '严禁区', count: sum(reasons.rows, 'zoneProhibited'), groups: groups(['zoneProhibited']) },
        { title: '限制管理区', count: sum(reasons.rows, 'zoneRestricted'), groups: groups(['zoneRestricted']) },
      ];
    }
    return section;
  });

  const top = (kind: 'component' | 'event'): TopLine[] => byMinor.rows
    .filter((r) => r.unit.kind === kind && r.current.registered > 0)
    .sort((a, b) => b.current.registered - a.current.registered || (a.unit.id! < b.unit.id! ? -1 : 1))
    .slice(0, 5)
    .map((r, i) => ({
      rank: i + 1, name: r.unit.name, current: r.current.registered, previous: r.previous.registered,
      change: r.previous.registered ? (r.current.registered - r.previous.registered) / r.previous.registered : null,
    }));

  const over100 = [...byDept.rows, ...bySource.rows].some((r) => (r.current.closureRate.value ?? 0) > 1 || (r.current.handlingRate.value ?? 0) > 1);
  const b: Bulletin = {
    title: `${countyName}智慧城管平台${periodTitle(period)}份数字城管案件处置情况通报`,
    county: countyName,
    issuer: `${countyName}${data.settings.issuer}`,
    period: { label: period.label, title: periodTitle(period), from: period.from.toISOString(), to: period.to.toISOString(), lastDay },
    previous: { label: prev.label, title: periodTitle(prev) },
    scheme: { id: scheme.id, name: scheme.name, ...(scheme.source ? { source: scheme.source } : {}), notes: scheme.notes },
    generatedAt: now.toISOString(),
    issuedOn: localDate(now, offsetMs(data.settings.utcOffset)),
    addressees: byDept.rows.filter((r) => r.unit.id !== null && !r.unit.parentId).map((r) => r.unit.name),
    summary: { current: bySource.total.current, previous: bySource.total.previous, sources: summarySources },
    categories: { component: cats('component'), event: cats('event') },
    deductions,
    scores,
    top: { event: top('event'), component: top('component') },
    over100,
    tables: [],
  };
  b.tables = [
    sourcesTable(bySource),
    categoriesTable(b),
    deductionsTable(b),
    scoresTable(b, scheme),
    topTable(b),
    departmentsTable(byDept),
  ];
  return b;
}

const countsOf = (f: Figures): Counts => Object.fromEntries(COUNT_METRICS.map((m) => [m, f[m]])) as Counts;
const sum = (rows: ReasonRow[], m: CountMetric) => rows.reduce((s, r) => s + Number(r[m]), 0);

function reasonGroups(rows: ReasonRow[], metrics: CountMetric[], deptName: Map<string | null, string>, minorName: Map<string | null, string>): ReasonGroup[] {
  const byDept = new Map<string | null, Map<string, number>>();
  for (const r of rows) {
    const n = metrics.reduce((a, m) => a + Number(r[m]), 0);
    if (!n) continue;
    if (!byDept.has(r.department)) byDept.set(r.department, new Map());
    const key = `${r.kind}:${r.minor}`;
    byDept.get(r.department)!.set(key, (byDept.get(r.department)!.get(key) ?? 0) + n);
  }
  return [...byDept]
    .sort(([a], [b]) => (a ?? '\uffff') < (b ?? '\uffff') ? -1 : 1)
    .map(([d, minors]) => {
      const list = [...minors].map(([k, count]) => ({ name: minorName.get(k) ?? k.split(':')[1], count }))
        .sort((x, y) => y.count - x.count || x.name.localeCompare(y.name, 'zh-CN'));
      return { department: deptName.get(d) ?? d ?? '（未派遣）', minors: list, count: list.reduce((s, m) => s + m.count, 0) };
    });
}

/** Points the scheme's items took off for these counts, over every scored unit (null: no item counts them). */
function sectionPoints(scheme: Scheme, units: UnitScore[], metrics: CountMetric[]): number | null {
  const counted = scheme.items.some((it) => it.type === 'deduction'
    && [...it.perCase.map((p) => p.metric), ...it.perRate.map((p) => rateNumerator(p.rate))].some((m) => metrics.includes(m)));
  if (!counted) return null;
  let points = 0;
  for (const u of units) {
    for (const it of u.items) {
      if (it.detail.type !== 'deduction') continue;
      for (const p of it.detail.parts) if (metrics.includes(p.metric)) points += p.deducted;
    }
  }
  return Math.round(points * 100) / 100;
}

// ------------------------------------------------------------------------------------------------ tables

const SPAN_NOTE = '应处置（应结案）数：处置（结案）期限或实际处置（结案）时间在本期的案件。延期、挂账的案件计入立案当期的应处置（应结案）数、处置（结案）当期的处置（结案）数（浙江省考核办法第十一条），故个别比率可超过100%。';

const col = (key: string, label: string, kind: Column['kind'] = 'int', sub?: string): Column => ({ key, label, kind, ...(sub ? { sub } : {}) });

function handlingCells(c: Figures, p: Figures): Cell[] {
  return [c.reported, c.accepted, c.registered, c.dueToHandle, c.handled, c.handlingRate.value, p.handlingRate.value,
    c.dueToClose, c.closed, c.closureRate.value, p.closureRate.value, c.closedOnTime, c.onTimeClosureRate.value, p.onTimeClosureRate.value];
}
const HANDLING_COLUMNS = [
  col('reported', '上报数'), col('accepted', '受理数'), col('registered', '立案数'), col('dueToHandle', '应处置数'), col('handled', '处置数'),
  col('handlingRate', '处置率', 'percent'), col('handlingRatePrev', '上期处置率', 'percent'), col('dueToClose', '应结案数'), col('closed', '结案数'),
  col('closureRate', '结案率', 'percent'), col('closureRatePrev', '上期结案率', 'percent'), col('closedOnTime', '按期结案数'),
  col('onTimeClosureRate', '按期结案率', 'percent'), col('onTimeClosureRatePrev', '上期按期结案率', 'percent'),
];

function sourcesTable(m: MetricsResult): Table {
  return {
    id: 'sources', title: '表1 案件来源及处置情况', sheet: '一 来源及处置',
    columns: [col('source', '问题来源', 'text'), ...HANDLING_COLUMNS],
    rows: m.rows.filter((r) => r.current.reported + r.current.registered + r.current.dueToClose + r.previous.registered > 0)
      .map((r) => [r.unit.name, ...handlingCells(r.current, r.previous)]),
    footer: [['总计', ...handlingCells(m.total.current, m.total.previous)]],
    notes: [SPAN_NOTE],
  };
}

function categoriesTable(b: Bulletin): Table {
  const line = (kind: string, c: CategoryLine): Cell[] => [kind, c.code, c.name, c.registered, c.closed];
  const tot = (l: CategoryLine[]) => [l.reduce((s, c) => s + c.registered, 0), l.reduce((s, c) => s + c.closed, 0)];
  return {
    id: 'categories', title: '表2 部件、事件问题立案及处置情况', sheet: '二 部件事件大类',
    columns: [col('kind', '类型', 'text'), col('code', '大类代码', 'text'), col('name', '大类', 'text'), col('registered', '立案数（件）'), col('closed', '结案数（件）')],
    rows: [...b.categories.component.map((c) => line('部件', c)), ...b.categories.event.map((c) => line('事件', c))],
    footer: [['部件', '', '合计', ...tot(b.categories.component)], ['事件', '', '合计', ...tot(b.categories.event)]],
    notes: [],
  };
}

function deductionsTable(b: Bulletin): Table {
  const rows: Cell[][] = [];
  for (const s of b.deductions) {
    const lists = s.levels ? s.levels.map((l) => ({ title: `${s.title}·${l.title}`, groups: l.groups })) : [{ title: s.title, groups: s.groups }];
    for (const l of lists) for (const g of l.groups) for (const m of g.minors) rows.push([l.title, g.department, m.name, m.count]);
  }
  return {
    id: 'deductions', title: '表3 案件考核扣分原因（按责任单位、小类）', sheet: '三 扣分原因',
    columns: [col('section', '考核类别', 'text'), col('department', '责任单位', 'text'), col('minor', '小类', 'text'), col('count', '件数')],
    rows,
    footer: b.deductions.map((s) => [s.title, '合计', s.points === null ? '不计扣分' : `扣${s.points.toFixed(2)}分`, s.count]),
    notes: [],
  };
}

function scoresTable(b: Bulletin, scheme: Scheme): Table {
  const groups = [...new Set(b.scores.units.map((u) => u.unit.group))];
  // An item's maximum differs by group in some schemes (柳州 A组 18 / B组 20): print both when it does.
  const subOf = (it: Scheme['items'][number]) => {
    const maxes = [...new Set(groups.map((g) => itemMax(it, g)))];
    return maxes.length === 1 ? `${maxes[0]}分` : groups.map((g) => `${g ?? '—'}组${itemMax(it, g)}`).join('/');
  };
  const columns: Column[] = [
    col('group', '组别', 'text'), col('no', '序号'), col('unit', '责任单位', 'text'), col('registered', '立案数'), col('dueToClose', '应结案数'), col('closed', '结案数'),
    col('closureRate', '结案率', 'percent'), col('onTimeClosureRate', '按期结案率', 'percent'),
    ...scheme.items.map((it) => col(`item:${it.id}`, it.name, 'score', subOf(it))),
    col('total', '综合得分', 'score'), col('rank', '排名'), col('note', '说明', 'text'),
  ];
  const label = (g: string | null) => (g === null ? '未分组' : scheme.groups.labels[g] ?? `${g}组`);
  const rows = b.scores.units.map((u, i): Cell[] => {
    const f = (u as { figures?: Figures }).figures ?? figures(emptyCounts());
    return [label(u.unit.group), i + 1, u.unit.name, f.registered, f.dueToClose, f.closed, f.closureRate.value, f.onTimeClosureRate.value,
      ...u.items.map((it) => it.score), u.total, u.rank, u.reason ?? ''];
  });
  const fs = b.scores.units.map((u) => (u as { figures?: Figures }).figures).filter((f): f is Figures => !!f);
  const tot = (k: 'registered' | 'dueToClose' | 'closed') => fs.reduce((s, f) => s + f[k], 0);
  return {
    id: 'scores', title: `附件2 ${b.county}智慧城管平台绩效考核评价结果及排名统计表（${b.period.label}-01至${b.period.lastDay}）`, sheet: '附件2 考核得分排名',
    columns, rows,
    footer: [['合计', '', '', tot('registered'), tot('dueToClose'), tot('closed'), ...columns.slice(6).map(() => '')]],
    notes: [...scheme.notes, ...manualNotes(scheme, b.scores.units), `考核方案：${scheme.name}${scheme.source ? `（${scheme.source}）` : ''}`],
  };
}

/** Manual items not entered for some units: said once under the table, not on every row. */
function manualNotes(scheme: Scheme, units: UnitScore[]): string[] {
  return scheme.items.filter((it) => it.type === 'manual').flatMap((it) => {
    const missing = units.filter((u) => u.items.some((x) => x.id === it.id && x.detail.type === 'manual' && !x.detail.entered));
    if (!missing.length) return [];
    const dflt = missing[0].items.find((x) => x.id === it.id)!.score;
    return [`${it.name}：${missing.length === units.length ? '各单位' : missing.map((u) => u.unit.name).join('、')}未录入，按默认 ${dflt.toFixed(2)} 分计。`];
  });
}

function topTable(b: Bulletin): Table {
  const rows = (kind: string, list: TopLine[]) => list.map((t): Cell[] => [kind, t.rank, t.name, t.current, t.previous, t.change]);
  return {
    id: 'top', title: `表4 高发问题前五位（${b.period.title}与${b.previous.title}立案数环比）`, sheet: '五 高发问题',
    columns: [col('kind', '类型', 'text'), col('rank', '位次'), col('minor', '小类', 'text'), col('current', '本月立案'), col('previous', '上月立案'), col('change', '环比', 'change')],
    rows: [...rows('事件', b.top.event), ...rows('部件', b.top.component)],
    footer: [],
    notes: ['环比 =（本月 − 上月）÷ 上月；上月为 0 时不计。'],
  };
}

function departmentsTable(m: MetricsResult): Table {
  const cells = (r: MetricsRow): Cell[] => {
    const c = r.current;
    const p = r.previous;
    return [c.dueToHandle, c.handled, c.handlingRate.value, p.handlingRate.value, c.dueToClose, c.closed, c.closureRate.value, p.closureRate.value,
      c.closedOnTime, c.onTimeClosureRate.value, p.onTimeClosureRate.value, c.reworked, c.extended, c.suspended, c.overdueOpen];
  };
  const byId = new Map(m.rows.map((r) => [r.unit.id, r]));
  const rows = m.rows.filter((r) => r.unit.id !== null || r.current.dueToHandle + r.current.dueToClose > 0).map((r): Cell[] => {
    const parent = r.unit.parentId ? byId.get(r.unit.parentId)?.unit.name ?? r.unit.parentId : '';
    return [r.unit.name, parent, r.unit.group ?? '', ...cells(r)];
  });
  return {
    id: 'departments', title: '附件1 各责任单位案件处置情况', sheet: '附件1 处置情况',
    columns: [
      col('unit', '责任单位', 'text'), col('parent', '上级单位', 'text'), col('group', '组别', 'text'),
      col('dueToHandle', '应处置数'), col('handled', '处置数'), col('handlingRate', '处置率', 'percent'), col('handlingRatePrev', '上期处置率', 'percent'),
      col('dueToClose', '应结案数'), col('closed', '结案数'), col('closureRate', '结案率', 'percent'), col('closureRatePrev', '上期结案率', 'percent'),
      col('closedOnTime', '按期结案数'), col('onTimeClosureRate', '按期结案率', 'percent'), col('onTimeClosureRatePrev', '上期按期结案率', 'percent'),
      col('reworked', '返工数'), col('extended', '延期数'), col('suspended', '挂账数'), col('overdueOpen', '月末超期未结'),
    ],
    rows,
    footer: [['总计', '', '', ...cells({ unit: { id: null, name: '' }, current: m.total.current, previous: m.total.previous })]],
    notes: [SPAN_NOTE],
  };
}

