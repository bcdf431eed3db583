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
import { readCsv } from './csv.ts';
import { copyRows, CREATE_STAGING, insertRows, type StagingRow } from './staging.ts';
import * as SQL from './sql.ts';

export interface CaseImportSettings {
  taxonomy: TaxonomyIndex;
  calendar: WorkCalendar;
  analysisSrid: number;
  snapDistanceM: number;
  jurisdictionToleranceM: number;
  zoneTimeLimitFactors: ZoneTimeLimitFactors;
  yellowAt: number;
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
  seconds: number;
  /** seconds per phase: read + map + stage, derive (spatial joins), write (departments, update, insert) */
  phases: { stage: number; derive: number; write: number };
}

const fromProblems = (line: number, id: string | undefined, problems: Problem[]): RejectedRow => ({
  line, id, codes: [...new Set(problems.map((p) => p.code))], reason: problems.map((p) => p.message).join('; '),
});

function stagingRow(r: ImportedCase, s: CaseImportSettings, now: Date): StagingRow {
  const v = deadlineVariants(r, s.calendar, s.zoneTimeLimitFactors, now, s.yellowAt);
  const t = r.times;
  return [
    r.line, r.id, r.kind, r.major, r.minor, r.originalCategory, r.source, r.status, r.department, r.description, r.address,
    r.reporter, r.lon, r.lat, t.reportedAt, t.acceptedAt, t.registeredAt, t.dispatchedAt, t.handledAt, t.verifiedAt,
    t.closedAt, t.voidedAt, r.timeLimit?.value ?? null, r.timeLimit?.unit ?? null,
    v.deadline, v.byClass.A?.deadline ?? null, v.byClass.B?.deadline ?? null, v.byClass.C?.deadline ?? null,
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

/** Validates a mapping document; throws MappingError naming the field. */
export function compileMapping(mapping: unknown, s: Pick<CaseImportSettings, 'taxonomy' | 'calendar'>): CaseImportMapping {
  return parseMapping(mapping, s.taxonomy, s.calendar.timezone);
}

/**
 * Imports one CSV. Throws MappingError (before anything is written) when the mapping or the header does not fit;
 * database errors roll everything back and are thrown.
 */
export async function importCases(pool: pg.Pool, input: Readable, settings: CaseImportSettings, opts: CaseImportOptions): Promise<CaseImportReport> {
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const mapping = compileMapping(opts.mapping, settings);
  const ctx: RowContext = { mapping, taxonomy: settings.taxonomy, calendar: settings.calendar, crs: opts.crs, now };
  const rejected: RejectedRow[] = [];
  const skipped: SkippedRow[] = [];
  let total = 0;

  const records = readCsv(input, mapping.encoding, (bad) => {
    total++;
    rejected.push({ line: bad.line, codes: ['csv'], reason: bad.reason });
  });
  let idx: Map<string, number>;
  try {
    const first = await records.next();
    if (first.done) throw new MappingError('columns', 'the file is empty (no header line)');
    idx = columnIndex(first.value.cells, mappedColumns(mapping));
  } catch (err) {
    input.destroy();
    throw err;
  }
  let cells: string[] = [];
  const get = (column: string) => cells[idx.get(column)!];

  async function* rows(): AsyncGenerator<StagingRow> {
    for await (const rec of records) {
      total++;
      if (opts.onProgress && total % 100_000 === 0) opts.onProgress(total);
      cells = rec.cells;
      const r = mapRow(get, rec.line, ctx);
      if (r.ok) yield stagingRow(r.row, settings, now);
      else rejected.push(fromProblems(r.line, r.id, r.problems));
    }
  }

  const report: CaseImportReport = {
    file: opts.file, importId: null, strict: opts.strict, written: false, total: 0, inserted: 0, updated: 0, unchanged: 0,
    skipped, rejected, rejectedByCode: {}, departmentsCreated: [], seconds: 0, phases: { stage: 0, derive: 0, write: 0 },
  };
  let mark = performance.now();
  const phase = (name: keyof CaseImportReport['phases']) => {
    const t = performance.now();
    report.phases[name] = Math.round(t - mark) / 1000;
    mark = t;
  };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    report.importId = Number((await client.query(`INSERT INTO case_imports (file, strict) VALUES ($1, $2) RETURNING id`, [opts.file, opts.strict])).rows[0].id);
    await client.query(CREATE_STAGING);
    await (opts.copy ? copyRows(client, rows()) : insertRows(client, rows()));
    report.total = total;
    phase('stage');

    const q = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => client.query<R>(sql, params);
    for (const sql of SQL.PREPARE) await q(sql, sql.includes('$1') ? [settings.analysisSrid] : []);
    const f = settings.zoneTimeLimitFactors;
    await q(SQL.DERIVE, [settings.analysisSrid, settings.snapDistanceM, settings.jurisdictionToleranceM, settings.calendar.utcOffsetMinutes, f.A, f.B, f.C]);
    await q('ANALYZE import_rows');
    phase('derive');

    const outside = (await q<{ line: number; id: string }>(SQL.OUTSIDE)).rows;
    for (const o of outside) {
      rejected.push({ line: o.line, id: o.id, codes: ['outside-jurisdiction'], reason: `outside the jurisdiction (more than ${settings.jurisdictionToleranceM} m from every district)` });
    }
    const dups = (await q<{ line: number; id: string; first: number }>(SQL.DUPLICATES)).rows;
    for (const d of dups) rejected.push({ line: d.line, id: d.id, codes: ['duplicate-id'], reason: `id "${d.id}" repeats line ${d.first} (the first row is imported)` });

    rejected.sort((a, b) => a.line - b.line);
    for (const r of rejected) for (const c of r.codes) report.rejectedByCode[c] = (report.rejectedByCode[c] ?? 0) + 1;
    if (opts.strict && rejected.length) {
      await client.query('ROLLBACK');
      report.importId = null;
      report.seconds = (performance.now() - t0) / 1000;
      return report;
    }

    await q(SQL.DROP_LINES, [dups.map((d) => d.line)]);
    for (const sql of SQL.EXISTING) await q(sql);
    const blocked = (await q<{ line: number; id: string; version: number; imported_version: number | null }>(SQL.NOT_UPDATABLE)).rows;
    for (const b of blocked) {
      skipped.push({
        line: b.line, id: b.id,
        reason: b.imported_version === null ? 'a case with this id was created here (not imported): left as is' : `changed here since its import (version ${b.version}): left as is`,
      });
    }
    await q(SQL.DROP_LINES, [blocked.map((b) => b.line)]);
    const updatable = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM import_existing WHERE imported_version = version`)).rows[0].n;

    for (const sql of SQL.DEPARTMENTS) await q(sql);
    report.departmentsCreated = (await q<{ id: string; name: string }>(SQL.CREATE_DEPARTMENTS)).rows;
    await q(SQL.RESOLVE_DEPARTMENTS);

    report.updated = (await q(SQL.UPDATE, [report.importId])).rowCount ?? 0;
    report.unchanged = updatable - report.updated;
    report.inserted = (await q(SQL.INSERT, [report.importId])).rowCount ?? 0;
    await q(
      `UPDATE case_imports SET finished_at = now(), total = $2, inserted = $3, updated = $4, unchanged = $5, skipped = $6,
         rejected = $7, departments_created = $8 WHERE id = $1`,
      [report.importId, total, report.inserted, report.updated, report.unchanged, skipped.length, rejected.length, JSON.stringify(report.departmentsCreated)],
    );
    await client.query('COMMIT');
    phase('write');
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
