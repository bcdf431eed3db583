/**
 * The operators' desk (#/cases) in headless Chromium against a real server with the demo city, at 1366×768:
 * the list and the map show the same cases as the API, new reports arrive live, a case opens from the map and
 * from the keyboard, a duplicate is merged (voided with duplicateOf), workflow actions change status and light,
 * and the actions follow the token's role.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { pointOnFeature } from '@turf/turf';
import type { Feature, Polygon } from 'geojson';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, caseAt, casesOnScreen, consoleReady, hasChromium, launch, openPage, project, rendered, type WatchedPage } from '../helpers/browser.ts';

describe.skipIf(!hasChromium)('operator desk in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let w: WatchedPage;
  let where: [number, number];
  let first = '';
  let second = '';

  const api = async (url: string, token = 'demo-operator', init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: await res.json() };
  };
  const report = async (at: [number, number], description: string) => {
    const r = await api('/api/cases', 'demo-collector', { method: 'POST', body: JSON.stringify({ source: 'patrol', kind: 'event', minor: '0102', description, lon: at[0], lat: at[1] }) });
    expect(r.status).toBe(201);
    return r.body as { id: string; possibleDuplicates: { id: string }[] };
  };
  const panel = () => w.page.getByTestId('case-panel');
  const storeState = (id: string) =>
    w.page.evaluate((caseId) => {
      const s = (window as any).__citylens.store;
      const row = s.row(caseId);
      return row === undefined ? null : { status: s.status(row), light: s.light(row) };
    }, id);

  beforeAll(async () => {
    server = await startTestServer({ config: { demoTokens: true } });
    const grids = (await (await fetch(`${server.url}/api/layers/grids?limit=400`)).json()) as { features: Feature<Polygon>[] };
    where = pointOnFeature(grids.features[Math.floor(grids.features.length * 0.6)]).geometry.coordinates as [number, number];
    browser = await launch();
    w = await openPage(browser, { width: 1366, height: 768 });
    await w.page.goto(`${server.url}/?debug&token=demo-operator#/cases`);
    await consoleReady(w.page);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the same cases as the API and draws them, at 1366×768', async () => {
    const { body: kpis } = await api('/api/stats/kpis');
    const from = kpis.month.current.from as string;
    const { body: list } = await api(`/api/cases?from=${encodeURIComponent(from)}&limit=5000`);
    expect(list.next, 'one page').toBeUndefined();
    await expect.poll(() => w.page.getByTestId('case-count').innerText()).toBe(list.features.length.toLocaleString('zh-CN'));
    const n = await rendered(w.page, ['districts-community-fill', 'roads-main', 'grids-line', 'zones-fill']);
    for (const [layer, count] of Object.entries(n)) expect(count, layer).toBeGreaterThan(0);
    expect(await casesOnScreen(w.page)).toBeGreaterThan(300);
    // The newest case heads the list.
    const top = await w.page.locator('.scroller [data-case]').first().getAttribute('data-case');
    expect(top).toBe(list.features[0].id);
    // Nothing overflows the small screen sideways.
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });

  it('shows new reports on the map and in the list within 2 s', async () => {
    first = (await report(where, '桌面测试：垃圾堆放')).id;
    const t0 = Date.now();
    await w.page.locator(`.scroller [data-case="${first}"]`).waitFor({ timeout: 2000 });
    expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    await expect.poll(() => caseAt(w.page, where), { timeout: 2000, interval: 100 }).toBe(first);

    const near: [number, number] = [where[0] + 0.00005, where[1]]; // ~5 m east: a duplicate report
    const dup = await report(near, '桌面测试：同一处垃圾再次上报');
    second = dup.id;
    expect(dup.possibleDuplicates.map((d) => d.id)).toContain(first);
    await w.page.locator(`.scroller [data-case="${second}"]`).waitFor({ timeout: 2000 });
  });

  it('opens a case clicked on the map and merges it as a duplicate', async () => {
    const at = await project(w.page, [where[0] + 0.00005, where[1]]);
    await w.page.mouse.click(at.x, at.y);
    await panel().waitFor({ timeout: 10_000 });
    await expect.poll(() => panel().getAttribute('data-case')).toBe(second);
    await expect.poll(() => panel().innerText(), { timeout: 10_000 }).toContain('疑似重复');
    // the two reports of one minor 5 m apart are in one repeat group (the first one's, unless a demo case of the
    // month anchors one nearby), which the panel shows
    const g = (await api(`/api/cases/${second}`)).body.repeatGroup;
    expect(g).toEqual((await api(`/api/cases/${first}`)).body.repeatGroup);
    expect(g.size).toBeGreaterThanOrEqual(2);
    await expect.poll(() => panel().locator('[data-field="repeat-group"]').innerText(), { timeout: 10_000 }).toContain(`第 ${g.size} 次 / 阈值 ${g.threshold} 次`);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'desk-1366x768-case.png') });
    await panel().locator(`button[data-merge="${first}"]`).click();
    await expect.poll(() => panel().locator('input[pattern]').inputValue()).toBe(first);
    expect(await panel().locator('.confirm').innerText()).toContain(`记为案件 ${first} 的重复上报`);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'desk-1366x768-merge.png') });
    await panel().getByRole('button', { name: '确认合并（作废本案）' }).click();
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('voided');
    await expect.poll(() => panel().innerText()).toContain(first); // 重复于
    await expect.poll(() => storeState(second), { timeout: 5000 }).toEqual({ status: 'voided', light: '' });
    const { body } = await api(`/api/cases/${second}`);
    expect(body.duplicateOf).toBe(first);
    expect(body.repeatGroup).toBeNull(); // a voided report leaves its group, one smaller now
    expect((await api(`/api/cases/${first}`)).body.repeatGroup).toMatchObject({ id: g.id, size: g.size - 1 });
  });

  it('opens a case from the list by keyboard and registers it: the light turns green', async () => {
    await w.page.keyboard.press('Escape');
    await panel().waitFor({ state: 'detached' });
    // The list: focus, Home, ↓ to the first case (second is newer and on top), Enter.
    await w.page.locator('.scroller').focus();
    await w.page.keyboard.press('Home');
    const order = await w.page.locator('.scroller [data-case]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case')));
    for (let k = 0; k < order.indexOf(first); k++) await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('Enter');
    await expect.poll(() => panel().getAttribute('data-case')).toBe(first);
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('reported');
    expect(await panel().getAttribute('data-light')).toBe('');

    await panel().locator('button[data-action="accept"]').click();
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('accepted');
    await panel().locator('button[data-action="register"]').click();
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('registered');
    expect(await panel().getAttribute('data-light')).toBe('green');
    // The map follows through the live stream: the case is drawn green now.
    await expect.poll(() => storeState(first), { timeout: 5000 }).toEqual({ status: 'registered', light: 'green' });
    // …and so does the list, in place.
    await expect.poll(() => w.page.locator(`.scroller [data-case="${first}"]`).getAttribute('data-status')).toBe('registered');
    expect(await w.page.locator(`.scroller [data-case="${second}"]`).getAttribute('data-status')).toBe('voided');
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'desk-1366x768.png') });
  });

  it('offers the actions of the chosen token: a dispatcher may dispatch', async () => {
    expect(await panel().locator('button[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['void']);
    await w.page.getByTestId('token-picker').selectOption('demo-dispatcher');
    await expect
      .poll(() => panel().locator('button[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))), { timeout: 10_000 })
      .toEqual(['dispatch']);
    await panel().locator('button[data-action="dispatch"]').click();
    await panel().getByRole('button', { name: '确认派遣' }).click();
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('dispatched');
    expect(await w.page.evaluate(() => localStorage.getItem('citylens.token'))).toBe('demo-dispatcher');
    expect(w.consoleErrors).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });

  it('filters the list and the map together', async () => {
    await w.page.keyboard.press('Escape');
    await w.page.locator('[data-filter-light="red"]').check({ force: true });
    const counts = await w.page.evaluate(() => {
      const c = (window as any).__citylens;
      const rows: Int32Array = c.view.rows;
      let red = 0;
      for (const r of rows) if (c.store.light(r) === 'red') red++;
      return { rows: rows.length, red };
    });
    expect(counts.rows).toBe(counts.red);
    await expect.poll(() => w.page.getByTestId('case-count').innerText()).toBe(counts.rows.toLocaleString('zh-CN'));
    await w.page.locator('[data-filter-light="red"]').uncheck({ force: true });
    // 重复案件: the demo city's stored groups (recomputed when it was loaded)
    await w.page.locator('[data-filter="repeat"]').check();
    const repeats = await w.page.evaluate(() => {
      const c = (window as any).__citylens;
      const rows: Int32Array = c.view.rows;
      let n = 0;
      for (const r of rows) if (c.store.isRepeat(r)) n++;
      return { rows: rows.length, repeats: n, first: rows.length ? c.store.id(rows[rows.length - 1]) : null };
    });
    expect(repeats.rows).toBeGreaterThan(0);
    expect(repeats.repeats).toBe(repeats.rows);
    await expect.poll(() => w.page.getByTestId('case-count').innerText()).toBe(repeats.rows.toLocaleString('zh-CN'));
    await expect.poll(() => w.page.locator('.scroller [data-case] .repeat').count()).toBeGreaterThan(0);
    expect(await w.page.locator('.scroller [data-case]').count()).toBe(await w.page.locator('.scroller [data-case] .repeat').count());
    expect((await api(`/api/cases/${repeats.first}`)).body).toMatchObject({ isRepeat: true, repeatGroup: { reached: true } });
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'desk-1366x768-repeats.png') });
    await w.page.locator('[data-filter="repeat"]').uncheck();
  });

  it('looks right at 1920×1080 too', async () => {
    const big = await openPage(browser, { width: 1920, height: 1080 });
    try {
      await big.page.goto(`${server.url}/?debug&token=demo-operator#/cases`);
      await consoleReady(big.page);
      await big.page.locator('.scroller [data-case]').first().click();
      await big.page.getByTestId('case-panel').waitFor();
      await expect.poll(() => big.page.getByTestId('case-panel').getAttribute('data-status'), { timeout: 10_000 }).not.toBe('');
      await big.page.waitForTimeout(500);
      await big.page.screenshot({ path: path.join(ARTIFACTS, 'desk-1920x1080.png') });
      expect(big.consoleErrors).toEqual([]);
    } finally {
      await big.page.close();
    }
  });
});
