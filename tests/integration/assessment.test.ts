// Assessment on the demo city, on a real PostGIS (TEST_DATABASE_URL: the full committed demo city) and on the
// embedded PGlite (a generated 3 000-case city): every count against an independent recomputation in plain
// TypeScript over the case rows (written from the definitions, not from the SQL) and against direct SQL;
// previous periods; manual inputs with their audit; the XLSX and CSV read back with the API's numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { loadSettings } from '../../api/assessment/config.ts';
import type { MetricsResult } from '../../api/assessment/metrics.ts';
import type { ScoresResult } from '../../api/assessment/scores.ts';
import { loadDemoCity } from '../../api/demo/load.ts';
import { COUNT_METRICS, emptyCounts, type Counts } from '../../api/domain/assessment/metrics.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { generateCity } from '../../scripts/demo-city/generate.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';

interface CaseRow {
  department_id: string | null;
  source: string;
  street_code: string | null;
  kind: string;
  minor: string;
  reported_at: Date;
  accepted_at: Date | null;
  registered_at: Date | null;
  handled_at: Date | null;
  closed_at: Date | null;
  voided_at: Date | null;
  suspended_at: Date | null;
  suspended_seconds: number;
  deadline: Date | null;
  extended_count: number;
  rework_count: number;
  redispatch_count: number;
  is_key: boolean;
  zone_violation: string | null;
  is_repeat: boolean;
}

const settings = loadSettings();

/** The README's definitions, case by case. */
function expectedCounts(cases: CaseRow[], from: Date, to: Date, key: (c: CaseRow) => string | null): Map<string | null, Counts> {
  const f = from.getTime();
  const t = to.getTime();
  const inP = (d: Date | null) => d !== null && d.getTime() >= f && d.getTime() < t;
  const before = (d: Date | null, x: number) => d !== null && d.getTime() < x;
  const inWindow = (d: Date) => {
    const s = (((Math.floor(d.getTime() / 1000) + 8 * 3600) % 86400) + 86400) % 86400;
    return settings.timeWindows.some((w) => (w.from < w.to ? s >= w.from && s < w.to : s >= w.from || s < w.to));
  };
  const out = new Map<string | null, Counts>();
  for (const c of cases) {
    const k = key(c);
    if (!out.has(k)) out.set(k, emptyCounts());
    const n = out.get(k)!;
    const live = before(c.registered_at, t) && !before(c.voided_at, t); // registered by the end, not voided by then
    const spanning = c.extended_count > 0 || c.suspended_seconds > 0 || c.suspended_at !== null;
    const handledAt = c.handled_at ?? c.closed_at;
    const min = (...ds: (Date | null)[]) => {
      const xs = ds.filter((d): d is Date => d !== null);
      return xs.length ? new Date(Math.min(...xs.map((d) => d.getTime()))) : null;
    };
    const closeDue = spanning ? c.registered_at : min(c.deadline, c.closed_at) ?? c.registered_at;
    const handleDue = spanning ? c.registered_at : min(c.deadline, handledAt) ?? c.registered_at;
    const dueClose = live && inP(closeDue);
    const dueHandle = live && inP(handleDue);
    const closed = spanning ? live && inP(c.closed_at) : dueClose && before(c.closed_at, t);
    const handled = spanning ? live && inP(handledAt) : dueHandle && before(handledAt, t);
    const cohort = live && c.registered_at!.getTime() >= f;
    const onTime = (d: Date | null) => d !== null && (c.deadline === null || d.getTime() <= c.deadline.getTime());
    const openAtEnd = live && !before(c.closed_at, t);
    const add = (m: keyof Counts, cond: boolean) => {
      if (cond) n[m]++;
    };
    add('reported', inP(c.reported_at));
    add('accepted', inP(c.accepted_at));
    add('registered', cohort);
    add('voided', inP(c.voided_at));
    add('dueToHandle', dueHandle);
    add('handled', handled);
    add('handledOnTime', handled && onTime(handledAt));
    add('dueToClose', dueClose);
    add('closed', closed);
    add('closedOnTime', closed && onTime(c.closed_at));
    add('closedLate', closed && !onTime(c.closed_at));
    add('unclosed', dueClose && !before(c.closed_at, t));
    add('reworked', dueClose && c.rework_count > 0);
    add('redispatched', dueHandle && c.redispatch_count > 0);
    add('extended', dueHandle && c.extended_count > 0);
    add('suspended', dueHandle && (c.suspended_seconds > 0 || c.suspended_at !== null));
    add('repeatCases', cohort && c.is_repeat);
    add('keyCases', cohort && c.is_key);
    add('mediaCases', cohort && c.source === 'media');
    add('timeWindowCases', cohort && inWindow(c.reported_at));
    add('zoneProhibited', cohort && c.zone_violation === 'prohibited');
    add('zoneRestricted', cohort && c.zone_violation === 'restricted');
    add('overdueOpen', openAtEnd && before(c.deadline, t) && !before(c.suspended_at, t));
    add('openAtEnd', openAtEnd);
  }
  for (const [k, v] of out) if (COUNT_METRICS.every((m) => v[m] === 0)) out.delete(k);
  return out;
}

const countsOf = (f: Record<string, unknown>): Counts => Object.fromEntries(COUNT_METRICS.map((m) => [m, f[m]])) as Counts;
const nonZero = (c: Counts) => COUNT_METRICS.some((m) => c[m] !== 0);

const backends: [string, boolean][] = serverUrl ? [['PostgreSQL server (TEST_DATABASE_URL)', false], ['embedded PGlite', true]] : [['embedded PGlite', true]];

describe.each(backends)('assessment on the demo city — %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let dir: string | undefined;
  let cases: CaseRow[];

  const get = async <T = unknown>(url: string, token?: string) => {
    const r = await app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, body: r.headers['content-type']?.toString().includes('json') ? (r.json() as T) : (r.body as unknown as T), raw: r };
  };
  const put = async (payload: unknown, token = 'demo-manager') => {
    const r = await app.inject({ method: 'PUT', url: '/api/assessment/inputs', payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, body: r.json() };
  };

  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadTaxonomy(t.db.pool);
    if (embedded) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-assessment-'));
      await generateCity({ seed: 1, cases: 3000, components: 200, end: '2026-11-20', out: dir });
      await loadDemoCity(t.db.pool, dir);
    } else {
      await loadDemoCity(t.db.pool); // the committed 60 000-case city
    }
    app = await buildApp({ db: t.db, config: { ...t.config, demoTokens: true } });
    // Repeat cases of September and October, as the repeats engine stores them (cases.is_repeat)
    for (const at of ['2026-09-15T12:00:00+08:00', '2026-10-15T12:00:00+08:00']) {
      const r = await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', payload: { at }, headers: { authorization: 'Bearer demo-manager' } });
      expect(r.statusCode, r.body).toBe(200);
    }
    cases = (await t.db.pool.query<CaseRow>(
      `SELECT department_id, source, street_code, kind, minor, reported_at, accepted_at, registered_at, handled_at, closed_at, voided_at,
              suspended_at, suspended_seconds, deadline, extended_count, rework_count, redispatch_count, is_key, zone_violation, is_repeat FROM cases`)).rows;
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await t?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['department', (c: CaseRow) => c.department_id],
    ['source', (c: CaseRow) => c.source],
    ['street', (c: CaseRow) => c.street_code],
    ['minor', (c: CaseRow) => `${c.kind}:${c.minor}`],
  ] as const)('every count by %s agrees with the definitions recomputed case by case, this month and last', async (by, key) => {
    const { status, body } = await get<MetricsResult>(`/api/assessment?period=2026-10&by=${by}`);
    expect(status).toBe(200);
    for (const [which, p] of [['current', body.period], ['previous', body.previous]] as const) {
      const want = expectedCounts(cases, new Date(p.from), new Date(p.to), key);
      const got = new Map(body.rows.map((r) => [r.unit.id, countsOf(r[which])]).filter(([, c]) => nonZero(c as Counts)) as [string | null, Counts][]);
      expect(new Set(got.keys()), `${by} ${which} units`).toEqual(new Set(want.keys()));
      for (const [k, c] of want) expect(got.get(k), `${by} ${which} ${k}`).toEqual(c);
    }
    expect(body.total.current.registered).toBeGreaterThan(embedded ? 100 : 3000);
    expect(body.total.current.repeatCases).toBeGreaterThan(0);
  });

  it('agrees with direct SQL for the plain counts and rates', async () => {
    const { body } = await get<MetricsResult>('/api/assessment?period=2026-10&by=department');
    const { rows } = await t.db.pool.query<{ d: string | null; registered: number; key: number; prohibited: number; repeat: number; reported: number }>(`
      SELECT department_id AS d,
        count(*) FILTER (WHERE registered_at >= '2026-10-01T00:00:00+08:00' AND registered_at < '2026-11-01T00:00:00+08:00' AND (voided_at IS NULL OR voided_at >= '2026-11-01T00:00:00+08:00')) AS registered,
        count(*) FILTER (WHERE is_key AND registered_at >= '2026-10-01T00:00:00+08:00' AND registered_at < '2026-11-01T00:00:00+08:00' AND (voided_at IS NULL OR voided_at >= '2026-11-01T00:00:00+08:00')) AS key,
        count(*) FILTER (WHERE zone_violation = 'prohibited' AND registered_at >= '2026-10-01T00:00:00+08:00' AND registered_at < '2026-11-01T00:00:00+08:00' AND (voided_at IS NULL OR voided_at >= '2026-11-01T00:00:00+08:00')) AS prohibited,
        count(*) FILTER (WHERE is_repeat AND registered_at >= '2026-10-01T00:00:00+08:00' AND registered_at < '2026-11-01T00:00:00+08:00' AND (voided_at IS NULL OR voided_at >= '2026-11-01T00:00:00+08:00')) AS repeat,
        count(*) FILTER (WHERE reported_at >= '2026-10-01T00:00:00+08:00' AND reported_at < '2026-11-01T00:00:00+08:00') AS reported
      FROM cases GROUP BY 1`);
    for (const r of rows) {
      const row = body.rows.find((x) => x.unit.id === r.d)!;
      expect(row, String(r.d)).toBeDefined();
      expect([row.current.registered, row.current.keyCases, row.current.zoneProhibited, row.current.repeatCases, row.current.reported], String(r.d))
        .toEqual([Number(r.registered), Number(r.key), Number(r.prohibited), Number(r.repeat), Number(r.reported)]);
      const f = row.current;
      expect(f.closureRate).toEqual({ numerator: f.closed, denominator: f.dueToClose, value: f.dueToClose ? f.closed / f.dueToClose : null });
      expect(f.onTimeClosureRate.numerator).toBe(f.closedOnTime);
      expect(f.closedOnTime + f.closedLate).toBe(f.closed);
    }
    // every department is listed, with or without cases
    const { rows: depts } = await t.db.pool.query('SELECT id FROM departments');
    for (const d of depts) expect(body.rows.some((r) => r.unit.id === d.id)).toBe(true);
  });

  it('every registered case is due in exactly one month: monthly 应结案数 add up to all registered, unvoided cases', async () => {
    let due = 0;
    let dueHandle = 0;
    // the city's cases run from 2025-11-21 to 2026-11-20; the longest limits (15 work days) fall due in December
    const months = ['2025-11', '2025-12', ...Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)];
    for (const label of months) {
      const { body } = await get<MetricsResult>(`/api/assessment?period=${label}&by=source`);
      due += body.total.current.dueToClose;
      dueHandle += body.total.current.dueToHandle;
    }
    const { rows } = await t.db.pool.query('SELECT count(*)::int AS n FROM cases WHERE registered_at IS NOT NULL AND voided_at IS NULL');
    expect(due).toBe(rows[0].n);
    expect(dueHandle).toBe(rows[0].n);
  });

  it('上期 beside each row is what the previous month reports for itself; from/to equal to the month gives the same', async () => {
    const oct = (await get<MetricsResult>('/api/assessment?period=2026-10&by=department')).body;
    const sep = (await get<MetricsResult>('/api/assessment?period=2026-09&by=department')).body;
    expect(oct.previous.label).toBe('2026-09');
    for (const r of oct.rows) expect(r.previous, String(r.unit.id)).toEqual(sep.rows.find((x) => x.unit.id === r.unit.id)!.current);
    expect(oct.total.previous).toEqual(sep.total.current);
    const range = (await get<MetricsResult>('/api/assessment?from=2026-10-01&to=2026-10-31&by=department')).body;
    expect(range).toEqual(oct);
    const half = (await get<MetricsResult>('/api/assessment?from=2026-10-01&to=2026-10-15&by=source')).body;
    expect(half.period.label).toBe('2026-10-01~2026-10-15');
    expect(half.previous.label).toBe('2026-09-16~2026-09-30');
  });

  it('bad parameters are a 400 naming the parameter', async () => {
    for (const [url, param] of [
      ['/api/assessment', 'period'], ['/api/assessment?period=2026-13', 'period'], ['/api/assessment?period=2026-10&by=city', 'by'],
      ['/api/assessment?period=2026-10&zone=1', 'zone'], ['/api/assessment?from=2026-10-01', 'to'],
      ['/api/assessment/scores?period=2026-10&scheme=nope', 'scheme'], ['/bulletin/2026-10.pdf', 'month'], ['/bulletin/2026-10.csv', 'table'],
      ['/bulletin/2026-10.csv?table=all', 'table'], ['/bulletin/2026-10?scheme=x', 'scheme'],
    ]) {
      const r = await get<{ error: string; param: string; message: string }>(url);
      expect(r.status, url).toBe(400);
      expect(r.body.param, url).toBe(param);
      expect(r.body.message.startsWith(`${param}:`), url).toBe(true);
    }
  });

  it('scores: every unit scored, ranked within its group, items sum to the composite', async () => {
    const { body } = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023');
    const { rows: depts } = await t.db.pool.query<{ id: string; assessment_group: string }>('SELECT id, assessment_group FROM departments');
    expect(body.units.length).toBe(depts.length);
    for (const u of body.units) {
      const sum = Math.round(u.items.reduce((s, i) => s + Math.round(i.score * 100), 0)) / 100;
      expect(u.total, u.unit.name).toBe(sum);
      expect(u.unit.group).toBe(depts.find((d) => d.id === u.unit.id)!.assessment_group);
      if (u.cases <= 6) expect(u.ranked, u.unit.name).toBe(false);
      else expect(u.rank, u.unit.name).toBeGreaterThan(0);
    }
    for (const g of ['A', 'B']) {
      const ranked = body.units.filter((u) => u.unit.group === g && u.ranked);
      expect(ranked.length).toBeGreaterThan(0);
      // competition ranking: 1 + the number of the group's ranked units with a higher composite
      for (const u of ranked) expect(u.rank, u.unit.name).toBe(1 + ranked.filter((x) => x.total > u.total).length);
    }
  });

  it('manual inputs change the score and are audited (actor, time, before, after); only managers write them', async () => {
    const score = async () => (await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=zj-county')).body.units.find((u) => u.unit.id === 'D006')!;
    const before = await score();
    expect(before.items.find((i) => i.id === 'other')!.detail).toMatchObject({ entered: false, value: 10 });

    const body = { scheme: 'zj-county', period: '2026-10', inputs: [{ unit: 'D006', item: 'other', value: 6.5, note: '市局督查通报 2 次' }] };
    expect((await put(body, '')).status).toBe(401);
    expect((await put(body, 'demo-operator')).status).toBe(403);
    const ok = await put(body);
    expect(ok.status).toBe(200);
    expect(ok.body.audit[0]).toMatchObject({ unit: 'D006', item: 'other', before: null, after: 6.5, actor: '演示考核科', role: 'manager', note: '市局督查通报 2 次' });
    const after = await score();
    expect(after.items.find((i) => i.id === 'other')!.detail).toMatchObject({ entered: true, value: 6.5, by: '演示考核科' });
    expect(Math.round((before.total - after.total) * 100) / 100).toBe(3.5);

    expect((await put({ ...body, inputs: [{ unit: 'D006', item: 'other', value: 8 }] })).body.audit[0]).toMatchObject({ before: 6.5, after: 8 });
    expect((await put({ ...body, inputs: [{ unit: 'D006', item: 'other', value: 8 }] })).body.changed).toBe(0); // unchanged: no audit row
    expect((await put({ ...body, inputs: [{ unit: 'D006', item: 'other', value: null }] })).body.audit[0]).toMatchObject({ before: 8, after: null });
    expect((await score()).total).toBe(before.total);

    // the audit trail is the office's record: managers only
    expect((await get('/api/assessment/inputs?period=2026-10&scheme=zj-county')).status).toBe(401);
    expect((await get('/api/assessment/inputs?period=2026-10&scheme=zj-county', 'demo-display')).status).toBe(403);
    const log = (await get<{ audit: { before: number | null; after: number | null; actor: string; at: string }[]; inputs: unknown[] }>('/api/assessment/inputs?period=2026-10&scheme=zj-county', 'demo-manager')).body;
    expect(log.inputs).toEqual([]);
    expect(log.audit.map((a) => [a.before, a.after])).toEqual([[8, null], [6.5, 8], [null, 6.5]]);
    expect(log.audit.every((a) => a.actor === '演示考核科' && !Number.isNaN(Date.parse(a.at)))).toBe(true);

    // refused changes write nothing, and name the field
    for (const [inputs, param] of [
      [[{ unit: 'D006', item: 'closure', value: 5 }], 'inputs[0].item'],
      [[{ unit: 'D006', item: 'other', value: 11 }], 'inputs[0].value'],
      [[{ unit: 'D999', item: 'other', value: 5 }], 'inputs[0].unit'],
      [[{ unit: 'D006', item: 'other', value: '5' }], 'inputs[0].value'],
      [[{ unit: 'D006', item: 'other', value: 5 }, { unit: 'D006', item: 'other', value: 4 }], 'inputs[1]'],
      [[], 'inputs'],
    ] as const) {
      const r = await put({ scheme: 'zj-county', period: '2026-10', inputs });
      expect(r.status, param).toBe(400);
      expect(r.body.param).toBe(param);
    }
    expect((await put({ scheme: 'zj-county', period: '2026-10-05', inputs: body.inputs })).body.param).toBe('period');
    expect((await put({ scheme: 'nope', period: '2026-10', inputs: body.inputs })).body.param).toBe('scheme');
    expect((await get<{ audit: unknown[] }>('/api/assessment/inputs?period=2026-10&scheme=zj-county', 'demo-manager')).body.audit).toHaveLength(3);
    await expect(t.db.pool.query('UPDATE assessment_input_audit SET after = 0')).rejects.toThrow(/append-only/);
  });

  it('hengyang: the year is the mean of its months so far, each month with its own inputs', async () => {
    const put1 = await put({ scheme: 'hengyang', period: '2026-03', inputs: [{ unit: 'D020', item: 'discipline', value: 30 }] });
    expect(put1.status).toBe(200);
    const yearly = await put({ scheme: 'hengyang', period: '2026', inputs: [{ unit: 'D020', item: 'discipline', value: 30 }] });
    expect([yearly.status, yearly.body.param]).toEqual([400, 'period']);
    const year = (await get<ScoresResult>('/api/assessment/scores?period=2026&scheme=hengyang')).body;
    const now = new Date();
    const months = year.months!;
    expect(months[0]).toBe('2026-01');
    expect(months.length).toBe(now.getUTCFullYear() > 2026 ? 12 : Math.min(12, now.getUTCMonth() + 1 + (now.getUTCDate() === 31 && now.getUTCHours() >= 16 ? 1 : 0)));
    let sum = 0;
    for (const m of months) sum += (await get<ScoresResult>(`/api/assessment/scores?period=${m}&scheme=hengyang`)).body.units.find((u) => u.unit.id === 'D020')!.total;
    expect(year.units.find((u) => u.unit.id === 'D020')!.total).toBe(Math.round((sum / months.length) * 100) / 100);
    const march = (await get<ScoresResult>('/api/assessment/scores?period=2026-03&scheme=hengyang')).body.units.find((u) => u.unit.id === 'D020')!;
    expect(march.items.find((i) => i.id === 'discipline')!.score).toBe(-30);
  });

  it('the bulletin renders, and its XLSX and CSV carry the API\'s numbers', async () => {
    const metrics = (await get<MetricsResult>('/api/assessment?period=2026-10&by=department')).body;
    const sources = (await get<MetricsResult>('/api/assessment?period=2026-10&by=source')).body;
    const scores = (await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023')).body;

    const html = await get<string>('/bulletin/2026-10?scheme=liuzhou-2023');
    expect(html.status).toBe(200);
    expect(html.raw.headers['content-type']).toContain('text/html');
    for (const s of ['一、案件来源及处置情况', '二、', '三、案件考核扣分及原因分析', '（一）反复发案共', '严禁区共', '限制管理区共', '四、各单位考核结果', '五、高发问题', '附件1', '附件2']) {
      expect(html.body, s).toContain(s);
    }
    expect(html.body).toContain(`应结案 ${sources.total.current.dueToClose} 件，结案 ${sources.total.current.closed} 件`);

    const x = await app.inject({ url: '/bulletin/2026-10.xlsx?scheme=liuzhou-2023' });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-disposition']).toContain('bulletin-2026-10-liuzhou-2023.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['一 来源及处置', '二 部件事件大类', '三 扣分原因', '附件2 考核得分排名', '五 高发问题', '附件1 处置情况']);
    const sheetRows = (name: string) => {
      const ws = wb.getWorksheet(name)!;
      const header = (ws.getRow(2).values as unknown[]).slice(1).map((v) => String(v).split('\n')[0]);
      const out: Record<string, unknown>[] = [];
      ws.eachRow((row, n) => {
        if (n > 2) out.push(Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value])));
      });
      return out;
    };
    const ranking = sheetRows('附件2 考核得分排名');
    for (const u of scores.units) {
      const r = ranking.find((x) => x['责任单位'] === u.unit.name)!;
      expect(r, u.unit.name).toBeDefined();
      expect(r['综合得分']).toBe(u.total);
      expect(r['排名'] ?? null).toBe(u.rank);
      expect(r['反复发案']).toBe(u.items.find((i) => i.id === 'repeat')!.score);
    }
    const handling = sheetRows('附件1 处置情况');
    for (const m of metrics.rows.filter((r) => r.unit.id)) {
      const r = handling.find((x) => x['责任单位'] === m.unit.name)!;
      expect([r['应结案数'], r['结案数'], r['按期结案数']], m.unit.name).toEqual([m.current.dueToClose, m.current.closed, m.current.closedOnTime]);
      expect(r['结案率'] ?? null).toBe(m.current.closureRate.value);
      expect(r['上期结案率'] ?? null).toBe(m.previous.closureRate.value);
    }
    const total = sheetRows('一 来源及处置').find((x) => x['问题来源'] === '总计')!;
    expect([total['立案数'], total['应结案数'], total['结案数']]).toEqual([sources.total.current.registered, sources.total.current.dueToClose, sources.total.current.closed]);

    const csv = await app.inject({ url: '/bulletin/2026-10.csv?scheme=liuzhou-2023&table=departments' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.charCodeAt(0)).toBe(0xfeff);
    const records = parse(csv.body.slice(1), { columns: true }) as Record<string, string>[];
    for (const m of metrics.rows.filter((r) => r.unit.id)) {
      const r = records.find((x) => x['责任单位'] === m.unit.name)!;
      expect([Number(r['应处置数']), Number(r['处置数']), Number(r['结案数'])], m.unit.name).toEqual([m.current.dueToHandle, m.current.handled, m.current.closed]);
      if (m.current.closureRate.value !== null) expect(Number(r['结案率'])).toBeCloseTo(m.current.closureRate.value, 10);
    }
  });
});
