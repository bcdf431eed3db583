/**
 * The manager view (#/assessment) in headless Chromium against a real server with the demo city, at 1366×768:
 * a period and a scheme picked in the pickers; ranks, totals and reasons equal to GET /api/assessment/scores;
 * the metrics equal to GET /api/assessment (rates with numerator/denominator and 上期); a column sorted both
 * ways; other breakdowns; the ranking chart and the 12-month trend (county and a department) with the API's
 * numbers; a manual input saved by the manager and seen in the scores; the bulletin link followed; printed to A4
 * landscape. Screenshots go to test-artifacts/.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import type { MetricsResult } from '../../api/assessment/metrics.ts';
import type { ScoresResult } from '../../api/assessment/scores.ts';
import type { TrendResult } from '../../api/assessment/trend.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, hasChromium, launch, openPage, type WatchedPage } from '../helpers/browser.ts';

/** As the bulletins print a rate: two decimals, half away from zero. */
const pct = (v: number | null) => (v === null ? '—' : `${(Math.round(Number((v * 10000).toPrecision(12))) / 100).toFixed(2)}%`);

describe.skipIf(!hasChromium)('manager assessment view in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let w: WatchedPage;

  const get = async <T>(url: string): Promise<T> => {
    const res = await fetch(`${server.url}${url}`);
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };
  const scoresTable = () => w.page.locator('table[data-table="scores"]');
  const metricsTable = () => w.page.locator('table[data-table="metrics"]');
  const unitIds = (table: Locator) => table.locator('tbody tr[data-unit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-unit')));
  const shot = (file: string) => w.page.screenshot({ path: path.join(ARTIFACTS, file), timeout: 120_000 });

  beforeAll(async () => {
    server = await startTestServer({ config: { demoTokens: true } });
    // the repeats engine's groups for October (反复发案 in the scores)
    const r = await server.app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', payload: { at: '2026-10-15T12:00:00+08:00' }, headers: { authorization: 'Bearer demo-manager' } });
    expect(r.statusCode, r.body).toBe(200);
    browser = await launch();
    w = await openPage(browser, { width: 1366, height: 768 });
    await w.page.goto(`${server.url}/?token=demo-manager#/assessment?kind=month&period=2026-09&scheme=zj-county`);
    await scoresTable().locator('tbody tr[data-unit]').first().waitFor({ timeout: 60_000 });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('picks a period and a scheme; ranks, totals and reasons are the API\'s', async () => {
    await w.page.getByTestId('period').selectOption('2026-10');
    await w.page.getByTestId('scheme').selectOption('liuzhou-2023');
    await scoresTable().and(w.page.locator('[data-scheme="liuzhou-2023"]')).waitFor();
    await expect.poll(() => w.page.getByTestId('period-line').innerText()).toContain('2026-10-01 至 2026-10-31');
    expect(w.page.url()).toContain('period=2026-10');
    expect(w.page.url()).toContain('scheme=liuzhou-2023');

    const api = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023');
    await expect.poll(() => unitIds(scoresTable())).toEqual(api.units.map((u) => u.unit.id));
    const rows = await scoresTable().locator('tbody tr[data-unit]').evaluateAll((els) =>
      els.map((tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-col]')).map((td) => [td.getAttribute('data-col'), (td as HTMLElement).innerText.trim()]))));
    api.units.forEach((u, i) => {
      expect(rows[i].total, u.unit.name).toBe(u.total.toFixed(2));
      expect(rows[i].rank, u.unit.name).toBe(u.ranked ? String(u.rank) : '—');
      expect(rows[i].reason, u.unit.name).toBe(u.reason ?? '');
      expect(rows[i].group, u.unit.name).toBe(u.unit.group ? `${u.unit.group}组` : '未分组');
      for (const it of u.items) expect(rows[i][`item:${it.id}`], `${u.unit.name} ${it.name}`).toBe(it.score.toFixed(2));
    });
    // both groups are ranked, and someone is not (≤ 6 cases: 不参加排名)
    expect(new Set(api.units.filter((u) => u.ranked).map((u) => u.unit.group))).toEqual(new Set(['A', 'B']));
    expect(api.units.some((u) => !u.ranked)).toBe(true);
    expect(rows.some((r) => r.reason.includes('不参加排名'))).toBe(true);
    await shot('assessment-1366x768.png');
    // nothing overflows the small screen sideways (wide tables scroll inside their box)
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });

  it('shows the metrics by department with numerator/denominator and 上期, equal to the API', async () => {
    const api = await get<MetricsResult>('/api/assessment?period=2026-10&by=department');
    await expect.poll(() => unitIds(metricsTable())).toEqual(api.rows.map((r) => r.unit.id ?? ''));
    const cells = await metricsTable().locator('tbody tr[data-unit]').evaluateAll((els) =>
      els.map((tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-col]')).map((td) => [td.getAttribute('data-col'), {
        v: (td.querySelector('.v') as HTMLElement).innerText.trim(), s: (td.querySelector('.s') as HTMLElement | null)?.innerText.trim() ?? '', title: td.getAttribute('title') ?? '',
      }]))));
    api.rows.forEach((r, i) => {
      const c = cells[i];
      const name = r.unit.name;
      expect(c.dueToClose.v, name).toBe(r.current.dueToClose.toLocaleString('zh-CN'));
      expect(c.closed.v, name).toBe(r.current.closed.toLocaleString('zh-CN'));
      expect(c.onTimeClosureRate.v.startsWith(pct(r.current.onTimeClosureRate.value)), name).toBe(true);
      expect(c.onTimeClosureRate.s, name).toBe(`${r.current.closedOnTime.toLocaleString('zh-CN')}/${r.current.dueToClose.toLocaleString('zh-CN')}`);
      expect(c.closureRate.title, name).toContain(`上期（2026-09）${pct(r.previous.closureRate.value)}`);
      expect(c.reworkRate.s, name).toBe(`${r.current.reworked}/${r.current.dueToClose.toLocaleString('zh-CN')}`);
    });
    const total = await metricsTable().locator('tfoot td[data-col="dueToClose"] .v').innerText();
    expect(total).toBe(api.total.current.dueToClose.toLocaleString('zh-CN'));
    // the subline switches to 上期's values
    await w.page.getByTestId('show-previous').check();
    const first = api.rows[0];
    await expect.poll(() => metricsTable().locator(`tbody tr[data-unit="${first.unit.id}"] td[data-col="closureRate"] .s`).innerText()).toBe(`上期${pct(first.previous.closureRate.value)}`);
    await w.page.locator('input[type="radio"][value="fraction"]').check();
  });

  it('sorts a column both ways (missing values last) and back to the API order', async () => {
    const api = await get<MetricsResult>('/api/assessment?period=2026-10&by=department');
    const order = (dir: 1 | -1) => api.rows
      .map((r, i) => ({ id: r.unit.id ?? '', v: r.current.onTimeClosureRate.value, i }))
      .sort((a, b) => (a.v === null || b.v === null ? (a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1) : dir * (a.v - b.v) || a.i - b.i))
      .map((x) => x.id);
    const header = metricsTable().locator('th[data-sort-key="onTimeClosureRate"] button');
    await header.click();
    expect(await metricsTable().locator('th[data-sort-key="onTimeClosureRate"]').getAttribute('aria-sort')).toBe('descending');
    expect(await unitIds(metricsTable())).toEqual(order(-1));
    await header.click();
    expect(await unitIds(metricsTable())).toEqual(order(1));
    await header.click();
    expect(await unitIds(metricsTable())).toEqual(api.rows.map((r) => r.unit.id ?? ''));
    // the scores sort too: by total, largest first
    const scores = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023');
    await scoresTable().locator('th[data-sort-key="total"] button').click();
    const totals = await scoresTable().locator('tbody td[data-col="total"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(totals).toEqual(scores.units.map((u) => u.total).sort((a, b) => b - a));
    await scoresTable().locator('th[data-sort-key="total"] button').click();
    await scoresTable().locator('th[data-sort-key="total"] button').click();
    expect(await unitIds(scoresTable())).toEqual(scores.units.map((u) => u.unit.id));
  });

  it('switches the breakdown: streets, sources and grids', async () => {
    for (const by of ['street', 'source'] as const) {
      const api = await get<MetricsResult>(`/api/assessment?period=2026-10&by=${by}`);
      await w.page.locator(`[role="tab"][data-by="${by}"]`).click();
      await metricsTable().and(w.page.locator(`[data-by="${by}"]`)).waitFor();
      await expect.poll(() => unitIds(metricsTable())).toEqual(api.rows.map((r) => r.unit.id ?? ''));
      const registered = await metricsTable().locator('tbody td[data-col="registered"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(registered).toEqual(api.rows.map((r) => r.current.registered));
    }
    // 600+ grids: the first 200 in the current order, all on request
    const grids = await get<MetricsResult>('/api/assessment?period=2026-10&by=grid');
    expect(grids.rows.length).toBeGreaterThan(200);
    await w.page.locator('[role="tab"][data-by="grid"]').click();
    await metricsTable().and(w.page.locator('[data-by="grid"]')).waitFor();
    await expect.poll(() => unitIds(metricsTable())).toEqual(grids.rows.slice(0, 200).map((r) => r.unit.id ?? ''));
    await w.page.getByTestId('show-all').click();
    await expect.poll(() => metricsTable().locator('tbody tr[data-unit]').count()).toBe(grids.rows.length);
    await w.page.locator('[role="tab"][data-by="department"]').click();
    await metricsTable().and(w.page.locator('[data-by="department"]')).waitFor();
  });

  it('draws the ranking chart and the 12-month trend of the county and of a department', async () => {
    const scores = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023');
    const bars = w.page.getByTestId('ranking-chart').locator('g.bar');
    expect(await bars.count()).toBe(scores.units.length);
    const drawn = await bars.evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-unit'), total: Number(e.getAttribute('data-total')), rank: e.getAttribute('data-rank') })));
    for (const u of scores.units) expect(drawn.find((d) => d.id === u.unit.id), u.unit.name).toEqual({ id: u.unit.id, total: u.total, rank: u.ranked ? String(u.rank) : '' });
    // bars are as long as the totals: the group's first is the longest
    const widths = await bars.locator('rect').evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
    expect(Math.max(...widths)).toBe(widths[drawn.findIndex((d) => d.total === Math.max(...scores.units.map((u) => u.total)))]);

    const trend = await get<TrendResult>('/api/assessment/trend?period=2026-10&months=12&by=department');
    const chart = w.page.getByTestId('trend-chart');
    const values = (series: string) => chart.locator(`circle[data-series="${series}"]`).evaluateAll((els) => els.map((e) => [e.getAttribute('data-month'), Number(e.getAttribute('data-value'))]));
    expect(await chart.getByTestId('trend-name').innerText()).toBe('全县');
    await expect.poll(() => values('closureRate')).toEqual(trend.months.map((m, i) => [m.label, trend.total[i].closureRate.value]).filter(([, v]) => v !== null));
    expect(await values('onTimeClosureRate')).toEqual(trend.months.map((m, i) => [m.label, trend.total[i].onTimeClosureRate.value]).filter(([, v]) => v !== null));
    expect(await chart.locator('path[data-series="closureRate"]').getAttribute('d')).toMatch(/^M[\d.,]+(L[\d.,]+){11}$/);

    // a department picked in the scores table: its trend
    const unit = scores.units.find((u) => u.ranked)!;
    await scoresTable().locator(`tr[data-unit="${unit.unit.id}"] th button`).click();
    await expect.poll(() => chart.getByTestId('trend-name').innerText()).toBe(unit.unit.name);
    const row = trend.rows.find((r) => r.unit.id === unit.unit.id)!;
    await expect.poll(() => values('onTimeClosureRate')).toEqual(trend.months.map((m, i) => [m.label, row.points[i].onTimeClosureRate.value]).filter(([, v]) => v !== null));
    expect(await scoresTable().locator(`tr[data-unit="${unit.unit.id}"]`).getAttribute('class')).toContain('selected');
    await chart.scrollIntoViewIfNeeded();
    await shot('assessment-charts.png');
    await metricsTable().scrollIntoViewIfNeeded();
    await shot('assessment-metrics.png');
  });

  it('a manager enters 其他评价; the score and rank follow, as the API has them', async () => {
    await w.page.getByTestId('scheme').selectOption('zj-county');
    await scoresTable().and(w.page.locator('[data-scheme="zj-county"]')).waitFor();
    const before = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=zj-county');
    const unit = before.units.find((u) => u.ranked)!;
    const editor = w.page.getByTestId('inputs-editor');
    await editor.scrollIntoViewIfNeeded();
    const input = editor.locator(`tr[data-unit="${unit.unit.id}"] input[data-item="other"]`);
    await input.fill('6.5');
    await editor.getByLabel('修改说明').fill('市局督查通报 2 次（浏览器测试）');
    await shot('assessment-inputs.png');
    await editor.getByTestId('save-inputs').click();
    await expect.poll(() => editor.getByRole('status').innerText(), { timeout: 20_000 }).toContain('已保存 1 项');
    await shot('assessment-inputs-saved.png');

    const after = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=zj-county');
    const u = after.units.find((x) => x.unit.id === unit.unit.id)!;
    expect(Math.round((unit.total - u.total) * 100) / 100).toBe(3.5);
    const row = scoresTable().locator(`tr[data-unit="${unit.unit.id}"]`);
    await expect.poll(() => row.locator('td[data-col="item:other"]').innerText()).toBe('6.50');
    expect(await row.locator('td[data-col="total"]').innerText()).toBe(u.total.toFixed(2));
    expect(await row.locator('td[data-col="rank"]').innerText()).toBe(String(u.rank));
    expect(await row.locator('td[data-col="item:other"]').getAttribute('title')).toContain('市局督查通报 2 次（浏览器测试）');
    await expect.poll(() => editor.locator('.audit li').first().innerText()).toContain('→ 6.5');
    // put back: an empty field removes the input
    await input.fill('');
    await editor.getByTestId('save-inputs').click();
    await expect.poll(async () => (await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=zj-county')).units.find((x) => x.unit.id === unit.unit.id)!.total).toBe(unit.total);

    // other roles see the values in the scores but get no editor (and the API refuses them: 403)
    await editor.getByTestId('token-picker').selectOption('demo-display');
    await expect.poll(() => editor.innerText()).toContain('由考核科录入');
    expect(await editor.locator('input[data-item]').count()).toBe(0);
    await editor.getByTestId('token-picker').selectOption('demo-manager');
    await editor.locator('input[data-item]').first().waitFor();
  });

  it('a quarter and a year: the API reads them as from/to and period; bulletins are monthly, inputs monthly or yearly', async () => {
    await w.page.locator('[data-kind="quarter"]').click();
    await w.page.getByTestId('period').selectOption('2026-Q3');
    await expect.poll(() => w.page.getByTestId('period-line').innerText()).toContain('2026-07-01 至 2026-09-30 · 对比上期 2026-04-01 至 2026-06-30');
    const q = await get<ScoresResult>('/api/assessment/scores?from=2026-07-01&to=2026-09-30&scheme=zj-county');
    await expect.poll(() => scoresTable().locator('tbody td[data-col="total"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))).toEqual(q.units.map((u) => u.total));
    expect(await w.page.getByTestId('bulletin-html').count()).toBe(0);
    await expect.poll(() => w.page.getByTestId('inputs-editor').innerText()).toContain('季度考核不单独录入');
    // a year under 衡阳's scheme: the mean of its months so far, inputs by month only
    await w.page.locator('[data-kind="year"]').click();
    await w.page.getByTestId('period').selectOption('2026');
    await w.page.getByTestId('scheme').selectOption('hengyang');
    const y = await get<ScoresResult>('/api/assessment/scores?period=2026&scheme=hengyang');
    await expect.poll(() => scoresTable().locator('tbody td[data-col="total"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value')))), { timeout: 30_000 })
      .toEqual(y.units.map((u) => u.total));
    expect(await w.page.locator('section[aria-labelledby="scores-h"] .meta').innerText()).toContain(`年度成绩为 ${y.months!.length} 个月的平均`);
    await expect.poll(() => w.page.getByTestId('inputs-editor').innerText()).toContain('人工评分项请按月录入');
    await w.page.locator('[data-kind="month"]').click();
    await w.page.getByTestId('period').selectOption('2026-10');
    await w.page.getByTestId('scheme').selectOption('liuzhou-2023');
    await scoresTable().and(w.page.locator('[data-scheme="liuzhou-2023"]')).waitFor();
  });

  it('links the bulletin of the chosen month and scheme (HTML, XLSX, CSV) and opens it', async () => {
    const link = w.page.getByTestId('bulletin-html');
    expect(await link.getAttribute('href')).toBe('/bulletin/2026-10?scheme=liuzhou-2023');
    expect(await w.page.getByTestId('bulletin-xlsx').getAttribute('href')).toBe('/bulletin/2026-10.xlsx?scheme=liuzhou-2023');
    const csv = await w.page.locator('.bulletin details a').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    expect(csv).toContain('/bulletin/2026-10.csv?scheme=liuzhou-2023&table=scores');
    expect(csv).toHaveLength(6);
    for (const href of [csv[0]!, '/bulletin/2026-10.xlsx?scheme=liuzhou-2023']) expect((await fetch(`${server.url}${href}`)).status, href).toBe(200);

    const [popup] = await Promise.all([w.page.waitForEvent('popup'), link.click()]);
    await popup.waitForLoadState('load');
    expect(await popup.title()).toBe('阳和新区（演示）智慧城管平台2026年10月份数字城管案件处置情况通报');
    // the bulletin's ranking is the view's
    const api = await get<ScoresResult>('/api/assessment/scores?period=2026-10&scheme=liuzhou-2023');
    const totals = await popup.locator('table[data-table="scores"] tbody tr:not(.total)').evaluateAll((trs) => trs.map((tr) => { const td = tr.querySelectorAll('td'); return td[td.length - 3].textContent; }));
    expect(totals).toEqual(api.units.map((u) => u.total.toFixed(2)));
    await popup.close();
  });

  it('prints on A4 landscape without the navigation and pickers', async () => {
    await w.page.evaluate(() => document.querySelector('.assessment')!.scrollTo(0, 0));
    await w.page.emulateMedia({ media: 'print' });
    expect(await w.page.locator('header.bar').isVisible()).toBe(false);
    expect(await w.page.getByTestId('scheme').isVisible()).toBe(false);
    expect(await w.page.getByTestId('inputs-editor').isVisible()).toBe(false);
    await w.page.emulateMedia({ media: null }); // ('screen' would make the PDF use screen styles)
    const pdf = await w.page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(path.join(ARTIFACTS, 'assessment.pdf'), pdf);
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(boxes.length).toBeGreaterThanOrEqual(2); // everything, not just the first screen
    expect(boxes.every(([wd, h]) => wd === 842 && h === 595)).toBe(true);
    expect(w.consoleErrors).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });
});
