/**
 * GET /api/analysis/hotspots — Getis–Ord Gi* of case counts over the cells of a study area
 * (DESIGN §5.4): counts from the in-process copy of the cases (api/analysis/case-columns), statistics in
 * api/domain/hotspots, hot areas merged in PostGIS.
 */
import { inAreaOf } from '../case-columns/area-polygon.ts';
import { scanCells, type Window } from '../case-columns/scan.ts';
import { hotAreas, monthRange } from './areas.ts';
import { analysisDb } from './cases-sql.ts';
import { layoutNote } from './cells.ts';
import { dataVersion } from './cache.ts';
import { feature, featureCollection, indexProps, num, pnum, Stopwatch } from './geojson.ts';
import { hotspotStats, isEdge } from './gi.ts';
import { paramsKey, type HotspotParams } from './params.ts';
import { prepare, resolveBand, type AnalysisContext, type Session } from './prepare.ts';

export const NOTES = [
  'Cases with status voided (作废) are not counted; every other status is.',
  'A case counts when it lies in the study area (boundary included) and in the time window [from, to).',
  'neighbors counts the cell itself; edge = fewer than 8 other cells within the band (z rests on few cells).',
  'bin: Benjamini–Hochberg FDR on the two-sided p of every cell, separately at 90/95/99 % → ±1/±2/±3.',
];

/** The analyses' context plus the repeats rule's radius R, for the repeat groups of hot areas (absent: null). */
export interface HotspotContext extends AnalysisContext {
  repeatsRadiusM?: () => number;
}

/** The analysis window in ms (from inclusive, to exclusive). */
export function windowMs(p: { from?: Date; to?: Date }): Window {
  return { from: p.from?.getTime(), to: p.to?.getTime() };
}

/** Runs (or reuses) a hotspot analysis; resolves to the response JSON and whether it came from the cache. */
export async function hotspots(ctx: HotspotContext, p: HotspotParams): Promise<{ body: string; hit: boolean }> {
  // read the version before anything else (see cache.ts)
  const version = await dataVersion(ctx.pool);
  const srid = p.srid ?? (await ctx.analysisSrid());
  const key = `hotspots|${paramsKey({ ...p, srid })}|${version.cases}|${version.layers}`;
  return ctx.cache.result(key, () => compute({ ...ctx, db: analysisDb(ctx.pool) }, p, version));
}

async function compute(ctx: Session & HotspotContext, p: HotspotParams, version: { cases: string; layers: string }): Promise<string> {
  const clock = new Stopwatch();
  const pr = await prepare(ctx, p, version, { maxCells: ctx.config.maxCells, window: p });
  clock.lap('prepare');
  const { lattice, query } = pr;
  const n = lattice.a.length;
  const cols = await ctx.columns.columns(pr.srid.value, query.storedXy, version.cases, await ctx.analysisSrid());
  clock.lap('refresh');
  const scan = scanCells(cols, windowMs(query.params), p.filters, lattice, inAreaOf(pr.area));
  const { counts, cases } = scan;
  const first = Number.isNaN(scan.first) ? null : new Date(scan.first);
  const last = Number.isNaN(scan.last) ? null : new Date(scan.last);
  clock.lap('count');
  const band = resolveBand(ctx, p, pr, counts);
  clock.lap('band');
  const gi = hotspotStats(counts, lattice.coords, band.value);
  clock.lap('gi');

  // the areas' monthly trend runs over the window, or over the counted cases' months when it is open
  const start = p.from ?? first;
  const end = p.to ? new Date(p.to.getTime() - 1) : last;
  const months = start && end && start <= end ? monthRange(start, end) : [];
  const repeats = ctx.repeatsRadiusM ? { radiusM: ctx.repeatsRadiusM() } : null;
  const areas = await hotAreas(ctx.db, query, lattice, { cols, scan }, gi, months, repeats);
  clock.lap('areas');

  const bins: Record<string, number> = { '-3': 0, '-2': 0, '-1': 0, '0': 0, '1': 0, '2': 0, '3': 0 };
  let zero = 0, edge = 0, nMin = Infinity, nMax = 0, nSum = 0;
  const features = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const nb = gi.neighbors[i];
    const e = isEdge(nb);
    bins[gi.bin[i]]++;
    if (counts[i] === 0) zero++;
    if (e) edge++;
    nMin = Math.min(nMin, nb);
    nMax = Math.max(nMax, nb);
    nSum += nb;
    features[i] = feature(
      i,
      lattice.geojson[i],
      `${indexProps(lattice.kind, lattice.a[i], lattice.b[i])},"count":${counts[i]},"z":${num(gi.z[i])},"p":${pnum(gi.p[i])},"bin":${gi.bin[i]},"neighbors":${nb},"edge":${e}`,
    );
  }
  clock.lap('cells');
  const parameters = {
    analysis: 'hotspots',
    cell: p.cell,
    cellSize: pr.cellSize.value,
    band: band.value,
    srid: pr.srid.value,
    area: pr.area.label,
    from: p.from?.toISOString() ?? null,
    to: p.to?.toISOString() ?? null,
    filters: p.filters,
    chosen: { cellSize: pr.cellSize, band: band, srid: pr.srid },
    layout: layoutNote(p.cell),
    summary: {
      cells: n,
      zeroCells: zero,
      cases,
      studyAreaM2: Math.round(pr.area.areaM2),
      neighbors: { min: n ? nMin : 0, max: nMax, mean: n ? Math.round((nSum / n) * 100) / 100 : 0 },
      edgeCells: edge,
      bins,
      areas: areas.length,
      firstReported: first?.toISOString() ?? null,
      lastReported: last?.toISOString() ?? null,
    },
    notes: [
      ...NOTES,
      'areas: contiguous cells (sharing an edge) with bin ≥ 2, merged.',
      'areas[].repeatGroups: stored repeat-case groups (重复案件) that reached their threshold (before to), anchored in the area, with a member among the analysed cases (in the window, passing the filters); cases = such members. Largest first, at most 50; repeatGroupsTotal counts them all.',
    ],
    dataVersion: version,
    computedAt: new Date().toISOString(),
    timingsMs: clock.laps,
  };
  const areaFeatures = areas.map((a) => feature(a.id, a.geometry, JSON.stringify(a.properties).slice(1, -1)));
  return `{"parameters":${JSON.stringify(parameters)},"cells":${featureCollection(features)},"areas":${featureCollection(areaFeatures)}}`;
}
