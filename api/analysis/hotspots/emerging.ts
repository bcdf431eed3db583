/**
 * GET /api/analysis/emerging — emerging hot spots (ArcGIS Pro's Emerging Hot Spot Analysis on our
 * lattice): counts per cell and time step, space-time Gi* (neighbours within the band in the same and
 * the previous step), BH-FDR over all space-time bins, Mann–Kendall on each cell's z series, and the
 * categories of api/domain/hotspots/emerging.ts.
 */
import { EMERGING_CATEGORIES } from '../../domain/hotspots/index.ts';
import { inAreaOf } from '../case-columns/area-polygon.ts';
import { countSteps, scanCells } from '../case-columns/scan.ts';
import { analysisDb, reportedRange } from './cases-sql.ts';
import { layoutNote } from './cells.ts';
import { dataVersion, type DataVersion } from './cache.ts';
import { feature, featureCollection, indexProps, num, pnum } from './geojson.ts';
import { emergingStats, isEdge } from './gi.ts';
import { NOTES, windowMs } from './hotspots.ts';
import { ParamError, paramsKey, type EmergingParams } from './params.ts';
import { prepare, resolveBand, resolveSrid, storedXyFor, type AnalysisContext, type Session } from './prepare.ts';
import { stepWindow, type StepWindow } from './steps.ts';

/** Mann–Kendall needs about ten steps to say anything (ArcGIS asks for at least ten). */
export const MIN_STEPS_ADVISED = 10;

export async function emerging(ctx: AnalysisContext, p: EmergingParams): Promise<{ body: string; hit: boolean }> {
  const version = await dataVersion(ctx.pool);
  const srid = p.srid ?? (await ctx.analysisSrid());
  const key = `emerging|${paramsKey({ ...p, srid })}|${version.cases}|${version.layers}`;
  return ctx.cache.result(key, () => compute({ ...ctx, db: analysisDb(ctx.pool) }, p, version));
}

/** The window in whole steps: the one given, or the span of the filtered in-area cases. */
async function window(ctx: Session, p: EmergingParams, version: DataVersion): Promise<StepWindow> {
  const maxSteps = Math.floor(ctx.config.maxCubeBins / 2);
  let from = p.from, to = p.to;
  if (!from || !to) {
    const srid = await resolveSrid(ctx, p);
    const area = await ctx.cache.studyArea(ctx.db, p.area, srid.value, version);
    const range = await reportedRange(ctx.db, { params: p, area, storedXy: await storedXyFor(ctx, srid.value) });
    from ??= range.first ?? undefined;
    to ??= range.last ? new Date(range.last.getTime() + 1) : undefined;
  }
  if (!from || !to || from >= to) return { starts: [], edges: [], from: from ?? new Date(0), to: to ?? new Date(0) };
  const w = stepWindow(p.step, from, to, maxSteps);
  if (!w) throw new ParamError('step', `the window has more than ${maxSteps} ${p.step}s: narrow from/to or use a longer step`);
  return w;
}

async function compute(ctx: Session, p: EmergingParams, version: DataVersion): Promise<string> {
  const w = await window(ctx, p, version);
  const T = w.starts.length;
  const maxCells = Math.min(ctx.config.maxCells, Math.floor(ctx.config.maxCubeBins / Math.max(1, T)));
  let pr;
  try {
    pr = await prepare(ctx, p, version, { maxCells, window: T ? { from: w.from, to: w.to } : { from: p.from, to: p.to } });
  } catch (err) {
    if (err instanceof ParamError && err.parameter === 'cellSize' && maxCells < ctx.config.maxCells) {
      throw new ParamError('cellSize', `${err.message.replace(/^cellSize: /, '')} (${T} ${p.step}s × cells may not exceed HOTSPOT_MAX_CUBE_BINS = ${ctx.config.maxCubeBins}; a longer step or a shorter window also helps)`);
    }
    throw err;
  }
  const { lattice, query } = pr;
  const n = lattice.a.length;
  let cube: Float64Array = new Float64Array(T * n);
  const totals = new Float64Array(n);
  let cases = 0;
  if (T) {
    const cols = await ctx.columns.columns(pr.srid.value, query.storedXy, version.cases, await ctx.analysisSrid());
    const scan = scanCells(cols, windowMs(query.params), p.filters, lattice, inAreaOf(pr.area));
    cube = countSteps(cols, scan, w.edges.map((d) => d.getTime()));
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < n; i++) {
        totals[i] += cube[t * n + i];
        cases += cube[t * n + i];
      }
    }
  }
  // the band is chosen on the whole window's counts, like a hotspot analysis of the same window
  const band = resolveBand(ctx, p, pr, totals, Math.max(1, 2 * T - 1));
  const st = emergingStats(cube, T, lattice.coords, band.value);

  const categoryCounts: Record<string, number> = Object.fromEntries(EMERGING_CATEGORIES.map((c) => [c, 0]));
  const features = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const bins: number[] = [], counts: number[] = [], zs: string[] = [];
    for (let t = 0; t < T; t++) {
      bins.push(st.bin[t * n + i]);
      counts.push(cube[t * n + i]);
      zs.push(num(st.z[t * n + i], 4));
    }
    categoryCounts[st.categories[i]]++;
    features[i] = feature(
      i,
      lattice.geojson[i],
      `${indexProps(lattice.kind, lattice.a[i], lattice.b[i])},"category":"${st.categories[i]}","trendZ":${num(st.trendZ[i])},"trendP":${pnum(st.trendP[i])},` +
        `"total":${totals[i]},"bins":[${bins.join(',')}],"counts":[${counts.join(',')}],"z":[${zs.join(',')}],"neighbors":${st.neighbors[i]},"edge":${isEdge(st.neighbors[i])}`,
    );
  }
  const notes = [
    ...NOTES.slice(0, 3),
    `Space-time Gi*: neighbours of bin (cell, step) are the cells within the band in the same step and in the previous step (the first step has only its own); mean and variance over all ${T} × ${n} bins.`,
    'bin per step: Benjamini–Hochberg FDR over all space-time bins at once, separately at 90/95/99 % → ±1/±2/±3.',
    "category: ArcGIS Pro's emerging hot spot definitions on bins ≥ 1 (hot) / ≤ −1 (cold) and the Mann–Kendall trend (p ≤ 0.05) of each cell's z series; the exact rules are in api/domain/hotspots/emerging.ts.",
    `Steps are calendar ${p.step === 'week' ? 'weeks (Monday first)' : 'months'} in Asia/Shanghai time; the window is widened to whole steps. ` +
      'A window left open runs from the first to the last counted case, so its first and last steps may hold only part of their span (the current month, say).',
  ];
  if (T < MIN_STEPS_ADVISED) notes.push(`Only ${T} step(s): the Mann–Kendall trend needs about ${MIN_STEPS_ADVISED} to be meaningful.`);
  const parameters = {
    analysis: 'emerging',
    step: p.step,
    steps: w.starts,
    cell: p.cell,
    cellSize: pr.cellSize.value,
    band: band.value,
    srid: pr.srid.value,
    area: pr.area.label,
    from: T ? w.from.toISOString() : null,
    to: T ? w.to.toISOString() : null,
    filters: p.filters,
    chosen: { cellSize: pr.cellSize, band, srid: pr.srid, window: p.from && p.to ? 'given, widened to whole steps' : 'the span of the counted cases, widened to whole steps' },
    layout: layoutNote(p.cell),
    summary: { cells: n, steps: T, cases, categories: categoryCounts },
    notes,
    dataVersion: version,
    computedAt: new Date().toISOString(),
  };
  return `{"parameters":${JSON.stringify(parameters)},"cells":${featureCollection(features)}}`;
}
