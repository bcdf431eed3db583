/**
 * What both analyses share before the statistics: the CRS, the study area, the cell size (given or
 * chosen from the data), the lattice of cells, and the band (given or chosen from the counts), each
 * checked against the limits with a 400 naming the parameter.
 */
import type pg from 'pg';
import type { CaseColumnsSource } from '../case-columns/source.ts';
import { ensureStoredXy, storedXySrid } from '../case-xy.ts';
import { cellArea, type CellKind } from './cells.ts';
import { chooseBand, chooseCellSize, SAMPLE_TARGET, type Chosen } from './defaults.ts';
import { sampleLocations, unknownFilterValues, type CellQuery, type Db } from './cases-sql.ts';
import type { AnalysisCache, DataVersion } from './cache.ts';
import type { HotspotConfig } from './config.ts';
import { MAX_BAND_RATIO, ParamError, type HotspotParams } from './params.ts';
import { checkSrid, type Lattice, type StudyArea } from './study-area.ts';

export interface AnalysisContext {
  pool: pg.Pool;
  config: HotspotConfig;
  cache: AnalysisCache;
  /** the in-process copy of the cases the analyses count */
  columns: CaseColumnsSource;
  analysisSrid(): Promise<number>;
}

/** The context plus the database access of one analysis (analysisDb). */
export interface Session extends AnalysisContext {
  db: Db;
}

export interface Prepared {
  srid: Chosen;
  area: StudyArea;
  cellSize: Chosen;
  lattice: Lattice;
  query: CellQuery;
}

const checkedSrids = new Set<number>();

export async function resolveSrid(ctx: Session, p: HotspotParams): Promise<Chosen> {
  const srid = p.srid ?? (await ctx.analysisSrid());
  if (!checkedSrids.has(srid)) {
    await checkSrid(ctx.db, srid);
    checkedSrids.add(srid);
  }
  return p.srid !== undefined
    ? { value: srid, source: 'request', reason: 'given' }
    : { value: srid, source: 'data', method: 'analysis-crs', reason: 'the analysis CRS of the deployment (ANALYSIS_SRID, else the UTM zone of the districts)' };
}

/**
 * Whether cases.ax / ay hold the points in `srid`: built on first use for the deployment's analysis CRS (a request
 * in another CRS reads them only if they happen to be in it, else projects every case).
 */
export async function storedXyFor(ctx: Session, srid: number): Promise<boolean> {
  if (srid === (await ctx.analysisSrid())) {
    await ensureStoredXy(ctx.pool, srid);
    return true;
  }
  return (await storedXySrid(ctx.db)) === srid;
}

export async function prepare(
  ctx: Session,
  p: HotspotParams,
  version: DataVersion,
  opts: { maxCells: number; window: Pick<HotspotParams, 'from' | 'to'> },
): Promise<Prepared> {
  const srid = await resolveSrid(ctx, p);
  const unknown = await unknownFilterValues(ctx.db, p.filters);
  if (unknown) throw new ParamError(unknown.parameter, `unknown ${unknown.parameter} ${unknown.values.join(', ')}`);
  const area = await ctx.cache.studyArea(ctx.db, p.area, srid.value, version);
  const storedXy = await storedXyFor(ctx, srid.value);
  const params = { from: opts.window.from, to: opts.window.to, filters: p.filters };
  let cellSize: Chosen;
  if (p.cellSize !== undefined) {
    cellSize = { value: p.cellSize, source: 'request', reason: 'given' };
  } else {
    const { coords, complete } = await sampleLocations(ctx.db, { params, area, storedXy }, SAMPLE_TARGET);
    cellSize = chooseCellSize({
      sample: coords,
      complete,
      areaM2: area.areaM2,
      cellAreaFactor: cellArea(p.cell, 1),
      maxCells: opts.maxCells,
      band: p.band,
    });
  }
  const lattice = await ctx.cache.lattice(ctx.db, area, p.cell, cellSize.value, opts.maxCells, version);
  return { srid, area, cellSize, lattice, query: { params, area, kind: p.cell, size: cellSize.value, storedXy } };
}

/** Neighbour pairs expected at a band: cells × (cells within a disc of radius band). */
export function expectedPairs(cells: number, kind: CellKind, size: number, band: number): number {
  return cells * ((Math.PI * band * band) / cellArea(kind, size) + 1);
}

/**
 * The band, given or chosen from the counts; refused when the neighbour lists would not fit in
 * memory (`timeFactor` = how many copies the space-time cube holds).
 */
export function resolveBand(ctx: AnalysisContext, p: HotspotParams, pr: Prepared, counts: ArrayLike<number>, timeFactor = 1): Chosen {
  const { lattice, area, cellSize } = pr;
  const size = cellSize.value;
  let band: Chosen;
  if (p.band !== undefined) {
    if (p.band < size) throw new ParamError('band', `${p.band} m is smaller than the cell size ${size} m: no cell would have a neighbour`);
    if (p.band > MAX_BAND_RATIO * size) throw new ParamError('band', `${p.band} m is more than ${MAX_BAND_RATIO} × the cell size (${size} m)`);
    band = { value: p.band, source: 'request', reason: 'given' };
  } else {
    const extent = Math.min(area.bbox[2] - area.bbox[0], area.bbox[3] - area.bbox[1]);
    band = chooseBand({ counts, coords: lattice.coords, cellSize: size, extent });
  }
  let pairs = expectedPairs(lattice.a.length, lattice.kind, size, band.value) * timeFactor;
  if (pairs > ctx.config.maxPairs && band.source === 'data') {
    // a band chosen here that would not fit: the widest that does (whole metres, never below the cell size)
    const cells = lattice.a.length * timeFactor;
    const fits = Math.floor(Math.sqrt(Math.max(0, ctx.config.maxPairs / cells - 1) * cellArea(lattice.kind, size) / Math.PI));
    if (fits >= size) {
      band = { ...band, value: fits, reason: `${band.reason}; reduced from ${band.value} m to ${fits} m so the neighbour lists fit HOTSPOT_MAX_PAIRS (${ctx.config.maxPairs})` };
      pairs = expectedPairs(lattice.a.length, lattice.kind, size, fits) * timeFactor;
    }
  }
  if (pairs > ctx.config.maxPairs) {
    throw new ParamError('band', `${band.value} m over ${lattice.a.length} cells${timeFactor > 1 ? ` × ${timeFactor} time layers` : ''} means about ${Math.round(pairs)} neighbour pairs; the limit is ${ctx.config.maxPairs} (HOTSPOT_MAX_PAIRS): use a smaller band or larger cells`);
  }
  return band;
}
