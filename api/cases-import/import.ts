/**
 * Bulk import of historical cases (`npm run import -- cases`): streams a CSV through the pure row mapping
 * (api/domain/case-import.ts) into a staging table, derives places in set-based SQL and writes everything in one
 * transaction.
 *
 * - Bad rows are rejected with their line and reasons; the rest is imported. `strict`: any rejection → nothing
 *   written (the report still lists every rejection).
 * - Idempotent by id: a case imported before and not touched since (version = imported_version) is updated when
 *   the file says something different, else left as is; a case created by intake or changed here since its import
 *   is skipped and listed. Ids repeated within the file: the first row wins, later ones are rejected.
 * - Historical imports append no case_events: the live stream is for what happens now.
 * - Repeat groups: every period the import touched (old and new report times) is recomputed by the batch engine in
 *   the same transaction, so the stored groups and cases.is_repeat hold the imported cases too.
 */
import type { Readable } from 'node:stream';
import type pg from 'pg';
import {
  deadlineVariants,
  mappedColumns,
  mapRow,
  MappingError,
  parseMapping,
  TaxonomyIndex,
  type CaseImportMapping,
  type ImportedCase,
  type Problem,
  type RejectCode,
  type RowContext,
} from '../domain/case-import.ts';
import type { WorkCalendar } from '../domain/calendar.ts';
import type { CrsName } from '../domain/layer-import.ts';
import type { ZoneTimeLimitFactors } from '../domain/zones.ts';
import { periodOf } from '../domain/repeats.ts';
import { recomputePeriod, type RepeatsContext } from '../analysis/repeats/store.ts';
import { readCsv, type CsvRecord } from './csv.ts';
import { copyLine, copyRows, CREATE_STAGING, insertRows, type StagingRow } from './staging.ts';
import { pipelined } from './pipeline.ts';
import * as SQL from './sql.ts';
import { ZoneClassBoxes } from './zone-classes.ts';

export interface CaseImportSettings {
  taxonomy: TaxonomyIndex;
  calendar: WorkCalendar;
  analysisSrid: number;
  snapDistanceM: number;
  jurisdictionToleranceM: number;
  zoneTimeLimitFactors: ZoneTimeLimitFactors;
  yellowAt: number;
  /** repeat rules and analysis CRS: the periods an import touches are recomputed */
  repeats: RepeatsContext;
}

export interface CaseImportOptions {
  /** the mapping document (parsed JSON); validated here */
  mapping: unknown;
  crs: CrsName;
  strict: boolean;
  /** COPY FROM STDIN (real server) or batched INSERTs (embedded PGlite) */
  copy: boolean;
  /** name recorded in case_imports */
  file: string;
  now?: Date;
  onProgress?: (rowsRead: number) => void;
  /** rows per chunk (default 50,000; tests use tiny chunks to exercise the pipeline) */
  chunkRows?: number;
  /** called after every statement with its first words and milliseconds (diagnostics) */
  trace?: (sql: string, ms: number) => void;
}

export interface RejectedRow {
  line: number;
  id?: string;
  codes: RejectCode[];
  reason: string;
}

export interface SkippedRow {
  line: number;
  id: string;
  reason: string;
}

export interface CaseImportReport {
  file: string;
  importId: number | null;
  strict: boolean;
  /** false when nothing was written (strict mode with rejections) */
  written: boolean;
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: SkippedRow[];
  rejected: RejectedRow[];
  rejectedByCode: Partial<Record<RejectCode, number>>;
  departmentsCreated: { id: string; name: string }[];
  /** repeat groups of the periods the import touched, after their recompute */
  repeats: { periods: string[]; groups: number; reachedGroups: number; repeatCases: number };
  seconds: number;
  /** database seconds per phase, summed over the chunks: stage (COPY), derive (spatial joins, rejections), write
   *  (departments, update, insert, commit); parsing the CSV runs meanwhile */
  phases: { stage: number; derive: number; write: number };
}

const fromProblems = (line: number, id: string | undefined, problems: Problem[]): RejectedRow => ({
  line, id, codes: [...new Set(problems.map((p) => p.code))], reason: problems.map((p) => p.message).join('; '),
});

const msOf = (d: Date | null | undefined) => (d ? d.getTime() : null);

function stagingRow(r: ImportedCase, s: CaseImportSettings, classes: ZoneClassBoxes, now: Date): StagingRow {
  const v = deadlineVariants(r, s.calendar, s.zoneTimeLimitFactors, now, s.yellowAt, classes.at(r.lon, r.lat));
  const t = r.times;
  return [
    r.line, r.id, r.kind, r.major, r.minor, r.originalCategory, r.source, r.status, r.department, r.description, r.address,
    r.reporter, r.lon, r.lat, msOf(t.reportedAt), msOf(t.acceptedAt), msOf(t.registeredAt), msOf(t.dispatchedAt),
    msOf(t.handledAt), msOf(t.verifiedAt), msOf(t.closedAt), msOf(t.voidedAt), r.timeLimit?.value ?? null, r.timeLimit?.unit ?? null,
    msOf(v.deadline), msOf(v.byClass.A?.deadline), msOf(v.byClass.B?.deadline), msOf(v.byClass.C?.deadline),
    v.light, v.byClass.A?.light ?? null, v.byClass.B?.light ?? null, v.byClass.C?.light ?? null,
  ];
}

/** Column name → index in the header; exact match first, else a unique case-insensitive one. */
function columnIndex(header: string[], wanted: string[]): Map<string, number> {
  const names = header.map((h) => h.trim());
  const out = new Map<string, number>();
  const missing: string[] = [];
  for (const w of wanted) {
    let i = names.indexOf(w);
    if (i < 0) {
      const ci = names.flatMap((n, k) => (n.toLowerCase() === w.toLowerCase() ? [k] : []));
      if (ci.length === 1) i = ci[0];
    }
    if (i < 0) missing.push(w);
    else out.set(w, i);
  }
  if (missing.length) throw new MappingError('columns', `the CSV header has no column ${missing.map((m) => `"${m}"`).join(', ')} (it has: ${names.join(', ')})`);
  return out;
}

/** Recomputes the repeat groups of every period holding one of the local `days` (in the caller's transaction). */
async function recomputeTouched(client: pg.PoolClient, ctx: RepeatsContext, days: Set<number>, out: CaseImportReport['repeats']) {
  const { period, utcOffsetMinutes } = ctx.repeats;
  const starts = new Map<string, number>(); // period key → its start
  for (const d of days) {
    const p = periodOf(d * 86_400_000 - utcOffsetMinutes * 60_000 + 43_200_000, period, utcOffsetMinutes); // the day's local noon
    starts.set(p.key, p.start);
  }
  for (const [key, start] of [...starts].sort((a, b) => a[1] - b[1])) {
    const r = await recomputePeriod(client, ctx, new Date(start));
    out.periods.push(key);
    out.groups += r.groups;
    out.reachedGroups += r.reachedGroups;
    out.repeatCases += r.repeatCases;
  }
}

/** Validates a mapping document; throws MappingError naming the field. */
export function compileMapping(mapping: unknown, s: Pick<CaseImportSettings, 'taxonomy' | 'calendar'>): CaseImportMapping {
  return parseMapping(mapping, s.taxonomy, s.calendar.timezone);
}

/** Rows per chunk: staged, derived and written while the next chunk is parsed. */
const CHUNK_ROWS = 50_000;

interface Chunk {
  rows: number;
  /** COPY text in pieces (real server) … */
  copy?: string[];
  /** … or the rows themselves (embedded: batched INSERTs) */
  staged?: StagingRow[];
}

/**
 * Imports one CSV. Throws MappingError (before anything is written) when the mapping or the header does not fit;
 * database errors roll everything back and are thrown.
 *
 * The file is processed in chunks inside the one transaction: while PostgreSQL derives and writes chunk k, the
 * CSV of chunk k + 1 is parsed and mapped here, so both cores work.
 */
export async function importCases(pool: pg.Pool, input: Readable, settings: CaseImportSettings, opts: CaseImportOptions): Promise<CaseImportReport> {
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const mapping = compileMapping(opts.mapping, settings);
  const ctx: RowContext = { mapping, taxonomy: settings.taxonomy, calendar: settings.calendar, crs: opts.crs, now };
  const rejected: RejectedRow[] = [];
  const skipped: SkippedRow[] = [];
  let total = 0;

  const batches = readCsv(input, mapping.encoding, (bad) => {
    total++;
    rejected.push({ line: bad.line, codes: ['csv'], reason: bad.reason });
  }, mapping.delimiter);
  let idx: Map<string, number>;
  let pending: CsvRecord[];
  try {
    const first = await batches.next();
    if (first.done) throw new MappingError('columns', 'the file is empty (no header line)');
    idx = columnIndex(first.value[0].cells, mappedColumns(mapping));
    pending = first.value.slice(1);
  } catch (err) {
    input.destroy();
    throw err;
  }
  let cells: string[] = [];
  const get = (column: string) => cells[idx.get(column)!];

  const report: CaseImportReport = {
    file: opts.file, importId: null, strict: opts.strict, written: false, total: 0, inserted: 0, updated: 0, unchanged: 0,
    skipped, rejected, rejectedByCode: {}, departmentsCreated: [], repeats: { periods: [], groups: 0, reachedGroups: 0, repeatCases: 0 },
    seconds: 0, phases: { stage: 0, derive: 0, write: 0 },
  };
  const offsetS = settings.repeats.repeats.utcOffsetMinutes * 60;
  /** local days (see SQL.INSERT) whose cases were written or moved away */
  const touched = new Set<number>();
  const timed = async <T>(name: keyof CaseImportReport['phases'], fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      report.phases[name] = Math.round(report.phases[name] * 1000 + (performance.now() - t)) / 1000;
    }
  };

  /** Parses and maps the CSV into chunks of staging rows (runs ahead of the database by up to two chunks). */
  async function produce(push: (c: Chunk) => Promise<void>, classes: ZoneClassBoxes) {
    // ids of the rows taken so far → their line: a repeated id is rejected, whatever becomes of its first row
    const seen = new Map<string, number>();
    let chunk: Chunk = { rows: 0, ...(opts.copy ? { copy: [] } : { staged: [] }) };
    let text = '';
    const take = async (records: CsvRecord[]) => {
      for (const rec of records) {
        total++;
        if (opts.onProgress && total % 100_000 === 0) opts.onProgress(total);
        cells = rec.cells;
        const r = mapRow(get, rec.line, ctx);
        if (!r.ok) {
          rejected.push(fromProblems(r.line, r.id, r.problems));
          continue;
        }
        const first = seen.get(r.row.id);
        if (first !== undefined) {
          rejected.push({ line: rec.line, id: r.row.id, codes: ['duplicate-id'], reason: `id "${r.row.id}" repeats line ${first} (the first row is imported)` });
          continue;
        }
        seen.set(r.row.id, rec.line);
        const row = stagingRow(r.row, settings, classes, now);
        chunk.rows++;
        if (chunk.copy) {
          text += copyLine(row);
          if (text.length > 256 * 1024) {
            chunk.copy.push(text);
            text = '';
          }
        } else chunk.staged!.push(row);
        if (chunk.rows >= (opts.chunkRows ?? CHUNK_ROWS)) {
          if (text) chunk.copy!.push(text);
          text = '';
          await push(chunk);
          chunk = { rows: 0, ...(opts.copy ? { copy: [] } : { staged: [] }) };
        }
      }
    };
    await take(pending);
    for await (const batch of batches) await take(batch);
    if (text) chunk.copy!.push(text);
    if (chunk.rows) await push(chunk);
  }

  const client = await pool.connect();
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const t = performance.now();
    const r = await client.query<R>(sql, params);
    opts.trace?.(sql.replace(/\s+/g, ' ').slice(0, 60), performance.now() - t);
    return r;
  };
  const derive = SQL.deriveSteps({
    srid: settings.analysisSrid, snapM: settings.snapDistanceM, toleranceM: settings.jurisdictionToleranceM,
    utcOffsetMinutes: settings.calendar.utcOffsetMinutes, factors: settings.zoneTimeLimitFactors,
  });
  let writing = true; // strict mode stops writing at the first rejection, but reads on to report every one

  /** Stages, derives and writes one chunk; collects its rejections and skipped rows. */
  async function consume(chunk: Chunk) {
    await timed('stage', async () => {
      await q('TRUNCATE import_staging');
      await (chunk.copy ? copyRows(client, chunk.copy) : insertRows(client, chunk.staged!));
    });
    await timed('derive', async () => {
      for (const t of SQL.CHUNK_TABLES) await q(`DROP TABLE IF EXISTS ${t}`);
      for (const [sql, params] of derive) await q(sql, params);
      for (const o of (await q<{ line: number; id: string }>(SQL.OUTSIDE)).rows) {
        rejected.push({ line: o.line, id: o.id, codes: ['outside-jurisdiction'], reason: `outside the jurisdiction (more than ${settings.jurisdictionToleranceM} m from every district)` });
      }
    });
    if (opts.strict && rejected.length) writing = false;
    if (!writing) return;
    await timed('write', async () => {
      await q(SQL.DROP_LINES, [[]]); // the rows outside the jurisdiction
      await q(SQL.EXISTING);
      const blocked = (await q<{ line: number; id: string; version: number; imported_version: number | null }>(SQL.NOT_UPDATABLE)).rows;
      for (const b of blocked) {
        skipped.push({
          line: b.line, id: b.id,
          reason: b.imported_version === null ? 'a case with this id was created here (not imported): left as is' : `changed here since its import (version ${b.version}): left as is`,
        });
      }
      await q(SQL.DROP_LINES, [blocked.map((b) => b.line)]);
      const updatable = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM import_existing WHERE imported_version = version`)).rows[0].n;
      await q(SQL.DEPARTMENTS);
      report.departmentsCreated.push(...(await q<{ id: string; name: string }>(SQL.CREATE_DEPARTMENTS)).rows);
      await q(SQL.RESOLVE_DEPARTMENTS);
      let updated = 0;
      if (updatable) {
        await q('SET LOCAL enable_seqscan = off');
        const u = (await q<{ n: number; days: number[] }>(SQL.UPDATE, [report.importId, offsetS])).rows[0];
        await q('SET LOCAL enable_seqscan = on');
        updated = u.n;
        for (const d of u.days) touched.add(d);
      }
      report.updated += updated;
      report.unchanged += updatable - updated;
      const ins = (await q<{ n: number; days: number[] }>(SQL.INSERT, [report.importId, offsetS])).rows[0];
      report.inserted += ins.n;
      for (const d of ins.days) touched.add(d);
    });
  }

  try {
    await client.query('BEGIN');
    // Few big statements: JIT compilation would cost seconds, Memoize never hits on unique points, and the planner
    // needs only rough statistics of the scratch tables (a small ANALYZE sample).
    await q('SET LOCAL jit = off');
    await q('SET LOCAL enable_memoize = off');
    await q('SET LOCAL default_statistics_target = 10');
    report.importId = Number((await q(`INSERT INTO case_imports (file, strict) VALUES ($1, $2) RETURNING id`, [opts.file, opts.strict])).rows[0].id);
    const classes = await ZoneClassBoxes.load(client);
    await q(CREATE_STAGING);
    for (const [sql, params] of SQL.prepareSteps({ srid: settings.analysisSrid })) await q(sql, params);
    await pipelined((push: (c: Chunk) => Promise<void>) => produce(push, classes), consume, () => input.destroy());
    report.total = total;

    rejected.sort((a, b) => a.line - b.line);
    for (const r of rejected) for (const c of r.codes) report.rejectedByCode[c] = (report.rejectedByCode[c] ?? 0) + 1;
    report.departmentsCreated.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (opts.strict && rejected.length) {
      await client.query('ROLLBACK');
      Object.assign(report, { importId: null, inserted: 0, updated: 0, unchanged: 0, skipped: [], departmentsCreated: [] });
      report.seconds = (performance.now() - t0) / 1000;
      return report;
    }
    await timed('write', () => recomputeTouched(client, settings.repeats, touched, report.repeats));
    await q(
      `UPDATE case_imports SET finished_at = now(), total = $2, inserted = $3, updated = $4, unchanged = $5, skipped = $6,
         rejected = $7, departments_created = $8 WHERE id = $1`,
      [report.importId, total, report.inserted, report.updated, report.unchanged, skipped.length, rejected.length, JSON.stringify(report.departmentsCreated)],
    );
    await timed('write', () => client.query('COMMIT'));
    report.written = true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
