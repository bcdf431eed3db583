/**
 * The dark basemap of the wall, derived from the one self-hosted style: every colour in the layers' paint
 * properties (also inside expressions) keeps its hue and has its lightness turned over, so pale fills become
 * deep ones and dark labels light, while the zone reds and ambers stay what they are. One style to maintain;
 * the browser's own CSS parser reads the colours.
 */
import type { StyleSpecification } from 'maplibre-gl';

let ctx: CanvasRenderingContext2D | null = null;

/** [r, g, b, a] (0–255, a 0–1) of a CSS colour, or null when it is not one. */
function parse(css: string): [number, number, number, number] | null {
  ctx ??= document.createElement('canvas').getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = '#010203';
  ctx.fillStyle = css;
  const v = ctx.fillStyle; // "#rrggbb" or "rgba(r, g, b, a)"
  if (v === '#010203' && css.replace(/\s/g, '').toLowerCase() !== '#010203') return null;
  if (v.startsWith('#')) {
    const n = Number.parseInt(v.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const m = /rgba?\(([^)]+)\)/.exec(v);
  if (!m) return null;
  const [r, g, b, a = '1'] = m[1].split(',').map((x) => x.trim());
  return [Number(r), Number(g), Number(b), Number(a)];
}

function toHsl(r: number, g: number, b: number): [number, number, number] {
  r /= 255;
  g /= 255;
  b /= 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, s, l];
}

/**
 * How a layer's colours change: most turn their lightness over; road fills stay lighter than the ground (a
 * night map's streets), their casings darker; area tints lose most of their colour so the cases stand out.
 */
export type Treatment = 'invert' | 'road' | 'casing' | 'tint';

/** Lightness turned over into [0.07, 0.9] (or as the treatment says); hue kept. */
export function darken(css: string, how: Treatment = 'invert'): string {
  const c = parse(css);
  if (!c) return css;
  const [h, s, l] = toHsl(c[0], c[1], c[2]);
  let l2 = 0.07 + (1 - l) * 0.83;
  let s2 = l > 0.35 && l < 0.65 ? s : s * 0.7; // mid tones (zones, status colours) keep their strength
  if (how === 'road') l2 = 0.2 + 0.3 * l;
  else if (how === 'casing') l2 = 0.1 + 0.12 * l;
  else if (how === 'tint') {
    l2 = 0.1 + (1 - l) * 0.5;
    s2 = s * 0.35;
  }
  return `hsla(${h.toFixed(1)}, ${(s2 * 100).toFixed(1)}%, ${(l2 * 100).toFixed(1)}%, ${c[3]})`;
}

function treatment(layerId: string, layerType: string): Treatment {
  if (/^roads-.*-casing$/.test(layerId)) return 'casing';
  if (/^roads-(main|secondary|alley)$/.test(layerId)) return 'road';
  if (layerType === 'fill' && layerId.startsWith('districts-')) return 'tint';
  return 'invert';
}

function walk(v: unknown, how: Treatment): unknown {
  // Only literal colours are touched: expression operators and match labels ("get", "prohibited" …) stay.
  if (typeof v === 'string') return /^(#|rgba?\(|hsla?\()/i.test(v) ? darken(v, how) : v;
  if (Array.isArray(v)) return v.map((x) => walk(x, how));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, how)]));
  return v;
}

/** The style with every paint colour darkened. */
export function darkStyle(style: StyleSpecification): StyleSpecification {
  return {
    ...style,
    layers: style.layers.map((layer) => {
      const paint = (layer as { paint?: Record<string, unknown> }).paint;
      if (!paint) return layer;
      const how = treatment(layer.id, layer.type);
      const next = Object.fromEntries(Object.entries(paint).map(([k, v]) => [k, /color$/.test(k) ? walk(v, how) : v]));
      return { ...layer, paint: next } as typeof layer;
    }),
  };
}
