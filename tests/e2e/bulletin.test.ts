// The monthly bulletin in a real browser (headless Chromium): it renders with the API's numbers, loads nothing
// from outside, and prints to A4 (portrait text, landscape annexes). Screenshots and the PDF go to test-artifacts/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { MetricsResult } from '../../api/assessment/metrics.ts';
import type { ScoresResult } from '../../api/assessment/scores.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe.skipIf(!existsSync(CHROMIUM))('bulletin in a real browser (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    // the repeats engine's groups for October (the demo city is loaded without them)
    const r = await server.app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', payload: { at: '2026-10-15T12:00:00+08:00' }, headers: { authorization: 'Bearer demo-manager' } });
    expect(r.statusCode, r.body).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (req) => {
      const u = new URL(req.url());
      if (u.protocol.startsWith('http') && !LOCAL_HOSTS.has(u.hostname)) foreignRequests.push(req.url());
    });
    const res = await page.goto(`${server.url}/bulletin/2026-10?scheme=liuzhou-2023`, { waitUntil: 'load', timeout: 120_000 });
    expect(res?.status()).toBe(200);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the five sections and the annexes of seed 000, with the API\'s numbers', async () => {
    expect(await page.title()).toBe('阳和新区（演示）智慧城管平台2026年10月份数字城管案件处置情况通报');
    const h2 = await page.locator('h2').allTextContents();
    expect(h2.map((t) => t.slice(0, 2))).toEqual(['一、', '二、', '三、', '四、', '五、']);
    const h3 = await page.locator('h3').allTextContents();
    expect(h3.map((t) => t.replace(/共.*/, ''))).toEqual(['（一）反复发案', '（二）重点案件考核', '（三）时段案件', '（四）市容秩序等级区域考核']);
    expect(h3[0]).toMatch(/反复发案共 [1-9]\d* 件，扣 \d+\.\d\d 分/); // repeats recomputed above

    const sources = (await (await fetch(`${server.url}/api/assessment?period=2026-10&by=source`)).json()) as MetricsResult;
    const intro = await page.locator('h2:has-text("一、") + p').textContent();
    expect(intro).toContain(`应结案 ${sources.total.current.dueToClose} 件，结案 ${sources.total.current.closed} 件`);

    const scores = (await (await fetch(`${server.url}/api/assessment/scores?period=2026-10&scheme=liuzhou-2023`)).json()) as ScoresResult;
    const rows = page.locator('table[data-table="scores"] tbody tr:not(.total)');
    expect(await rows.count()).toBe(scores.units.length);
    for (let i = 0; i < scores.units.length; i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      const u = scores.units[i];
      expect(cells[2]).toBe(u.unit.name);
      expect(cells[cells.length - 3]).toBe(u.total.toFixed(2));
      expect(cells[cells.length - 2]).toBe(u.ranked ? String(u.rank) : '—');
    }
    expect(await page.locator('table[data-table="top-event"] tbody tr').count()).toBe(5);
    expect(await page.locator('table[data-table="top-component"] tbody tr').count()).toBe(5);
    expect(await page.locator('a[href$=".xlsx?scheme=liuzhou-2023"]').count()).toBe(1);
  });

  it('loads nothing from outside and logs no errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('screenshots: the first page, the deductions and the ranking annex', async () => {
    // one A4 page (794 × 1123 px at 96 dpi) from the top of an element, below the sticky toolbar
    const shot = async (selector: string, sheet: string, file: string, height: number) => {
      await page.evaluate((sel) => {
        const el = document.querySelector(sel)!;
        const bar = document.querySelector('.toolbar')!.getBoundingClientRect().height;
        window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - bar - 8);
      }, selector);
      const top = (await page.locator(selector).first().boundingBox())!;
      const box = (await page.locator(sheet).boundingBox())!;
      await page.screenshot({ path: path.join(ARTIFACTS, file), clip: { x: box.x, y: top.y, width: box.width, height }, timeout: 120_000 });
    };
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'bulletin.png'), timeout: 120_000 });
    await shot('#s3', '#bulletin', 'bulletin-deductions.png', 1100);
    await shot('#annex-2', '#annex-2', 'bulletin-annex2.png', 794);
    // the text page is A4 wide on screen (210 mm at 96 dpi ≈ 794 px), the annexes A4 landscape
    const widths = await page.evaluate(() => ['#bulletin', '#annex-2'].map((s) => document.querySelector(s)!.getBoundingClientRect().width));
    expect(widths[0]).toBeCloseTo(794, -1);
    expect(widths[1]).toBeCloseTo(1123, -1);
    // the ranking table fits its landscape sheet
    const fits = await page.evaluate(() => {
      const sheet = document.querySelector('#annex-2')!.getBoundingClientRect();
      const table = document.querySelector('#annex-2 table')!.getBoundingClientRect();
      return table.right <= sheet.right + 0.5;
    });
    expect(fits).toBe(true);
  });

  it('prints to A4: portrait pages for the text, landscape pages for the annexes', async () => {
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(path.join(ARTIFACTS, 'bulletin.pdf'), pdf);
    const text = pdf.toString('latin1');
    const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(boxes.length).toBeGreaterThanOrEqual(4);
    expect(boxes.some(([w, h]) => w === 595 && h === 842)).toBe(true); // A4 portrait, in points
    expect(boxes.some(([w, h]) => w === 842 && h === 595)).toBe(true); // A4 landscape
  });
});
