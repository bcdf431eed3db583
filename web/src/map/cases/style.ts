/**
 * How cases look, without deck.gl: fixed colours (a fixed domain: light and status, never scaled to what is on
 * screen), sizes, the legend, and the typed arrays of the filtered rows the case layer draws. Kept apart from
 * layers.ts so panels and legends load without the deck.gl bundle.
 */
import type { caseStore as Store } from './store.svelte.ts';

export type Theme = 'light' | 'dark';
type RGBA = [number, number, number, number];

/** What each colour means, in legend order. */
export const CASE_LEGEND = [
  { key: 'red', label: '红灯（超期）', color: '#e53935' },
  { key: 'yellow', label: '黄灯（临期）', color: '#f5b400' },
  { key: 'green', label: '绿灯（办理中）', color: '#2fb344' },
  { key: 'pending', label: '待立案', color: '#3d8bfd' },
  { key: 'closed', label: '已结案', color: '#8b96a5' },
  { key: 'voided', label: '已作废', color: '#5b6572' },
] as const;
type ColorKey = (typeof CASE_LEGEND)[number]['key'];

const hex = (h: string, a = 255): RGBA => {
  const n = Number.parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, a];
};
const COLOR = Object.fromEntries(CASE_LEGEND.map((e) => [e.key, hex(e.color)])) as Record<ColorKey, RGBA>;

/** Radius in pixels and alpha per class: open work stands out, finished work is a faint trace. */
const STYLE: Record<ColorKey, { r: number; a: number; line: number }> = {
  red: { r: 5.5, a: 255, line: 1.2 },
  yellow: { r: 4.8, a: 255, line: 1 },
  green: { r: 4.2, a: 240, line: 1 },
  pending: { r: 4.2, a: 240, line: 1 },
  closed: { r: 2.2, a: 110, line: 0 },
  voided: { r: 2, a: 80, line: 0 },
};

/** Colour class of a row. Light codes: 0 none, 1 green, 2 yellow, 3 red (dicts.lights). */
function classOf(status: string, light: number): ColorKey {
  if (status === 'closed') return 'closed';
  if (status === 'voided') return 'voided';
  return light === 3 ? 'red' : light === 2 ? 'yellow' : light === 1 ? 'green' : 'pending';
}

export interface CaseAttributes {
  length: number;
  attributes: {
    getPosition: { value: Float32Array; size: 2 };
    getFillColor: { value: Uint8Array; size: 4; normalized: true };
    getRadius: { value: Float32Array; size: 1 };
    getLineWidth: { value: Float32Array; size: 1 };
  };
}

/** Typed arrays for the filtered rows (a few ms for 60k). */
export function caseAttributes(store: typeof Store, rows: Int32Array, scale = 1): CaseAttributes {
  const n = rows.length;
  const pos = new Float32Array(n * 2);
  const fill = new Uint8Array(n * 4);
  const radius = new Float32Array(n);
  const line = new Float32Array(n);
  const { cols, dicts } = store;
  // Class per (status, light) pair, computed once rather than per row.
  const classes = dicts.statuses.map((s) => [0, 1, 2, 3].map((l) => classOf(s, l)));
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    pos[2 * k] = cols.lon[i];
    pos[2 * k + 1] = cols.lat[i];
    const cls = classes[cols.status[i]]?.[cols.light[i]] ?? 'pending';
    const c = COLOR[cls];
    const s = STYLE[cls];
    fill[4 * k] = c[0];
    fill[4 * k + 1] = c[1];
    fill[4 * k + 2] = c[2];
    fill[4 * k + 3] = s.a;
    radius[k] = s.r * scale;
    line[k] = s.line;
  }
  return {
    length: n,
    attributes: {
      getPosition: { value: pos, size: 2 },
      getFillColor: { value: fill, size: 4, normalized: true },
      getRadius: { value: radius, size: 1 },
      getLineWidth: { value: line, size: 1 },
    },
  };
}

export const CASES_LAYER_ID = 'cases';

/** How long a new case pulses (three rings). */
export const PULSE_MS = 4500;
