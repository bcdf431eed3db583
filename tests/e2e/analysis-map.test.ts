/**
 * The analysis overlays of the shared map (web/src/map/analysis) on the desk (#/cases) in headless Chromium against
 * a real server with the demo city: switched on in the layer panel, the repeat groups of the month are drawn one
 * circle per group of GET /api/analysis/repeats, a click lists the group's members and a member opens its case
 * panel; the zone overlay labels the zones with their violations and outlines the high-incidence grids.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, consoleReady, hasChromium, jumpTo, launch, openPage, project, type CitylensWindow, type WatchedPage } from '../helpers/browser.ts';
import { analysisRange, type RepeatsResponse, type ZonesResponse } from '../../web/src/map/analysis/shape.ts';

const REPEATS_LAYER = 'analysis-repeats-circle';
const ZONE_LABELS_LAYER = 'analysis-zone-labels';

describe.skipIf(!hasChromium)('analysis overlays on the desk map', () => {
  let server: TestServer;
  let browser: Browser;
  let w: WatchedPage;
  let groups: RepeatsResponse;

  const api = async <T>(url: string): Promise<T> => {
    const res = await fetch(`${server.url}${url}`, { headers: { authorization: 'Bearer demo-operator' } });
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };
  /** Distinct group ids drawn by the circle layer (a point can be drawn once per tile it is near). */
  const drawnGroups = () =>
    w.page.evaluate((layer) => {
      const m = (window as unknown as CitylensWindow).__citylens.map;
      return [...new Set(m.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties.id)))].sort();
    }, REPEATS_LAYER);

  beforeAll(async () => {
    server = await startTestServer({ config: { demoTokens: true } });
    browser = await launch();
    w = await openPage(browser, { width: 1366, height: 768 });
    await w.page.goto(`${server.url}/?debug&token=demo-operator#/cases`);
    await consoleReady(w.page);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws one circle per repeat group of the month, off until switched on', async () => {
    const q = new URLSearchParams(analysisRange({ range: 'month', from: '', to: '' }, Date.now()));
    groups = await api<RepeatsResponse>(`/api/analysis/repeats?${q}`);
    expect(groups.features.length, 'the demo month has repeat groups').toBeGreaterThan(0);
    expect(await drawnGroups()).toEqual([]);

    await w.page.getByRole('button', { name: '展开' }).click();
    const toggle = w.page.locator('input[data-overlay="repeats"]');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await expect.poll(drawnGroups, { timeout: 20_000 }).toEqual(groups.features.map((f) => f.properties.id).sort());
    const reached = groups.features.filter((f) => f.properties.reached).length;
    await expect.poll(() => w.page.locator('[data-count="repeats"]').innerText()).toBe(`${groups.features.length} 组 · 达标 ${reached}`);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'analysis-repeats-desk.png') });
  });

  it('follows the desk\u2019s time filter', async () => {
    const q = new URLSearchParams(analysisRange({ range: 'quarter', from: '', to: '' }, Date.now()));
    const quarter = await api<RepeatsResponse>(`/api/analysis/repeats?${q}`);
    expect(quarter.features.length).not.toBe(groups.features.length);
    await w.page.locator('select[data-filter="range"]').selectOption('quarter');
    await expect.poll(drawnGroups, { timeout: 20_000 }).toEqual(quarter.features.map((f) => f.properties.id).sort());
    await w.page.locator('select[data-filter="range"]').selectOption('month');
    await expect.poll(drawnGroups, { timeout: 20_000 }).toEqual(groups.features.map((f) => f.properties.id).sort());
  });

  it('lists a clicked group\u2019s members, and a member opens its case panel', async () => {
    // the biggest group, close up so its circle is not under another group's
    const target = [...groups.features].sort((a, b) => b.properties.size - a.properties.size)[0];
    await jumpTo(w.page, target.geometry.coordinates, 17);
    const at = await project(w.page, target.geometry.coordinates);
    // what a click there picks: the topmost group drawn at the point (usually the target)
    const picked = await w.page.evaluate(
      ([layer, x, y]) => {
        const m = (window as unknown as CitylensWindow).__citylens.map;
        const r = m.getContainer().getBoundingClientRect();
        return String(m.queryRenderedFeatures([x - r.left, y - r.top], { layers: [layer] })[0]?.properties.id);
      },
      [REPEATS_LAYER, at.x, at.y] as const,
    );
    const group = groups.features.find((f) => f.properties.id === picked)!;
    expect(group, `group ${picked} drawn at the anchor`).toBeDefined();
    await w.page.mouse.click(at.x, at.y);
    const popup = w.page.locator('.cl-repeat-popup');
    await popup.waitFor({ timeout: 10_000 });
    expect(await popup.locator('h3').innerText()).toBe(`重复案件组 · ${group.properties.size} 件`);
    expect(await popup.locator('.state').innerText()).toContain(group.properties.reached ? '已达认定阈值' : '未达阈值');
    const listed = await popup.locator('button[data-case]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case')));
    expect(listed).toEqual(group.properties.members);
    // no basemap popup or case panel opened by the same click
    expect(await w.page.getByTestId('case-panel').count()).toBe(0);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'analysis-repeats-popup.png') });

    const member = group.properties.members[group.properties.members.length - 1];
    await popup.locator(`button[data-case="${member}"]`).click();
    const panel = w.page.getByTestId('case-panel');
    await panel.waitFor({ timeout: 10_000 });
    await expect.poll(() => panel.getAttribute('data-case')).toBe(member);
    await expect.poll(() => panel.locator('[data-field="repeat-group"]').innerText(), { timeout: 10_000 }).toContain(`阈值 ${group.properties.threshold} 次`);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'analysis-repeats-member.png') });
    await w.page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it('labels the zones with their violations of the month', async () => {
    const q = new URLSearchParams(analysisRange({ range: 'month', from: '', to: '' }, Date.now()));
    const zones = await api<ZonesResponse>(`/api/analysis/zones?${q}`);
    await w.page.locator('input[data-overlay="repeats"]').uncheck();
    await expect.poll(drawnGroups).toEqual([]);
    await w.page.locator('input[data-overlay="zoneStats"]').check();
    const bounds = await w.page.evaluate(() => (window as unknown as CitylensWindow).__citylens.map.getStyle().metadata as Record<string, unknown>);
    const b = bounds['citylens:bounds'] as [number, number, number, number];
    await jumpTo(w.page, [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], 12.5);
    const labels = () =>
      w.page.evaluate((layer) => {
        const m = (window as unknown as CitylensWindow).__citylens.map;
        return m.queryRenderedFeatures({ layers: [layer] }).map((f) => ({ id: String(f.properties.id), violations: Number(f.properties.violations) }));
      }, ZONE_LABELS_LAYER);
    await expect.poll(async () => (await labels()).length, { timeout: 20_000 }).toBeGreaterThan(0);
    for (const l of await labels()) expect(l.violations, l.id).toBe(zones.zones.find((z) => z.id === l.id)?.violations ?? 0);
    const total = zones.zones.reduce((s, z) => s + z.violations, 0);
    await expect.poll(() => w.page.locator('input[data-overlay="zoneStats"] ~ .zoomhint').innerText()).toBe(`违规 ${total} 件`);
    // the high-incidence grids drawn are outlined from the basemap's grid tiles, and only those
    const hot = new Set(zones.grids.highIncidence.map((g) => g.code));
    const outlined = () =>
      w.page.evaluate((layer) => {
        const m = (window as unknown as CitylensWindow).__citylens.map;
        return [...new Set(m.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties.code)))];
      }, 'analysis-hot-grids-line');
    if (hot.size) await expect.poll(async () => (await outlined()).length, { timeout: 20_000 }).toBeGreaterThan(0);
    for (const code of await outlined()) expect(hot.has(code), code).toBe(true);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'analysis-zones-desk.png') });
  });
});
