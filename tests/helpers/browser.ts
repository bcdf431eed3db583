/**
 * Headless Chromium for the console's browser tests: a page that records console errors and any request that
 * leaves the test server, and helpers that read the map and the case layer through `window.__citylens`
 * (exposed with `?debug`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = path.resolve('test-artifacts');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
}

export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if ((u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') && !LOCAL_HOSTS.has(u.hostname)) {
      foreignRequests.push(r.url());
    }
  });
  return { page, consoleErrors, foreignRequests };
}

/** What the page exposes on window.__citylens (types kept loose: this runs in the browser). */
type Citylens = {
  map: import('maplibre-gl').Map;
  store: { loaded: boolean; count: number; row(id: string): number | undefined; position(row: number): [number, number]; cols: Record<string, ArrayLike<number>>; dicts: Record<string, unknown> };
  view: { rows: Int32Array };
  deck: () => { pickObject(o: object): { layer?: { id: string }; index: number } | null; pickObjects(o: object): { layer?: { id: string }; index: number }[] } | undefined;
  state: { selectedCase: string | null };
};
export type CitylensWindow = Window & { __citylens: Citylens };

/** The map has its style and tiles, is still, and the case feed is in. */
export async function consoleReady(page: Page, timeout = 120_000) {
  await page.waitForFunction(
    () => {
      const c = (window as unknown as CitylensWindow).__citylens;
      const m = c?.map;
      return !!m && m.loaded() && m.areTilesLoaded() && !m.isMoving() && c.store.loaded && !!c.deck();
    },
    null,
    { timeout, polling: 200 },
  );
}

/** Page coordinates of a lon/lat on the map. */
export async function project(page: Page, lngLat: [number, number]): Promise<{ x: number; y: number }> {
  return page.evaluate((ll) => {
    const m = (window as unknown as CitylensWindow).__citylens.map;
    const el = m.getContainer();
    const r = el.getBoundingClientRect();
    const s = r.width / el.clientWidth; // the wall scales its map up by CSS on big screens
    const p = m.project(ll as [number, number]);
    return { x: r.left + p.x * s, y: r.top + p.y * s };
  }, lngLat);
}

/** The case id deck.gl picks at a lon/lat (what a click there would open), or null. */
export async function caseAt(page: Page, lngLat: [number, number]): Promise<string | null> {
  return page.evaluate((ll) => {
    const c = (window as unknown as CitylensWindow).__citylens;
    const p = c.map.project(ll as [number, number]);
    const info = c.deck()?.pickObject({ x: p.x, y: p.y, radius: 3, layerIds: ['cases'] });
    if (!info || info.index < 0) return null;
    const row = c.view.rows[info.index];
    return (c.store as unknown as { id(row: number): string }).id(row);
  }, lngLat);
}

/** How many distinct cases deck.gl has drawn on screen (picking over the whole canvas). */
export async function casesOnScreen(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = (window as unknown as CitylensWindow).__citylens;
    const canvas = c.map.getCanvas();
    const hits = c.deck()?.pickObjects({ x: 0, y: 0, width: canvas.clientWidth, height: canvas.clientHeight, layerIds: ['cases'], maxObjects: 2000 }) ?? [];
    return hits.length;
  });
}

/** Rendered features per style layer (whole viewport). */
export async function rendered(page: Page, layers: string[]): Promise<Record<string, number>> {
  return page.evaluate((ids) => {
    const m = (window as unknown as CitylensWindow).__citylens.map;
    return Object.fromEntries(ids.map((id) => [id, m.queryRenderedFeatures({ layers: [id] }).length]));
  }, layers);
}

export async function jumpTo(page: Page, center: [number, number], zoom: number) {
  await page.evaluate(
    ([c, z]) =>
      new Promise<void>((resolve) => {
        const m = (window as unknown as CitylensWindow).__citylens.map;
        m.once('idle', () => resolve());
        m.jumpTo({ center: c as [number, number], zoom: z as number });
      }),
    [center, zoom] as const,
  );
  await consoleReady(page);
}
