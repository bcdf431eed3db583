/**
 * The analysts' grid editor (#/grids): one place for its state — the community, its grids and the grids and roads
 * around it, the selection, the tool in use, the shape being edited with its undo history, the problems of the last
 * check, and what the last save said. The view's panels are thin over it; MapLibre layers (layers.ts) and
 * terra-draw (draw.ts) are driven from here.
 *
 * Every change of the shape is checked by `POST /api/grids/validate` (debounced, the previous request aborted);
 * saves send the grid's version, so a grid someone else changed meanwhile comes back as 409 and a shape the server
 * refuses as 422 with its problems, both shown as such.
 */
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import type { Geometry, LineString, Polygon } from 'geojson';
import { api, ApiError, type GridFeature, type GridProblem, type GridRevision, type LayerFeature } from '../../lib/api.ts';
import { HANDLES_LAYER, createDraw, type GridDraw } from './draw.ts';
import { EditHistory, debounce } from './history.ts';
import { bboxOf, editablePolygon, growBBox } from './geometry.ts';
import { snapLayer, snapPoint, type SnapLayer } from './snap.ts';
import { GRID_FILL, addGridLayers, raiseProblems, removeGridLayers, showCommunity, showGrids, showProblems } from './layers.ts';

export interface Community {
  code: string;
  name: string;
  street: string;
  geometry: Geometry;
}

export type Tool = 'browse' | 'draw' | 'edit' | 'split';
export type Check = 'idle' | 'pending' | 'valid' | 'invalid' | 'failed';
export interface Notice {
  kind: 'ok' | 'error' | 'stale' | 'invalid';
  text: string;
}

/** Pixels within which a pointer snaps to a vertex or an edge. */
export const SNAP_PX = 10;
/** Pause after the last change before the shape is checked. */
export const CHECK_DELAY_MS = 300;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

class GridEditor {
  communities = $state.raw<Community[]>([]);
  community = $state.raw<Community | null>(null);
  /** the community's grids, with the versions writes send back */
  grids = $state.raw<GridFeature[]>([]);
  /** grids of the neighbouring communities near it: shown faintly and snapped to */
  around = $state.raw<LayerFeature<'grids'>[]>([]);
  roads = $state.raw<Geometry[]>([]);
  loading = $state(false);
  selected = $state.raw<string[]>([]);
  tool = $state<Tool>('browse');
  /** the whole shape being drawn or edited (null while a new one is still being clicked in) */
  draft = $state.raw<Polygon | null>(null);
  line = $state.raw<LineString | null>(null);
  problems = $state.raw<GridProblem[]>([]);
  /** what the problems list is about: the shape being edited, or what a deletion left behind */
  problemsOf = $state<'draft' | 'delete' | 'save'>('draft');
  check = $state<Check>('idle');
  busy = $state(false);
  notice = $state.raw<Notice | null>(null);
  revisions = $state.raw<GridRevision[] | null>(null);
  snapGrids = $state(true);
  snapRoads = $state(true);
  canUndo = $state(false);
  canRedo = $state(false);
  mapReady = $state(false);

  primary = $derived(this.selected.length === 1 ? (this.grids.find((g) => g.properties.code === this.selected[0]) ?? null) : null);

  snapTargets = $derived.by((): SnapLayer[] => {
    const editing = this.tool === 'edit' ? this.selected[0] : null;
    const layers: SnapLayer[] = [];
    if (this.snapGrids) {
      const grids = [...this.grids, ...this.around].filter((g) => g.properties.code !== editing);
      layers.push(snapLayer('grids', grids.map((g) => g.geometry)));
      if (this.community) layers.push(snapLayer('community', [this.community.geometry]));
    }
    if (this.snapRoads) layers.push(snapLayer('roads', this.roads));
    return layers;
  });

  private map: MapLibreMap | null = null;
  private draw: GridDraw | null = null;
  private history: EditHistory<Polygon> | null = null;
  private checkAbort?: AbortController;
  private historyAbort?: AbortController;
  private checkSoon = debounce(() => void this.checkNow(), CHECK_DELAY_MS);

  // ------------------------------------------------------------------ map

  /** Adds the layers and terra-draw to the map (MapView's `onmap`); returns the teardown. */
  attach(map: MapLibreMap): () => void {
    this.map = map;
    addGridLayers(map);
    this.draw = createDraw(map, (p) => this.snapAt(p), {
      // terra-draw is still inside its own handler: take the shape over once it is done
      finished: (g) => queueMicrotask(() => this.finished(g)),
      edited: (g) => this.edited(g),
      changing: (g) => this.changing(g),
    });
    raiseProblems(map, HANDLES_LAYER);
    // Shift+click adds a grid to the selection here; MapLibre would start a box zoom on it and swallow the click
    const boxZoom = map.boxZoom.isEnabled();
    map.boxZoom.disable();
    map.on('click', this.onClick);
    this.mapReady = true;
    if (this.community) this.fit();
    return () => {
      this.cancel();
      map.off('click', this.onClick);
      if (boxZoom) map.boxZoom.enable();
      this.draw?.destroy();
      this.draw = null;
      removeGridLayers(map);
      this.map = null;
      this.mapReady = false;
    };
  }

  /** Brings the map layers in line with the state (run from an effect: it reads what it shows). */
  syncMap() {
    const grids = this.grids, around = this.around, selected = this.selected, problems = this.problems, community = this.community;
    const editing = this.tool === 'edit' ? (this.selected[0] ?? null) : null;
    if (!this.mapReady || !this.map) return;
    showGrids(this.map, { own: grids, around, selected, editing });
    showCommunity(this.map, community?.geometry ?? null);
    showProblems(this.map, problems);
  }

  private snapAt(p: { x: number; y: number }) {
    const map = this.map;
    if (!map) return null;
    const hit = snapPoint(p, this.snapTargets, (lng, lat) => map.project([lng, lat]), SNAP_PX);
    return hit?.position ?? null;
  }

  fit() {
    const b = this.community && bboxOf([this.community.geometry]);
    if (b && this.map) this.map.fitBounds(b, { padding: 40, duration: 0 });
  }

  /** Centres the map on a problem's geometry. */
  show(p: GridProblem) {
    const b = bboxOf([p.geometry]);
    if (!b || !this.map) return;
    this.map.easeTo({ center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], duration: 300 });
  }

  private onClick = (e: MapMouseEvent) => {
    if (this.tool !== 'browse' || !this.map || !this.community) return;
    const prefix = this.community.code;
    const hit = this.map.queryRenderedFeatures(e.point, { layers: [GRID_FILL] }).find((f) => String(f.properties.code).startsWith(prefix));
    const code = hit ? String(hit.properties.code) : null;
    const many = e.originalEvent.shiftKey || e.originalEvent.ctrlKey || e.originalEvent.metaKey;
    if (!code) {
      if (!many) this.select([]);
    } else if (many) {
      this.select(this.selected.includes(code) ? this.selected.filter((c) => c !== code) : [...this.selected, code]);
    } else {
      this.select([code]);
    }
  };

  // ------------------------------------------------------------------ data

  async loadCommunities() {
    if (this.communities.length) return;
    try {
      const page = await api.layer('districts', undefined, { limit: 5000 });
      const streets = new Map(page.features.filter((f) => f.properties.level === 'street').map((f) => [f.properties.code, f.properties.name]));
      this.communities = page.features
        .filter((f) => f.properties.level === 'community')
        .map((f) => ({ code: f.properties.code, name: f.properties.name, street: streets.get(f.properties.code.slice(0, 9)) ?? '', geometry: f.geometry }))
        .sort((a, b) => a.code.localeCompare(b.code));
    } catch (err) {
      this.notice = { kind: 'error', text: `社区列表加载失败：${message(err)}` };
    }
  }

  async pick(c: Community) {
    this.cancel();
    this.community = c;
    this.selected = [];
    this.revisions = null;
    this.problems = [];
    this.problemsOf = 'draft';
    this.notice = null;
    this.fit();
    await this.reload();
  }

  /** Re-reads the community's grids (after a write, or after a stale version). */
  async reload() {
    const c = this.community;
    if (!c) return;
    this.loading = true;
    try {
      const around = growBBox(bboxOf([c.geometry])!, 200);
      const [own, near, roads] = await Promise.all([
        api.grids.ofCommunity(c.code),
        api.layer('grids', around, { limit: 5000 }),
        api.layer('roads', around, { limit: 5000 }),
      ]);
      if (this.community !== c) return;
      this.grids = own.features;
      this.around = near.features.filter((f) => f.properties.community_code !== c.code);
      this.roads = roads.features.map((f) => f.geometry);
      const kept = this.selected.filter((code) => own.features.some((g) => g.properties.code === code));
      if (kept.length !== this.selected.length) this.select(kept);
    } catch (err) {
      this.notice = { kind: 'error', text: `网格加载失败：${message(err)}` };
    } finally {
      this.loading = false;
    }
  }

  select(codes: string[]) {
    this.selected = codes;
    void this.loadHistory();
  }

  async loadHistory() {
    this.historyAbort?.abort();
    this.revisions = null;
    const code = this.selected.length === 1 ? this.selected[0] : null;
    if (!code) return;
    const a = (this.historyAbort = new AbortController());
    try {
      const h = await api.grids.history(code, a.signal);
      if (!a.signal.aborted) this.revisions = h.revisions;
    } catch (err) {
      if (!a.signal.aborted) this.notice = { kind: 'error', text: `修订历史加载失败：${message(err)}` };
    }
  }

  // ------------------------------------------------------------------ tools

  startDraw() {
    if (!this.community || !this.draw) return;
    this.cancel();
    this.select([]);
    this.tool = 'draw';
    this.notice = null;
    this.draw.drawPolygon();
  }

  startEdit() {
    const g = this.primary;
    if (!g || !this.draw) return;
    const polygon = editablePolygon(g.geometry);
    if (!polygon) {
      this.notice = { kind: 'error', text: `网格 ${g.properties.code} 由多个部分组成或带有内环，不能逐点编辑` };
      return;
    }
    this.cancel();
    this.tool = 'edit';
    this.notice = null;
    this.draw.edit(polygon);
    this.begin(polygon);
  }

  startSplit() {
    if (!this.primary || !this.draw) return;
    this.cancel();
    this.tool = 'split';
    this.notice = null;
    this.draw.drawLine();
  }

  /** Leaves the current tool; unsaved changes are dropped. */
  cancel() {
    this.checkSoon.cancel();
    this.checkAbort?.abort();
    this.draw?.clear();
    this.tool = 'browse';
    this.draft = null;
    this.line = null;
    this.history = null;
    this.check = 'idle';
    if (this.problemsOf !== 'delete') this.problems = [];
    this.updateUndo();
  }

  private begin(polygon: Polygon) {
    this.history = new EditHistory(polygon);
    this.draft = polygon;
    this.problemsOf = 'draft';
    this.updateUndo();
    void this.checkNow();
  }

  private finished(g: Polygon | LineString) {
    if (this.tool === 'draw' && g.type === 'Polygon') {
      const polygon = editablePolygon(g) ?? g;
      // the new shape stays editable: its vertices can be dragged, snapped, added and deleted before saving
      this.draw?.edit(polygon);
      this.begin(polygon);
    } else if (this.tool === 'split' && g.type === 'LineString') {
      this.line = g;
    }
  }

  private edited(g: Polygon) {
    this.reshaped(g);
    if (this.history?.push(g)) this.updateUndo();
  }

  private changing(g: Polygon) {
    this.reshaped(g);
  }

  /** A new shape: checked again, and a refusal of the old one no longer stands. */
  private reshaped(g: Polygon) {
    this.draft = g;
    if (this.notice?.kind === 'invalid') this.notice = null;
    this.checkSoon();
  }

  undo() {
    if (this.draw?.drawing()) {
      this.draw.undoPoint();
      return;
    }
    const g = this.history?.undo();
    if (g) this.restore(g);
  }

  redo() {
    if (this.draw?.drawing()) {
      this.draw.redoPoint();
      return;
    }
    const g = this.history?.redo();
    if (g) this.restore(g);
  }

  private restore(g: Polygon) {
    this.draw?.set(g);
    this.reshaped(g);
    this.updateUndo();
  }

  private updateUndo() {
    this.canUndo = !!this.history?.canUndo;
    this.canRedo = !!this.history?.canRedo;
  }

  /** Ctrl+Z / Ctrl+Y (and Ctrl+Shift+Z) while a tool is in use; Esc leaves it. */
  key(e: KeyboardEvent) {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
    if (this.tool === 'browse') {
      if (e.key === 'Escape') this.select([]);
      return;
    }
    const k = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && k === 'z' && !e.shiftKey) {
      e.preventDefault();
      this.undo();
    } else if ((e.ctrlKey || e.metaKey) && (k === 'y' || (k === 'z' && e.shiftKey))) {
      e.preventDefault();
      this.redo();
    } else if (e.key === 'Escape' && !this.draw?.drawing()) {
      this.cancel();
    }
  }

  // ------------------------------------------------------------------ checks and writes

  async checkNow() {
    this.checkSoon.cancel();
    const g = this.draft;
    const c = this.community;
    if (!g || !c) return;
    this.checkAbort?.abort();
    const a = (this.checkAbort = new AbortController());
    this.check = 'pending';
    const code = this.tool === 'edit' ? this.selected[0] : undefined;
    try {
      const v = await api.grids.validate(code ? { geometry: g, code, replaces: [code] } : { geometry: g, community_code: c.code }, a.signal);
      if (a.signal.aborted) return;
      this.problems = v.problems;
      this.problemsOf = 'draft';
      this.check = v.valid ? 'valid' : 'invalid';
    } catch (err) {
      if (a.signal.aborted) return;
      this.check = 'failed';
      this.notice = { kind: 'error', text: `校验请求失败：${message(err)}` };
    }
  }

  /** Saves the drawn grid (POST) or the edited one (PUT with its version). */
  async save() {
    const g = this.draft;
    const c = this.community;
    if (!g || !c || this.busy) return;
    this.checkSoon.cancel();
    this.checkAbort?.abort();
    await this.write(async () => {
      if (this.tool === 'edit' && this.primary) {
        const r = await api.grids.update(this.primary.properties.code, g, this.primary.properties.version);
        return { codes: [r.grid.properties.code], text: `已保存网格 ${r.grid.properties.code}（版本 ${r.grid.properties.version}）` };
      }
      const r = await api.grids.create({ geometry: g, community_code: c.code });
      return { codes: [r.grid.properties.code], text: `已新建网格 ${r.grid.properties.code}` };
    });
  }

  async split() {
    const g = this.primary;
    const line = this.line;
    if (!g || !line) return;
    await this.write(async () => {
      const r = await api.grids.split(g.properties.code, line, g.properties.version);
      const codes = r.pieces.map((p) => p.properties.code);
      return { codes, text: `已将网格 ${r.from} 分割为 ${codes.join('、')}` };
    });
  }

  async merge() {
    const codes = [...this.selected];
    const versions = codes.map((code) => this.grids.find((g) => g.properties.code === code)?.properties.version ?? 0);
    if (codes.length < 2) return;
    await this.write(async () => {
      const r = await api.grids.merge(codes, versions);
      return { codes: [r.grid.properties.code], text: `已将 ${codes.join('、')} 合并为网格 ${r.grid.properties.code}` };
    });
  }

  async remove() {
    const g = this.primary;
    if (!g) return;
    await this.write(async () => {
      const r = await api.grids.remove(g.properties.code, g.properties.version);
      const gaps = r.warnings.length ? `；社区内留下 ${r.warnings.length} 处未覆盖的区域（地图上红色标注），请新建网格补上` : '';
      return { codes: [], text: `已删除网格 ${r.deleted}${gaps}`, warnings: r.warnings };
    });
  }

  async revert(rev: GridRevision) {
    const current = this.grids.find((g) => g.properties.code === rev.grid);
    await this.write(async () => {
      const r = await api.grids.revert(rev.grid, rev.id, current?.properties.version);
      return { codes: [r.grid.properties.code], text: `已将网格 ${rev.grid} 恢复到修订 #${rev.id}（版本 ${r.grid.properties.version}）` };
    });
  }

  private async write(fn: () => Promise<{ codes: string[]; text: string; warnings?: GridProblem[] }>) {
    this.busy = true;
    try {
      const done = await fn();
      this.cancel();
      await this.reload();
      this.select(done.codes);
      // said once the map shows the result
      this.problems = done.warnings ?? [];
      this.problemsOf = done.warnings?.length ? 'delete' : 'draft';
      this.notice = { kind: 'ok', text: done.text };
    } catch (err) {
      this.refused(err);
    } finally {
      this.busy = false;
    }
  }

  /** A refused write, said plainly: who may write, a stale version, or the problems that stopped it. */
  private refused(err: unknown) {
    if (!(err instanceof ApiError)) {
      this.notice = { kind: 'error', text: `保存失败：${message(err)}` };
      return;
    }
    if (err.status === 422) {
      const problems = Array.isArray(err.body.problems) ? (err.body.problems as GridProblem[]) : [];
      this.problems = problems;
      this.problemsOf = 'save';
      this.check = 'invalid';
      this.notice = { kind: 'invalid', text: `服务器拒绝保存：发现 ${problems.length} 个问题（见问题列表和地图上的红色标注），未写入任何数据` };
    } else if (err.status === 409 && err.code === 'stale_version') {
      const grids = Array.isArray(err.body.grids) ? (err.body.grids as { code: string; version: number; sent: number }[]) : [];
      const which = grids.map((g) => `网格 ${g.code} 已被他人改为版本 ${g.version}（您编辑的是版本 ${g.sent}）`).join('；') || err.message;
      this.notice = { kind: 'stale', text: `版本冲突：${which}。未写入任何数据，请重新加载后再编辑。` };
    } else if (err.status === 403) {
      this.notice = { kind: 'error', text: '当前身份无权修改网格：请在“身份”中选择网格管理员' };
    } else if (err.status === 401) {
      this.notice = { kind: 'error', text: '令牌无效：请重新选择身份' };
    } else {
      this.notice = { kind: 'error', text: `保存失败（${err.status}）：${err.message}` };
    }
  }

  /** After a stale version: the current grids, and the edit dropped. */
  async reloadAfterConflict() {
    this.cancel();
    this.notice = null;
    await this.reload();
    await this.loadHistory();
  }
}

export const editor = new GridEditor();
