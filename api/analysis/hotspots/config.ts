/**
 * Limits of the hotspot analyses, from the environment (documented in the README):
 *   HOTSPOT_MAX_CELLS      cells of one study area (default 200 000) — more → 400 naming cellSize
 *   HOTSPOT_MAX_CUBE_BINS  cells × time steps of an emerging analysis (default 2 000 000)
 *   HOTSPOT_MAX_PAIRS      neighbour pairs held in memory (default 40 000 000 ≈ 160 MB) — more → 400 naming band
 *   HOTSPOT_CACHE_MB       memory for cached results (default 256)
 */
export interface HotspotConfig {
  maxCells: number;
  maxCubeBins: number;
  maxPairs: number;
  cacheBytes: number;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

export function loadHotspotConfig(env: NodeJS.ProcessEnv = process.env): HotspotConfig {
  return {
    maxCells: int(env, 'HOTSPOT_MAX_CELLS', 200_000),
    maxCubeBins: int(env, 'HOTSPOT_MAX_CUBE_BINS', 2_000_000),
    maxPairs: int(env, 'HOTSPOT_MAX_PAIRS', 40_000_000),
    cacheBytes: int(env, 'HOTSPOT_CACHE_MB', 256) * 1024 * 1024,
  };
}
