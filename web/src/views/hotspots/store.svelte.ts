/**
 * State of the hotspot view: the form, which analysis is on show, its result (raw: thousands of polygons stay
 * out of Svelte's deep reactivity), loading and errors, and the chosen hot area or cell. The map follows this
 * (HotspotsView applies it); panels are thin over it.
 */
import { api, ApiError } from '../../lib/api.ts';
import { analysisQuery, defaultForm, PARAM_LABEL, type EmergingResult, type HotspotForm, type HotspotResult } from './model.ts';

export type Mode = 'hotspots' | 'emerging';

class HotspotState {
  form = $state<HotspotForm>(defaultForm());
  mode = $state<Mode>('hotspots');
  hot = $state.raw<HotspotResult | null>(null);
  emerging = $state.raw<EmergingResult | null>(null);
  /** Query strings the results answer (a form changed since is "not run yet"). */
  hotQuery = $state('');
  emergingQuery = $state('');
  loading = $state<Mode | null>(null);
  error = $state<string | null>(null);
  /** The hot area opened in the panel (its id), and the cell clicked on the map (index in the result). */
  area = $state<number | null>(null);
  cell = $state<number | null>(null);
  private abort: AbortController | undefined;

  /** Runs the analysis of `mode` for the form as it is now. */
  async run(mode: Mode = this.mode): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const query = analysisQuery(this.form, Date.now(), mode === 'emerging');
    this.mode = mode;
    this.loading = mode;
    this.error = null;
    this.cell = null;
    try {
      if (mode === 'hotspots') {
        const r = await api.hotspots(query, abort.signal);
        if (abort.signal.aborted) return;
        this.hot = r;
        this.hotQuery = query;
        this.area = null;
      } else {
        const r = await api.emerging(query, abort.signal);
        if (abort.signal.aborted) return;
        this.emerging = r;
        this.emergingQuery = query;
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      this.error = describe(err);
    } finally {
      if (this.abort === abort) this.loading = null;
    }
  }

  /** Shows the other analysis, running it when it has not been run for this form. */
  show(mode: Mode): void {
    this.cell = null;
    if (mode === this.mode && this.loading !== mode) return;
    this.mode = mode;
    const query = analysisQuery(this.form, Date.now(), mode === 'emerging');
    const have = mode === 'hotspots' ? this.hotQuery : this.emergingQuery;
    if (have !== query && this.loading !== mode) void this.run(mode);
  }

  /** The result on show is for another form than the one filled in now. */
  get stale(): boolean {
    const query = analysisQuery(this.form, Date.now(), this.mode === 'emerging');
    const have = this.mode === 'hotspots' ? this.hotQuery : this.emergingQuery;
    return !!have && have !== query;
  }
}

/** A user-facing message: the API's 4xx names the parameter; say which field that is. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return '令牌无效或已过期，请重新选择身份';
    if (err.status === 403) return '当前身份无权运行热点分析（需要考核科、网格管理员或大屏身份）';
    if (err.status >= 400 && err.status < 500) {
      const field = err.parameter ? `「${PARAM_LABEL[err.parameter] ?? err.parameter}」` : '';
      return `参数有误${field}：${err.message}`;
    }
    return `分析失败（${err.status}）：${err.message}`;
  }
  return `无法连接服务器：${(err as Error)?.message ?? String(err)}`;
}

export const hotspotState = new HotspotState();
