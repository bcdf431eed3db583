import { describe, expect, it } from 'vitest';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { buildStyle } from '../../api/basemap/style.ts';
import { GROUP_KEY, LAYER_GROUPS } from '../../api/basemap/shared.ts';
import { baseMinZoom, type BaseLayer } from '../../api/tiles/composite.ts';

const origin = 'http://127.0.0.1:8080';
const bounds: [number, number, number, number] = [109.38, 24.28, 109.47, 24.36];

describe('basemap style', () => {
  const style = buildStyle({ origin, bounds });

  it('is a valid MapLibre style', () => {
    expect(validateStyleMin(style as any)).toEqual([]);
    expect(validateStyleMin(buildStyle({ origin }) as any)).toEqual([]);
  });

  it('points only at this server: no glyphs, sprites or foreign URLs', () => {
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    const urls = JSON.stringify(style).match(/[a-z]+:\/\/[^"/]+/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toBe(origin);
  });

  it('uses the default font stack, so CJK goes through localIdeographFontFamily', () => {
    for (const l of style.layers) if (l.type === 'symbol') expect(l.layout?.['text-font']).toBeUndefined();
  });

  it('puts every data layer in a toggle group, and every group has layers', () => {
    const groups = new Set<string>();
    for (const l of style.layers) {
      if (l.type === 'background') continue;
      const g = (l.metadata as Record<string, string> | undefined)?.[GROUP_KEY];
      expect(LAYER_GROUPS, l.id).toContain(g);
      groups.add(g!);
    }
    expect([...groups].sort()).toEqual([...LAYER_GROUPS].sort());
  });

  it('centres on the districts and builds absolute tile URLs', () => {
    expect(style.center).toEqual([109.425, 24.32]);
    expect((style.sources.base as any).tiles).toEqual([`${origin}/tiles/base/{z}/{x}/{y}.mvt`]);
    expect((style.sources.components as any).minzoom).toBe(15);
    expect((style.sources.components as any).maxzoom).toBe(16);
  });

  it('draws districts, grids, roads and zones from the composite source, each from its own tile layer', () => {
    expect(Object.keys(style.sources).filter((s) => !s.endsWith('-labels')).sort()).toEqual(['base', 'components']);
    expect((style.sources.base as any).minzoom).toBe(0);
    for (const l of style.layers) {
      if (!('source-layer' in l)) continue;
      const layer = l['source-layer'];
      expect(l.source, l.id).toBe(layer === 'components' ? 'components' : 'base');
      // a layer is only drawn from the zoom its tile layer is in the composite tile
      if (layer !== 'components') expect(l.minzoom ?? 0, l.id).toBeGreaterThanOrEqual(baseMinZoom(layer as BaseLayer));
    }
  });
});
