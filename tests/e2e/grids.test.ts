/**
 * The analysts' grid view (#/grids) in headless Chromium against a real server with the demo city, at 1366×768:
 * a community is picked and its grids drawn with codes; a grid is deleted (its gap flagged); a new grid drawn into
 * the hole with one corner pushed into a neighbour is flagged as an overlap on the map and in the list, and the
 * server refuses to save it (422); dragging the corner back snaps it onto the neighbours' shared vertex and the
 * check passes; Ctrl+Z / Ctrl+Y undo and redo that; the saved grid exists in the API, the community is covered
 * again, and the history shows the revision. Then split and merge through the UI, vertices deleted (right-click)
 * and added (edge midpoint), a stale version (409), a read-only token (403), and a revert from the history.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { booleanPointInPolygon, centroid, pointOnFeature } from '@turf/turf';
import type { Feature, MultiPolygon, Position } from 'geojson';
import { areaM2 } from '../../web/src/views/grids/geometry.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ARTIFACTS, hasChromium, launch, openPage, project, rendered, type WatchedPage } from '../helpers/browser.ts';

const COMMUNITY = '450203001001'; // 燕子社区
type Grid = Feature<MultiPolygon, { code: string; version: number }>;

describe.skipIf(!hasChromium)('analyst grid view in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let w: WatchedPage;
  let target: Grid; // the grid deleted and drawn again
  let junction: Position; // its corner shared with two other grids
  let created = '';
  let splitAt = 0; // latitude of the split line

  const api = async (url: string, init: RequestInit = {}, token = 'demo-analyst') => {
    const res = await fetch(`${server.url}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: await res.json() };
  };
  const communityGrids = async () => (await api(`/api/grids/export?community=${COMMUNITY}`)).body.features as Grid[];
  const ring = (g: Grid) => g.geometry.coordinates[0][0].slice(0, -1);
  const page = () => w.page;
  const button = (name: string) => page().locator(`[data-tool-button="${name}"]`);
  const notice = () => page().getByTestId('notice');
  const check = () => page().getByTestId('check');

  /** The map has its tiles and is still. */
  const settled = () =>
    page().waitForFunction(
      () => {
        const m = (window as any).__citylens?.map;
        return !!m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
      },
      null,
      { timeout: 60_000, polling: 100 },
    );
  const fitTo = async (g: Grid, padding: number) => {
    await page().evaluate(
      ([coords, pad]) => {
        const m = (window as any).__citylens.map;
        const xs = (coords as number[][]).map((c) => c[0]);
        const ys = (coords as number[][]).map((c) => c[1]);
        m.fitBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: pad, duration: 0 });
      },
      [ring(g), padding] as const,
    );
    await settled();
  };
  /** A point well inside a grid (turf's pointOnFeature may return a vertex of a concave one: an edge to a click). */
  const inside = (g: Grid): Position => {
    const c = centroid(g);
    return (booleanPointInPolygon(c, g) ? c : pointOnFeature(g)).geometry.coordinates;
  };
  const clickAt = async (ll: Position) => {
    const p = await project(page(), ll as [number, number]);
    await page().mouse.click(p.x, p.y);
  };

  beforeAll(async () => {
    server = await startTestServer({ config: { demoTokens: true } });
    // A grid with a corner where it meets two other grids of the community: pushed past that corner, the new
    // grid overlaps a neighbour; dragged back, it snaps onto the corner they share.
    const grids = await communityGrids();
    const users = new Map<string, number>();
    for (const g of grids) for (const p of ring(g)) users.set(`${p[0]},${p[1]}`, (users.get(`${p[0]},${p[1]}`) ?? 0) + 1);
    const candidates = grids
      .filter((g) => g.geometry.coordinates.length === 1 && g.geometry.coordinates[0].length === 1 && ring(g).length <= 12)
      .map((g) => ({ g, corners: ring(g).filter((p) => users.get(`${p[0]},${p[1]}`)! >= 3) }))
      .filter((c) => c.corners.length >= 2);
    expect(candidates.length).toBeGreaterThan(0);
    target = candidates[0].g;
    junction = candidates[0].corners[0];

    browser = await launch();
    w = await openPage(browser, { width: 1366, height: 768 });
    await page().goto(`${server.url}/?debug&token=demo-analyst#/grids`);
    await page().waitForFunction(() => (window as any).__grids?.mapReady && (window as any).__grids.communities.length > 0, null, { timeout: 120_000 });
    await settled();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('picks a community by search: the map fits it and draws its grids with their codes', async () => {
    await page().getByTestId('community-search').fill('燕子');
    await page().locator(`[data-community="${COMMUNITY}"]`).click();
    const grids = await communityGrids();
    await expect.poll(() => page().getByTestId('grid-count').innerText(), { timeout: 20_000 }).toBe(String(grids.length));
    await settled();
    const n = await rendered(page(), ['gv-grids-fill', 'gv-grids-label', 'gv-community-line']);
    expect(n['gv-grids-fill']).toBeGreaterThanOrEqual(grids.length);
    expect(n['gv-grids-label']).toBeGreaterThan(grids.length / 2);
    expect(n['gv-community-line']).toBeGreaterThan(0);
    // the community fills the map: its boundary's bbox is on screen
    const inView = await page().evaluate(() => {
      const m = (window as any).__citylens.map;
      const b = m.getBounds();
      const c = (window as any).__grids.community.geometry;
      const xs = c.coordinates.flat(2).map((p: number[]) => p[0]);
      return b.getWest() <= Math.min(...xs) && b.getEast() >= Math.max(...xs);
    });
    expect(inView).toBe(true);
    expect(await page().evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-community.png') });
  });

  it('selects a grid with a click and deletes it: the gap it leaves is flagged', async () => {
    await fitTo(target, 120);
    await clickAt(inside(target));
    await expect.poll(() => page().getByTestId('grid-code').innerText()).toBe(target.properties.code);
    await expect.poll(() => page().getByTestId('grid-panel').innerText()).toContain('平方米');
    await button('delete').click();
    await button('confirm-delete').click();
    await expect.poll(() => notice().innerText(), { timeout: 20_000 }).toContain(`已删除网格 ${target.properties.code}`);
    expect((await api(`/api/grids/${target.properties.code}`)).status).toBe(404);
    await expect.poll(() => check().getAttribute('data-problems')).not.toBe('0');
    expect(await page().locator('[data-testid="problems"] li[data-type="gap"]').count()).toBeGreaterThan(0);
  });

  it('draws a new grid with a corner inside a neighbour: the overlap is flagged on the map and in the list, and saving it is refused', async () => {
    await settled();
    await button('draw').click();
    // a free spot beyond the shared corner, inside a neighbour and away from anything to snap to
    const spot = await page().evaluate(
      ([v, pts, tol]) => {
        const m = (window as any).__citylens.map;
        const ed = (window as any).__grids;
        const pv = m.project(v);
        const cx = (pts as number[][]).reduce((s, p) => s + p[0], 0) / pts.length;
        const cy = (pts as number[][]).reduce((s, p) => s + p[1], 0) / pts.length;
        const pc = m.project([cx, cy]);
        const len = Math.hypot(pv.x - pc.x, pv.y - pc.y);
        const dir = { x: (pv.x - pc.x) / len, y: (pv.y - pc.y) / len };
        const inside = (ll: number[], ringPts: number[][]) => {
          let hit = false;
          for (let i = 0, j = ringPts.length - 1; i < ringPts.length; j = i++) {
            const [xi, yi] = ringPts[i];
            const [xj, yj] = ringPts[j];
            if (yi > ll[1] !== yj > ll[1] && ll[0] < ((xj - xi) * (ll[1] - yi)) / (yj - yi) + xi) hit = !hit;
          }
          return hit;
        };
        const far = (p: { x: number; y: number }) => {
          for (const layer of ed.snapTargets) {
            for (const q of layer.vertices) {
              const s = m.project(q);
              if (Math.hypot(s.x - p.x, s.y - p.y) < tol) return false;
            }
            for (const [a, b] of layer.segments) {
              const sa = m.project(a);
              const sb = m.project(b);
              const dx = sb.x - sa.x, dy = sb.y - sa.y;
              const t = Math.max(0, Math.min(1, ((p.x - sa.x) * dx + (p.y - sa.y) * dy) / (dx * dx + dy * dy || 1)));
              if (Math.hypot(sa.x + t * dx - p.x, sa.y + t * dy - p.y) < tol) return false;
            }
          }
          return true;
        };
        for (const deg of [0, 15, -15, 30, -30, 45, -45]) {
          const r = (deg * Math.PI) / 180;
          const d2 = { x: dir.x * Math.cos(r) - dir.y * Math.sin(r), y: dir.x * Math.sin(r) + dir.y * Math.cos(r) };
          for (let dist = 20; dist <= 70; dist += 3) {
            const p = { x: pv.x + d2.x * dist, y: pv.y + d2.y * dist };
            const ll = m.unproject([p.x, p.y]);
            const pt = [ll.lng, ll.lat];
            const inNeighbour = ed.grids.some((g: any) => g.geometry.coordinates.some((poly: number[][][]) => inside(pt, poly[0])));
            if (inNeighbour && far(p)) return pt;
          }
        }
        return null;
      },
      [junction, ring(target), 16] as const,
    );
    expect(spot, 'a free spot inside a neighbour beyond the corner').not.toBeNull();
    // the hole's corners, starting after the junction so that the pushed corner is not the closing one
    const corners = ring(target);
    const at = corners.findIndex((p) => p[0] === junction[0] && p[1] === junction[1]);
    const order = [...corners.slice(at + 1), ...corners.slice(0, at + 1)];
    const clicks = order.map((p) => (p === corners[at] ? spot! : p));
    for (const p of clicks) await clickAt(p);
    await clickAt(clicks[0]); // closes the ring
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('invalid');
    const overlaps = page().locator('[data-testid="problems"] li[data-type="overlap"]');
    expect(await overlaps.count()).toBeGreaterThan(0);
    expect(await overlaps.first().innerText()).toMatch(/与网格 \d{14} 重叠 [\d.]+ 平方米/);
    await settled();
    expect((await rendered(page(), ['gv-problems-fill']))['gv-problems-fill']).toBeGreaterThan(0);
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-overlap.png') });

    // the server refuses it too, and says why; nothing is written
    const before = (await communityGrids()).length;
    await button('save').click();
    await expect.poll(() => notice().getAttribute('data-kind'), { timeout: 20_000 }).toBe('invalid');
    expect(await notice().innerText()).toContain('服务器拒绝保存');
    expect((await communityGrids()).length).toBe(before);
  });

  it('fixes it by snapping: the corner dragged near the shared vertex lands exactly on it and the check passes; Ctrl+Z / Ctrl+Y', async () => {
    const spot = await page().evaluate(() => {
      const d = (window as any).__grids.draft;
      return d.coordinates[0] as number[][];
    });
    const corners = ring(target);
    const pushed = spot.find((p) => !corners.some((c) => Math.abs(c[0] - p[0]) < 1e-8 && Math.abs(c[1] - p[1]) < 1e-8))!;
    expect(pushed).toBeDefined();
    const from = await project(page(), pushed as [number, number]);
    const to = await project(page(), junction as [number, number]);
    await page().mouse.move(from.x, from.y);
    await page().mouse.down();
    await page().mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 6 });
    await page().mouse.move(to.x + 4, to.y - 3, { steps: 6 }); // 5 px off: within the snapping distance
    await page().mouse.up();
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');
    expect(await check().getAttribute('data-problems')).toBe('0');
    const exact = await page().evaluate((v) => (window as any).__grids.draft.coordinates[0].some((p: number[]) => p[0] === v[0] && p[1] === v[1]), junction);
    expect(exact, 'the dragged corner is the shared vertex itself').toBe(true);
    await settled();
    expect((await rendered(page(), ['gv-problems-fill']))['gv-problems-fill']).toBe(0);

    await page().keyboard.press('Control+z');
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('invalid');
    await page().keyboard.press('Control+y');
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');
    // the buttons do the same
    await button('undo').click();
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('invalid');
    await button('redo').click();
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');
    expect(await button('redo').isEnabled()).toBe(false);
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-snapped.png') });
  });

  it('saves: the grid exists in the API, the community is tiled again, and the history shows the revision', async () => {
    await button('save').click();
    await expect.poll(() => notice().getAttribute('data-kind'), { timeout: 20_000 }).toBe('ok');
    const text = await notice().innerText();
    created = /已新建网格 (\d{14,15})/.exec(text)?.[1] ?? '';
    expect(created.startsWith(COMMUNITY)).toBe(true);
    expect(created).not.toBe(target.properties.code); // codes are never reused
    const { status, body } = await api(`/api/grids/${created}`);
    expect(status).toBe(200);
    expect(body.properties.version).toBeGreaterThanOrEqual(1);
    const coverage = await api(`/api/grids/coverage?community=${COMMUNITY}`);
    expect(coverage.body.complete, JSON.stringify(coverage.body.problems?.map((p: any) => p.message.en))).toBe(true);

    await expect.poll(() => page().getByTestId('grid-code').innerText()).toBe(created);
    await page().locator('[data-testid="revisions"] li[data-op="create"]').waitFor({ timeout: 10_000 });
    const history = await api(`/api/grids/${created}/history`);
    expect(history.body.revisions.map((r: any) => r.op)).toEqual(['create']);
    expect(await page().locator('[data-testid="revisions"] li').first().getAttribute('data-revision')).toBe(String(history.body.revisions[0].id));
    await settled();
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-saved.png') });
  });

  it('splits the grid by a drawn line and merges the pieces again', async () => {
    const grid = (await api(`/api/grids/${created}`)).body as Grid;
    await fitTo(grid, 140);
    const xs = ring(grid).map((p) => p[0]);
    const ys = ring(grid).map((p) => p[1]);
    const midY = (splitAt = (Math.min(...ys) + Math.max(...ys)) / 2);
    const left = await project(page(), [Math.min(...xs), midY]);
    const right = await project(page(), [Math.max(...xs), midY]);
    await button('split').click();
    await page().mouse.click(left.x - 40, left.y);
    await page().mouse.click(right.x + 40, right.y);
    await page().mouse.click(right.x + 40, right.y); // a second click on the last point ends the line
    await expect.poll(() => button('confirm-split').isEnabled(), { timeout: 10_000 }).toBe(true);
    await button('confirm-split').click();
    await expect.poll(() => notice().innerText(), { timeout: 20_000 }).toMatch(new RegExp(`已将网格 ${created} 分割为`));
    const pieces = await page().evaluate(() => (window as any).__grids.selected as string[]);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect((await api(`/api/grids/${created}`)).status).toBe(404);
    for (const code of pieces) expect((await api(`/api/grids/${code}`)).status).toBe(200);

    // the pieces are on the map …
    await page().waitForFunction(
      (codes) => {
        const m = (window as any).__citylens.map;
        const drawn = new Set(m.queryRenderedFeatures({ layers: ['gv-grids-fill'] }).map((f: any) => f.properties.code));
        return codes.every((c: string) => drawn.has(c)) && m.loaded() && !m.isMoving();
      },
      pieces,
      { timeout: 20_000 },
    );
    // … and selected after the split; select them again by hand: a click, then Shift+click
    await page().keyboard.press('Escape');
    await expect.poll(() => button('merge').isEnabled()).toBe(false);
    for (const [i, code] of pieces.entries()) {
      const piece = (await api(`/api/grids/${code}`)).body as Grid;
      const at = await project(page(), inside(piece) as [number, number]);
      if (i > 0) await page().keyboard.down('Shift');
      await page().mouse.click(at.x, at.y);
      if (i > 0) await page().keyboard.up('Shift');
    }
    await expect.poll(() => button('merge').innerText()).toContain(`（${pieces.length}）`);
    await expect.poll(() => page().getByTestId('grid-panel').innerText()).toContain(`已选 ${pieces.length} 个网格`);
    await button('merge').click();
    await expect.poll(() => notice().innerText(), { timeout: 20_000 }).toContain('合并为网格');
    const survivor = [...pieces].sort()[0];
    expect((await api(`/api/grids/${survivor}`)).status).toBe(200);
    await expect.poll(() => page().getByTestId('grid-code').innerText()).toBe(survivor);
    await page().locator('[data-testid="revisions"] li[data-op="merge"]').waitFor({ timeout: 10_000 });
    // the pieces together are the grid that was split
    const merged = (await api(`/api/grids/${survivor}`)).body as Grid;
    expect(Math.abs(areaM2(merged.geometry) - areaM2(grid.geometry))).toBeLessThan(1);
  });

  it('edits vertices: a right-click deletes one, a click on an edge midpoint adds one; Ctrl+Z undoes both', async () => {
    await button('edit').click();
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');
    const ringNow = () => page().evaluate(() => (window as any).__grids.draft.coordinates[0] as number[][]);
    const start = await ringNow();
    // the merge kept the split line's end points: corners on straight edges, which can go without changing the area
    const extra = start.find((p) => Math.abs(p[1] - splitAt) < 1e-7)!;
    expect(extra).toBeDefined();
    const at = await project(page(), extra as [number, number]);
    await page().mouse.click(at.x, at.y, { button: 'right' });
    await expect.poll(async () => (await ringNow()).length).toBe(start.length - 1);
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');

    const ring = await ringNow();
    const mid = await project(page(), [(ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[1][1]) / 2]);
    await page().mouse.click(mid.x, mid.y);
    await expect.poll(async () => (await ringNow()).length).toBe(start.length);
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');

    await page().keyboard.press('Control+z');
    await page().keyboard.press('Control+z');
    await expect.poll(async () => JSON.stringify(await ringNow())).toBe(JSON.stringify(start));
    await button('cancel').click();
  });

  it('says plainly when someone else changed the grid meanwhile (409) and when the token may not write (403)', async () => {
    const code = await page().getByTestId('grid-code').innerText();
    await button('edit').click();
    await expect.poll(() => check().getAttribute('data-check'), { timeout: 20_000 }).toBe('valid');
    // another analyst saves the same grid first (same shape: a new version)
    const current = (await api(`/api/grids/${code}`)).body as Grid;
    const put = await api(`/api/grids/${code}`, { method: 'PUT', body: JSON.stringify({ geometry: current.geometry, version: current.properties.version }) });
    expect(put.status).toBe(200);
    await button('save').click();
    await expect.poll(() => notice().getAttribute('data-kind'), { timeout: 20_000 }).toBe('stale');
    expect(await notice().innerText()).toContain(`网格 ${code} 已被他人改为版本 ${current.properties.version + 1}`);
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-stale.png') });
    await notice().getByRole('button', { name: '重新加载' }).click();
    await expect.poll(() => page().getByTestId('grid-version').innerText()).toBe(`v${current.properties.version + 1}`);

    await page().getByTestId('token-picker').selectOption('demo-display');
    await expect.poll(() => page().getByTestId('role-warning').isVisible()).toBe(true);
    await button('edit').click();
    await button('save').click();
    await expect.poll(() => notice().innerText(), { timeout: 20_000 }).toContain('无权修改网格');
    await button('cancel').click();
    expect((await api(`/api/grids/${code}`)).body.properties.version).toBe(current.properties.version + 1);
    await page().getByTestId('token-picker').selectOption('demo-analyst');
    // the refused writes above (422, 409, 403) log their HTTP status; nothing else went wrong
    expect(w.consoleErrors.filter((e) => !/status of 40[39]|status of 422/.test(e))).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });

  it('reverts a grid to an earlier revision from its history', async () => {
    const code = await page().getByTestId('grid-code').innerText();
    const merge = page().locator('[data-testid="revisions"] li[data-op="merge"]');
    const revision = await merge.getAttribute('data-revision');
    await merge.getByRole('button', { name: '恢复到此版本' }).click();
    await expect.poll(() => notice().innerText(), { timeout: 20_000 }).toContain(`已将网格 ${code} 恢复到修订 #${revision}`);
    await expect.poll(() => page().locator('[data-testid="revisions"] li').first().getAttribute('data-op'), { timeout: 10_000 }).toBe('revert');
    const history = await api(`/api/grids/${code}/history`);
    expect(history.body.revisions[0]).toMatchObject({ op: 'revert', note: { revision: Number(revision) } });
    await page().screenshot({ path: path.join(ARTIFACTS, 'grids-1366x768-history.png') });
  });

  it('leaves and comes back to the view with the community still there', async () => {
    await page().evaluate(() => (location.hash = '#/assessment')); // a view without a map
    await page().getByTestId('period').waitFor();
    expect(await page().evaluate(() => (window as any).__grids.mapReady)).toBe(false); // its layers and terra-draw went with the map
    await page().evaluate(() => (location.hash = '#/grids'));
    await page().waitForFunction(() => (window as any).__grids?.mapReady, null, { timeout: 60_000 });
    await settled();
    expect(await page().getByTestId('community-name').innerText()).toBe('燕子社区');
    expect((await rendered(page(), ['gv-grids-fill']))['gv-grids-fill']).toBeGreaterThan(0);
  });
});
