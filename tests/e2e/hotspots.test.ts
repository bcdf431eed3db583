/**
 * The managers' hotspot view (#/hotspots) in headless Chromium against a real server with the demo city, at
 * 1366×768: the analysis runs from the form, cells are drawn in the bin colours with the fixed legend, the hot
 * areas the API finds are listed, a click on one flies the map there and opens its drill-down (with the stored
 * repeat groups), a bad parameter shows the API's 400 naming the field, and the emerging tab maps categories.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, consoleReady, hasChromium, jumpTo, launch, openPage, project, type WatchedPage } from '../helpers/browser.ts';
import { analysisQuery, BIN_CLASSES, defaultForm, EMERGING_CLASSES, type EmergingResult, type HotspotResult } from '../../web/src/views/hotspots/model.ts';

describe.skipIf(!hasChromium)('hotspot view in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let w: WatchedPage;
  let expected: HotspotResult;
  /** the camera the view opened with (the whole district) */
  let home: { center: [number, number]; zoom: number };

  const api = async <T>(url: string, token = 'demo-manager', init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: (await res.json()) as T };
  };
  /** Features of a style layer drawn on screen, with their properties. */
  const drawn = (layer: string) =>
    w.page.evaluate((id) => (window as any).__citylens.map.queryRenderedFeatures({ layers: [id] }).map((f: any) => f.properties) as Record<string, unknown>[], layer);
  const idle = () =>
    w.page.waitForFunction(() => {
      const m = (window as any).__citylens.map;
      return m.loaded() && !m.isMoving() && m.areTilesLoaded();
    }, null, { timeout: 30_000, polling: 100 });

  beforeAll(async () => {
    server = await startTestServer({ config: { demoTokens: true } });
    // the demo loader stores no repeat groups: build those of the demo's last month, as an analyst would after an import
    const rebuilt = await api('/api/analysis/repeats/recompute', 'demo-manager', { method: 'POST', body: JSON.stringify({ at: '2026-11-10' }) });
    expect(rebuilt.status).toBe(200);
    browser = await launch();
    w = await openPage(browser, { width: 1366, height: 768 });
    await w.page.goto(`${server.url}/?debug&token=demo-manager#/hotspots`);
    await consoleReady(w.page);
    home = await w.page.evaluate(() => {
      const m = (window as any).__citylens.map;
      return { center: m.getCenter().toArray(), zoom: m.getZoom() };
    });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs the analysis: coloured cells, the fixed legend and the hot areas the API finds', async () => {
    // held back a moment, so the loading state is sure to be seen
    await w.page.route('**/api/analysis/hotspots?*', async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await w.page.getByTestId('run-analysis').click();
    await w.page.getByTestId('hotspot-loading').waitFor({ timeout: 5000 });
    expect(await w.page.getByTestId('run-analysis').isDisabled()).toBe(true);
    await w.page.getByTestId('hotspot-summary').waitFor({ timeout: 180_000 });
    await expect.poll(() => w.page.getByTestId('hotspot-loading').count(), { timeout: 180_000 }).toBe(0);
    // the same question of the API (the view's default form: the last 365 days, cell size and band from the data)
    const { status, body } = await api<HotspotResult>(`/api/analysis/hotspots?${analysisQuery(defaultForm(), Date.now())}`);
    expect(status).toBe(200);
    expected = body;
    expect(body.areas.features.length).toBeGreaterThan(0);

    // the legend: seven classes with the 99/95/90 % levels and the API's counts per bin
    const legend = w.page.getByTestId('hotspot-legend');
    expect(await legend.locator('li[data-bin]').count()).toBe(7);
    for (const level of ['99%', '95%', '90%', '不显著']) expect(await legend.innerText()).toContain(level);
    const hot99 = await legend.locator('li[data-bin="3"] b').innerText();
    expect(Number(hot99.replace(/,/g, ''))).toBe(body.parameters.summary.bins['3']);

    // cells drawn in the bin colours, hot ones among them
    await idle();
    const cells = await drawn('hotspots-cells-fill');
    expect(cells.length).toBeGreaterThan(100);
    expect(cells.filter((c) => Number(c.bin) >= 2).length).toBeGreaterThan(0);
    const fill = await w.page.evaluate(() => JSON.stringify((window as any).__citylens.map.getPaintProperty('hotspots-cells-fill', 'fill-color')));
    expect(fill).toContain(BIN_CLASSES[0].color); // 99 % hot red
    expect((await drawn('hotspots-areas-line')).length).toBeGreaterThan(0);

    // the hot areas listed, in the API's order
    const listed = await w.page.locator('[data-area]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-area'))));
    expect(listed).toEqual(body.areas.features.map((a) => a.id));
    // the parameters explained with the server's reasons
    const explain = await w.page.getByTestId('hotspot-explain').innerText();
    expect(explain).toContain(`${body.parameters.cellSize.toLocaleString('zh-CN')} 米`);
    expect(explain).toContain(body.parameters.chosen.band.reason);
    expect(explain).toContain('自动');
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'hotspots-1366x768.png') });
  });

  it('flies to a hot area on a click and opens its drill-down with its repeat groups', async () => {
    // the most intense area holding stored repeat groups (the last month's were rebuilt above)
    const area = expected.areas.features.find((a) => (a.properties.repeatGroupsTotal ?? 0) > 0);
    expect(area, 'a hot area with repeat groups').toBeDefined();
    const before = await w.page.evaluate(() => (window as any).__citylens.map.getCenter().toArray() as [number, number]);
    await w.page.locator(`[data-area="${area!.id}"]`).click();
    const drill = w.page.getByTestId('area-drill');
    await drill.waitFor({ timeout: 5000 });
    await expect.poll(() => w.page.evaluate(() => (window as any).__citylens.map.isMoving()), { timeout: 5000 }).toBe(false);
    await idle();
    const after = await w.page.evaluate(() => (window as any).__citylens.map.getCenter().toArray() as [number, number]);
    expect(Math.hypot(after[0] - before[0], after[1] - before[1])).toBeGreaterThan(1e-4);
    // the area's centre of its box is on screen, and its outline is highlighted
    const [w0, s0, e0, n0] = await w.page.evaluate(() => (window as any).__citylens.map.getBounds().toArray().flat() as number[]);
    const cx = after[0], cy = after[1];
    expect(cx > w0 && cx < e0 && cy > s0 && cy < n0).toBe(true);
    expect((await drawn('hotspots-area-selected')).length).toBeGreaterThan(0);
    const text = await drill.innerText();
    expect(text).toContain(area!.properties.topMinors[0].name ?? area!.properties.topMinors[0].code);
    expect(text).toContain(`${area!.properties.repeatGroupsTotal} 组`);
    expect(await w.page.getByTestId('area-repeats').locator('li').count()).toBe(Math.min(12, area!.properties.repeatGroups!.length));
    // the area's cases themselves, from the case feed: as many as the analysis counted there (the feed's points
    // are float32, ~1 m: a case on a cell edge may fall either side)
    const listedCases = w.page.getByTestId('area-cases');
    const n = Number(await listedCases.getAttribute('data-count'));
    expect(Math.abs(n - area!.properties.cases)).toBeLessThanOrEqual(Math.max(3, area!.properties.cases * 0.01));
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'hotspots-1366x768-area.png') });
    // one opens in the case panel
    const first = listedCases.locator('button[data-case]').first();
    const id = await first.getAttribute('data-case');
    await first.click();
    await expect.poll(() => w.page.getByTestId('case-panel').getAttribute('data-case'), { timeout: 10_000 }).toBe(id);
    await w.page.keyboard.press('Escape');
    await w.page.getByTestId('case-panel').waitFor({ state: 'detached' });
    await idle();

    // a click on a cell of the map shows its statistics
    const ring = area!.geometry.type === 'Polygon' ? area!.geometry.coordinates[0] : area!.geometry.coordinates[0][0];
    const inner = ring.slice(0, -1).reduce((s, p) => [s[0] + p[0] / (ring.length - 1), s[1] + p[1] / (ring.length - 1)], [0, 0]);
    const at = await project(w.page, inner as [number, number]);
    await w.page.mouse.click(at.x, at.y);
    const card = w.page.getByTestId('cell-card');
    await card.waitFor({ timeout: 5000 });
    expect(await card.innerText()).toContain('Gi* z');
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'hotspots-1366x768-cell.png') });
  });

  it("shows the API's 400 naming the field of a bad parameter", async () => {
    await w.page.locator('[data-field="cellSize"]').fill('-5');
    expect(await w.page.locator('.stale').count()).toBe(1); // the result on show is for other parameters now
    await w.page.getByTestId('run-analysis').click();
    const error = w.page.getByTestId('hotspot-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toContain('单元大小');
    expect(await error.innerText()).toContain('cellSize');
    await w.page.locator('[data-field="cellSize"]').fill('');
    await error.getByRole('button').click();
    expect(await error.count()).toBe(0);
  });

  it('switches to emerging hot spots: cells coloured by category with the legend of what was found', async () => {
    await w.page.locator('[data-tab="emerging"]').click();
    await w.page.getByTestId('emerging-panel').locator('table').waitFor({ timeout: 300_000 });
    await expect.poll(() => w.page.getByTestId('hotspot-loading').count(), { timeout: 300_000 }).toBe(0);
    const { status, body } = await api<EmergingResult>(`/api/analysis/emerging?${analysisQuery(defaultForm(), Date.now(), true)}`);
    await jumpTo(w.page, home.center, home.zoom + 1);
    expect(status).toBe(200);
    const found = Object.entries(body.parameters.summary.categories).filter(([k, n]) => k !== 'no_pattern' && n > 0);
    expect(found.length).toBeGreaterThan(0);
    // the legend lists exactly the categories found (and no pattern), with their counts
    const legend = await w.page.getByTestId('hotspot-legend').locator('li[data-category]').evaluateAll((els) => els.map((e) => e.getAttribute('data-category')));
    expect(legend.sort()).toEqual([...found.map(([k]) => k), 'no_pattern'].sort());
    await idle();
    const cells = await drawn('hotspots-cells-fill');
    expect(cells.filter((c) => c.category !== undefined && c.category !== 'no_pattern').length).toBeGreaterThan(0);
    // a patterned cell clicked shows its category and series (one whose centre is not under a panel or the legend)
    const hit = await w.page.evaluate(() => {
      const m = (window as any).__citylens.map;
      const canvas = m.getCanvas();
      const box = canvas.getBoundingClientRect();
      for (const f of m.queryRenderedFeatures({ layers: ['hotspots-cells-fill'] })) {
        if (f.properties.category === 'no_pattern') continue;
        const ring = f.geometry.coordinates[0] as [number, number][];
        const c = ring.slice(0, -1).reduce((s, p) => [s[0] + p[0] / (ring.length - 1), s[1] + p[1] / (ring.length - 1)], [0, 0]);
        const px = m.project(c);
        if (document.elementFromPoint(box.left + px.x, box.top + px.y) === canvas) return { at: c as [number, number], category: f.properties.category as string };
      }
      throw new Error('no patterned cell is clear of the panels');
    });
    const at = await project(w.page, hit.at);
    await w.page.mouse.click(at.x, at.y);
    const card = w.page.getByTestId('cell-card');
    await card.waitFor({ timeout: 5000 });
    expect(await card.innerText()).toContain(EMERGING_CLASSES.find((c) => c.category === hit.category)!.label);
    expect(await card.locator('rect').count()).toBe(body.parameters.steps.length);
    expect(await w.page.locator('[data-area]').count()).toBe(0); // hot areas belong to the Gi* tab
    expect((await drawn('hotspots-areas-line')).length).toBe(0);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'hotspots-1366x768-emerging.png') });
    // the browser logs the one refused request of the bad-parameter test, nothing else
    expect(w.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    expect(w.foreignRequests).toEqual([]);
  });
});
