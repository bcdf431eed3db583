import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pointOnFeature } from '@turf/turf';
import type { Feature } from 'geojson';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// Runs in the browser: the map is exposed on window.__map when the page is opened with ?debug.
type MapWindow = Window & { __map: import('maplibre-gl').Map };

/** Waits until the style, every tile and the frame after them are done. */
async function mapIdle(page: Page) {
  await page.waitForFunction(() => {
    const m = (window as unknown as MapWindow).__map;
    return !!m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
  }, null, { timeout: 90_000, polling: 250 });
}

async function jumpTo(page: Page, center: [number, number], zoom: number) {
  await page.evaluate(
    ([c, z]) =>
      new Promise<void>((resolve) => {
        const m = (window as unknown as MapWindow).__map;
        m.once('idle', () => resolve());
        m.jumpTo({ center: c as [number, number], zoom: z as number });
      }),
    [center, zoom] as const,
  );
  await mapIdle(page);
}

/** Number of rendered features per style layer (whole viewport). */
async function rendered(page: Page, layers: string[]): Promise<Record<string, number>> {
  return page.evaluate((ids) => {
    const m = (window as unknown as MapWindow).__map;
    return Object.fromEntries(ids.map((id) => [id, m.queryRenderedFeatures({ layers: [id] }).length]));
  }, layers);
}

async function firstFeature(server: TestServer, layer: string): Promise<Feature> {
  const res = await fetch(`${server.url}/api/layers/${layer}?limit=50`);
  expect(res.status).toBe(200);
  const fc = (await res.json()) as { features: Feature[] };
  expect(fc.features.length, `${layer} has features`).toBeGreaterThan(0);
  // Not the very first: key order puts it at an edge of the data more often than not.
  return fc.features[Math.floor(fc.features.length / 2)];
}

describe.skipIf(!existsSync(CHROMIUM))('basemap in a real browser (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => {
      const u = new URL(r.url());
      requests.push(r.url());
      if ((u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') && !LOCAL_HOSTS.has(u.hostname)) {
        foreignRequests.push(r.url());
      }
    });
    await page.goto(`${server.url}/?debug#/`);
    await mapIdle(page);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws districts, roads and grids at the district view', async () => {
    await page.screenshot({ path: path.join(ARTIFACTS, 'basemap-district.png') });
    const n = await rendered(page, ['districts-community-fill', 'districts-county-line', 'roads-main', 'roads-secondary', 'grids-line', 'districts-community-label', 'roads-label']);
    expect(n['districts-community-fill']).toBeGreaterThan(5);
    expect(n['districts-county-line']).toBeGreaterThan(0);
    expect(n['roads-main'] + n['roads-secondary']).toBeGreaterThan(5);
    expect(n['grids-line']).toBeGreaterThan(20);
    expect(n['districts-community-label'], 'community names placed').toBeGreaterThan(3);
    expect(n['roads-label'], 'main road names placed').toBeGreaterThan(0);
  });

  it('renders Chinese with a real font, without any glyph server', async () => {
    // A missing CJK font shows as the same "tofu" box as an unassigned code point.
    const tofu = await page.evaluate(() => {
      const draw = (ch: string) => {
        const c = document.createElement('canvas');
        c.width = c.height = 64;
        const ctx = c.getContext('2d')!;
        ctx.font = '48px "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
        ctx.fillText(ch, 4, 52);
        return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
      };
      return draw('城') === draw('\u{E000}');
    });
    expect(tofu, 'no CJK font installed (Debian: fonts-noto-cjk)').toBe(false);
    expect(requests.filter((u) => /\.pbf(\?|$)|\/fonts?\//.test(u))).toEqual([]);
  });

  it('draws components coloured by status at zoom 16', async () => {
    const c = await firstFeature(server, 'components');
    await jumpTo(page, (c.geometry as GeoJSON.Point).coordinates as [number, number], 16);
    await page.screenshot({ path: path.join(ARTIFACTS, 'basemap-z16.png') });
    const n = await rendered(page, ['components-circle', 'grids-line', 'grids-label', 'roads-label']);
    expect(n['components-circle']).toBeGreaterThan(10);
    expect(n['grids-line']).toBeGreaterThan(0);
    expect(n['grids-label'], 'grid codes placed').toBeGreaterThan(0);
    expect(n['roads-label'], 'road names placed').toBeGreaterThan(0);
  });

  it('shows the grid code in a popup when a grid is clicked', async () => {
    const grid = await firstFeature(server, 'grids');
    const code = String(grid.properties!.code);
    const inside = pointOnFeature(grid as Feature<GeoJSON.Polygon | GeoJSON.MultiPolygon>).geometry.coordinates as [number, number];
    await jumpTo(page, inside, 16.5);
    const at = await page.evaluate((ll) => {
      const m = (window as unknown as MapWindow).__map;
      const r = m.getContainer().getBoundingClientRect();
      const p = m.project(ll as [number, number]);
      return { x: r.left + p.x, y: r.top + p.y };
    }, inside);
    await page.mouse.click(at.x, at.y);
    const popup = page.getByTestId('feature-popup');
    await popup.waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => popup.innerText(), { timeout: 10_000 }).toContain(code);
    // The API's details (version, work grid) replace the tile's two properties.
    await expect.poll(() => popup.innerText(), { timeout: 10_000 }).toContain('版本');
    await page.waitForTimeout(300); // the deck.gl highlight is drawn on the next frame
    await page.screenshot({ path: path.join(ARTIFACTS, 'basemap-popup.png') });
  });

  it('turns layer groups off from the panel', async () => {
    await page.locator('input[data-group="grids"]').uncheck();
    await mapIdle(page);
    expect((await rendered(page, ['grids-line']))['grids-line']).toBe(0);
    await page.locator('input[data-group="grids"]').check();
    await mapIdle(page);
    expect((await rendered(page, ['grids-line']))['grids-line']).toBeGreaterThan(0);
  });

  it('made no request off this machine and logged no console error', () => {
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
