/**
 * GET /api/assessment: the metrics of a period and the period before (上期), per unit of a breakdown.
 * One statement per period (api/assessment/sql.ts), both periods at once on a real server's pool.
 */
import type pg from 'pg';
import { COUNT_METRICS, emptyCounts, figures, sumCounts, type Counts, type Figures } from '../domain/assessment/metrics.ts';
import { offsetMs, previousPeriod, type AssessmentPeriod } from '../domain/assessment/period.ts';
import type { AssessmentSettings } from './config.ts';
import { metricsSql, type Breakdown } from './sql.ts';

export interface UnitInfo {
  /** null: cases without one (not dispatched yet, outside every grid …) */
  id: string | null;
  name: string;
  group?: string | null;
  parentId?: string | null;
  kind?: 'component' | 'event';
}

export interface MetricsRow {
  unit: UnitInfo;
  current: Figures;
  previous: Figures;
}

export interface PeriodJson {
  label: string;
  kind: AssessmentPeriod['kind'];
  from: string;
  to: string;
}

export interface MetricsResult {
  period: PeriodJson;
  previous: PeriodJson;
  by: Breakdown;
  rows: MetricsRow[];
  total: { current: Figures; previous: Figures };
  notes: string[];
}

export const SOURCE_LABELS: Record<string, string> = {
  patrol: '巡查发现', hotline: '12345热线', wechat: '微信公众举报', web: '网站上报', video: '视频采集',
  leader: '领导交办', media: '媒体曝光', 'follow-up': '跟踪案件',
};
const SOURCE_ORDER = Object.keys(SOURCE_LABELS);

/** Row name of the cases without a unit of the breakdown. */
export const UNASSIGNED: Record<Breakdown, string> = {
  department: '（未派遣）', district: '（无区县）', street: '（无街道）', grid: '（无网格）', source: '（无来源）', major: '（无类别）', minor: '（无类别）',
};

export const periodJson = (p: AssessmentPeriod): PeriodJson => ({ label: p.label, kind: p.kind, from: p.from.toISOString(), to: p.to.toISOString() });

export class AssessmentData {
  private repeat?: Promise<boolean>;

  constructor(readonly pool: pg.Pool, readonly settings: AssessmentSettings, readonly standard: string) {}

  /** cases.is_repeat comes with the repeats migration; without it repeat counts are 0 and say so. */
  hasRepeat(): Promise<boolean> {
    return (this.repeat ??= this.pool
      .query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'cases' AND column_name = 'is_repeat'`)
      .then((r) => r.rowCount! > 0));
  }

  /** Counts per unit key of one period (one statement). */
  async count(period: AssessmentPeriod, by: Breakdown): Promise<Map<string | null, Counts>> {
    return (await this.countMany(period, [by])).get(by)!;
  }

  /** Counts of several breakdowns in one statement: grouped by every unit key at once, then summed per breakdown. */
  async countMany(period: AssessmentPeriod, bys: Breakdown[]): Promise<Map<Breakdown, Map<string | null, Counts>>> {
    const sql = metricsSql({ by: bys, windows: this.settings.timeWindows, offsetSeconds: offsetMs(this.settings.utcOffset) / 1000, hasRepeat: await this.hasRepeat() });
    const { rows } = await this.pool.query<Record<string, unknown>>(sql, [period.from, period.to]);
    const out = new Map<Breakdown, Map<string | null, Counts>>(bys.map((b) => [b, new Map()]));
    for (const r of rows) {
      bys.forEach((b, i) => {
        const key = (r[`unit${i}`] as string | null) ?? null;
        const m = out.get(b)!;
        if (!m.has(key)) m.set(key, emptyCounts());
        const c = m.get(key)!;
        for (const k of COUNT_METRICS) c[k] += Number(r[k]);
      });
    }
    return out;
  }

  /** Names (and groups, parents) of every unit of a breakdown; departments are all listed, with or without cases. */
  async catalog(by: Breakdown): Promise<{ units: Map<string, UnitInfo>; listAll: boolean }> {
    const units = new Map<string, UnitInfo>();
    if (by === 'department') {
      const { rows } = await this.pool.query<{ id: string; name: string; parent_id: string | null; assessment_group: string | null }>(
        'SELECT id, name, parent_id, assessment_group FROM departments ORDER BY id');
      for (const r of rows) units.set(r.id, { id: r.id, name: r.name, group: r.assessment_group, parentId: r.parent_id });
      return { units, listAll: true };
    }
    if (by === 'district' || by === 'street') {
      const { rows } = await this.pool.query<{ code: string; name: string; parent_code: string | null }>(
        `SELECT code, name, parent_code FROM districts WHERE level = $1 ORDER BY code`, [by === 'district' ? 'county' : 'street']);
      for (const r of rows) units.set(r.code, { id: r.code, name: r.name, parentId: r.parent_code });
      return { units, listAll: true };
    }
    if (by === 'source') {
      for (const s of SOURCE_ORDER) units.set(s, { id: s, name: SOURCE_LABELS[s] });
      return { units, listAll: false };
    }
    if (by === 'major' || by === 'minor') {
      const { rows } = await this.pool.query<{ kind: 'component' | 'event'; code: string; name: string }>(
        `SELECT DISTINCT ON (kind, code) kind, code, name FROM taxonomy WHERE level = $1 ORDER BY kind, code, standard = $2 DESC, standard`,
        [by, this.standard]);
      for (const r of rows) units.set(`${r.kind}:${r.code}`, { id: `${r.kind}:${r.code}`, name: r.name, kind: r.kind });
      return { units, listAll: false };
    }
    return { units, listAll: false }; // grids: the code is the name
  }

  /** Metrics of a period and of the period before, per unit, with the total. */
  async metrics(period: AssessmentPeriod, by: Breakdown): Promise<MetricsResult> {
    return (await this.metricsMany(period, [by])).get(by)!;
  }

  /** Several breakdowns of a period and of the period before: one statement per period for all of them. */
  async metricsMany(period: AssessmentPeriod, bys: Breakdown[]): Promise<Map<Breakdown, MetricsResult>> {
    const prev = previousPeriod(period, this.settings.utcOffset);
    // On a real server the two statements run side by side on two connections; PGlite queues them.
    const [cur, old, cats] = await Promise.all([this.countMany(period, bys), this.countMany(prev, bys), Promise.all(bys.map((b) => this.catalog(b)))]);
    const notes: string[] = [];
    if (!(await this.hasRepeat())) notes.push('repeatCases: cases.is_repeat is missing (repeats migration not applied): counted as 0');
    return new Map(bys.map((by, i) => [by, this.result(period, prev, by, cur.get(by)!, old.get(by)!, cats[i], notes)]));
  }

  private result(period: AssessmentPeriod, prev: AssessmentPeriod, by: Breakdown, cur: Map<string | null, Counts>, old: Map<string | null, Counts>,
    cat: { units: Map<string, UnitInfo>; listAll: boolean }, notes: string[]): MetricsResult {
    const keys = new Set<string | null>([...(cat.listAll ? cat.units.keys() : []), ...cur.keys(), ...old.keys()]);
    const order = (k: string | null) => (k === null ? '\uffff' : by === 'source' ? String(SOURCE_ORDER.indexOf(k)).padStart(3, '0') : k);
    const rows = [...keys]
      .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
      .map((k): MetricsRow => {
        const info = k === null ? { id: null, name: UNASSIGNED[by] } : cat.units.get(k) ?? unknownUnit(by, k);
        return { unit: info, current: figures(cur.get(k) ?? emptyCounts()), previous: figures(old.get(k) ?? emptyCounts()) };
      });
    return {
      period: periodJson(period),
      previous: periodJson(prev),
      by,
      rows,
      total: { current: figures(sumCounts([...cur.values()])), previous: figures(sumCounts([...old.values()])) },
      notes,
    };
  }
}

function unknownUnit(by: Breakdown, k: string): UnitInfo {
  if (by === 'major' || by === 'minor') {
    const [kind, code] = k.split(':');
    return { id: k, name: code, kind: kind as 'component' | 'event' };
  }
  return { id: k, name: by === 'source' ? SOURCE_LABELS[k] ?? k : k };
}
