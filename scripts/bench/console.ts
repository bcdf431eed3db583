/**
 * The console in headless Chromium (software WebGL) on the demo city (60k cases over a year):
 *  - time to first usable view: navigation start → map idle with the cases drawn (feed decoded, deck.gl layer
 *    set, two frames later), cold browser cache; baseline: the basemap alone idle, in the same page loads;
 *  - median frame time while panning with all 60k cases on the map, and with the wall's default set (this
 *    month + every open case), vs the same pan with the case layer off; alternated in one page so all see
 *    the same tiles, renderer and machine load.
 * Needs a real PostGIS (bench-db.ts) and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../api/config.ts';
import { loadDemoCity } from '../../api/demo/load.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { ensureWebBuilt } from '../../api/web/build.ts';
import { webStatic } from '../../api/web/static.ts';
import { createBenchDatabase } from './bench-db.ts';
import { median, type Figure } from './harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 5);
const PAN_FRAMES = Number(process.env.BENCH_CONSOLE_FRAMES ?? 40);
const VIEWPORT = { width: 1920, height: 1080 };

/** Injected before the app: records when the basemap is idle and when the cases are drawn too. */
const PROBE = `(() => {
  const t = (window.__probe = { base: null, usable: null });
  let settle = -1;
  const tick = () => {
    const c = window.__citylens;
    const m = c && c.map;
    const idle = m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
    if (idle && t.base === null) t.base = performance.now();
    const drawn = idle && c.store.loaded && c.view.rows.length > 0 && c.deckLayers().includes('cases');
    if (drawn && settle < 0) settle = 2; // deck draws with the map's next frames
    if (settle > 0 && --settle === 0) t.usable = performance.now();
    if (t.usable === null) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function firstView(browser: Browser, url: string): Promise<{ base: number; usable: number }> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' }); // fresh cache each load
  try {
    const page = await context.newPage();
    await page.addInitScript(PROBE);
    await page.goto(url);
    await page.waitForFunction(() => (window as any).__probe?.usable !== null, null, { timeout: 120_000, polling: 100 });
    return page.evaluate(() => (window as any).__probe);
  } finally {
    await context.close();
  }
}

/**
 * Frame intervals (ms) of a scripted pan: one jumpTo per animation frame across the district and back.
 * A string, not a function: tsx would wrap named inner functions in a helper the page does not have.
 */
const PAN = `(n) => new Promise((resolve) => {
  const m = window.__citylens.map;
  const start = m.getCenter();
  const span = (m.getBounds().getEast() - m.getBounds().getWest()) * 0.6;
  const out = [];
  let last;
  let i = 0;
  const step = (ts) => {
    if (last !== undefined) out.push(ts - last);
    last = ts;
    const phase = Math.sin((i / n) * Math.PI * 2); // out and back
    m.jumpTo({ center: [start.lng + span * 0.5 * phase, start.lat + span * 0.15 * phase] });
    if (++i <= n) requestAnimationFrame(step);
    else {
      m.jumpTo({ center: start });
      resolve(out);
    }
  };
  requestAnimationFrame(step);
})`;

async function pan(page: Page, frames: number): Promise<number[]> {
  return page.evaluate(`(${PAN})(${frames})`) as Promise<number[]>;
}

/** Case layer off, or on with a time range ('year' = every case in the feed, 'month' = the wall's set). */
async function setCases(page: Page, mode: 'off' | 'year' | 'month'): Promise<number> {
  return (await page.evaluate(`(() => {
    const c = window.__citylens;
    c.state.showCases = ${mode !== 'off'};
    c.state.caseFilters.range = '${mode === 'month' ? 'month' : 'year'}';
    c.state.caseFilters.includeOpen = true;
    return new Promise((r) => setTimeout(() => r(c.view.rows.length), 500));
  })()`)) as number;
}

export async function run(): Promise<Figure[]> {
  const built = ensureWebBuilt({ log: (m) => console.error(`[bench] ${m}`) });
  const bench = await createBenchDatabase('console');
  let browser: Browser | undefined;
  const app = await (async () => {
    await loadTaxonomy(bench.db.pool);
    console.error('[bench] loading the demo city …');
    await loadDemoCity(bench.db.pool);
    await bench.db.pool.query('ANALYZE');
    await built;
    const a = await buildApp({ db: bench.db, config: { ...loadConfig({}), databaseUrl: bench.url, demoTokens: true } });
    await a.register(webStatic);
    await a.listen({ host: '127.0.0.1', port: 0 });
    return a;
  })();
  try {
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const url = `${base}/?debug&token=demo-display#/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

    // Warm the server (feed cache, tile cache, PostgreSQL buffers) once: a first visit after a restart is not
    // what a wall sees every morning, and the browser's cache is fresh per load anyway.
    await firstView(browser, url);
    const loads: { base: number; usable: number }[] = [];
    for (let i = 0; i < LOADS; i++) loads.push(await firstView(browser, url));
    console.error(`[bench] first views (ms): ${loads.map((l) => `${l.base.toFixed(0)}/${l.usable.toFixed(0)}`).join(' ')}`);

    // Pan with every case of the year on the map (60k), with the wall's set, and with the layer off; alternate.
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.addInitScript(PROBE);
    await page.goto(url);
    await page.waitForFunction(() => (window as any).__probe?.usable !== null, null, { timeout: 120_000, polling: 100 });
    const drawn = await setCases(page, 'year');
    await pan(page, PAN_FRAMES); // warm: tiles along the path loaded, the layer's buffers uploaded
    const frames = { year: [] as number[], month: [] as number[], off: [] as number[] };
    let monthCount = 0;
    for (let round = 0; round < 2; round++) {
      for (const mode of ['year', 'month', 'off'] as const) {
        const n = await setCases(page, mode);
        if (mode === 'month') monthCount = n;
        await pan(page, 3); // the first frames after a change upload buffers: not panning cost
        frames[mode].push(...(await pan(page, PAN_FRAMES)));
      }
    }
    await context.close();
    console.error(`[bench] cases on the map: ${drawn} (year), ${monthCount} (wall's set)`);
    const on = frames.year;
    const off = frames.off;
    const usable = median(loads.map((l) => l.usable));
    const basemap = median(loads.map((l) => l.base));
    const frameOn = median(on);
    const frameOff = median(off);
    return [
      {
        name: 'console first usable view (load → map idle with cases drawn, median)',
        value: usable,
        unit: 'ms',
        baseline: basemap,
        baselineName: 'basemap alone idle, same loads',
        target: '≤ 2000 ms',
        met: usable <= 2000,
      },
      {
        name: `console pan frame time with ${drawn} cases (median)`,
        value: frameOn,
        unit: 'ms',
        baseline: frameOff,
        baselineName: 'same pan, case layer off',
        target: '≤ 1.5× baseline',
        met: frameOn <= 1.5 * frameOff,
      },
      {
        name: `console pan frame time with the wall's ${monthCount} cases (median)`,
        value: median(frames.month),
        unit: 'ms',
        baseline: frameOff,
        baselineName: 'same pan, case layer off',
        target: '≤ 1.5× baseline',
        met: median(frames.month) <= 1.5 * frameOff,
      },
    ];
  } finally {
    await browser?.close();
    await app.close();
    await bench.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./harness.ts');
  console.log(formatTable(await run()));
}
