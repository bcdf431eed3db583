// Taxonomy (大类/小类) as data: parsing and validation of geodata/taxonomy/*.csv, and the tree the API serves.
// Pure: text in, rows or errors out. Reading files and writing the database live in api/taxonomy/load.ts.
import { parse } from 'csv-parse/sync';

export const TAXONOMY_COLUMNS = [
  'standard', 'kind', 'code', 'level', 'major_code', 'name',
  'register_condition', 'time_limit_value', 'time_limit_unit', 'close_condition',
] as const;
export type TaxonomyColumn = (typeof TAXONOMY_COLUMNS)[number];

export const TAXONOMY_KINDS = ['component', 'event'] as const;
export type TaxonomyKind = (typeof TAXONOMY_KINDS)[number];
export const KIND_NAMES: Record<TaxonomyKind, '部件' | '事件'> = { component: '部件', event: '事件' };

export const TIME_LIMIT_UNITS = ['work_hours', 'work_days', 'calendar_hours'] as const;
export type TimeLimitUnit = (typeof TIME_LIMIT_UNITS)[number];

export interface TimeLimit {
  value: number;
  unit: TimeLimitUnit;
}

export interface TaxonomyRow {
  standard: string;
  kind: TaxonomyKind;
  code: string;
  level: 'major' | 'minor';
  majorCode: string;
  name: string;
  registerCondition: string | null;
  /** Minors only; majors carry no time limit. */
  timeLimit: TimeLimit | null;
  closeCondition: string | null;
  /** Where the row came from, for error messages. */
  source: { file: string; line: number };
}

export interface TaxonomyIssue {
  file: string;
  line: number;
  /** A CSV column, or `row` when the problem is the row as a whole. */
  field: TaxonomyColumn | 'row' | 'header';
  message: string;
}

export class TaxonomyError extends Error {
  constructor(readonly issues: TaxonomyIssue[]) {
    super(`invalid taxonomy (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` + issues.map(formatIssue).join('\n'));
    this.name = 'TaxonomyError';
  }
}

export function formatIssue(i: TaxonomyIssue): string {
  return `${i.file}:${i.line} ${i.field}: ${i.message}`;
}

/** "event:0501" — a minor is identified by kind + code (codes repeat across kinds); zones store this form. */
export function minorKey(kind: TaxonomyKind, code: string): string {
  return `${kind}:${code}`;
}

/** The catch-all minor of a major (NN99 / NN099): imports map labels they cannot place there. */
export function otherMinorCode(majorCode: string, minorLength: 4 | 5): string {
  return majorCode + (minorLength === 4 ? '99' : '099');
}

export interface ParseResult {
  rows: TaxonomyRow[];
  issues: TaxonomyIssue[];
}

/** Parses one CSV file's text. Row-level checks happen here; cross-row checks in validateTaxonomy. */
export function parseTaxonomyCsv(text: string, file: string): ParseResult {
  const issues: TaxonomyIssue[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err: any) {
    return { rows: [], issues: [{ file, line: Number(err?.lines) || 0, field: 'row', message: `CSV syntax: ${err?.message ?? err}` }] };
  }
  if (records.length === 0) return { rows: [], issues: [{ file, line: 1, field: 'header', message: 'file is empty' }] };

  const header = records[0].record.map((h) => h.trim());
  if (header.join(',') !== TAXONOMY_COLUMNS.join(',')) {
    return { rows: [], issues: [{ file, line: 1, field: 'header', message: `expected columns ${TAXONOMY_COLUMNS.join(',')}, got ${header.join(',')}` }] };
  }

  const rows: TaxonomyRow[] = [];
  for (const { record, info } of records.slice(1)) {
    // info.lines is the record's last line; quoted fields may span lines, so count back to its first.
    const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    const before = issues.length;
    const row = parseRow(record, file, line, issues);
    if (row && issues.length === before) rows.push(row);
  }
  return { rows, issues };
}

function parseRow(record: string[], file: string, line: number, issues: TaxonomyIssue[]): TaxonomyRow | null {
  const bad = (field: TaxonomyIssue['field'], message: string) => issues.push({ file, line, field, message });
  if (record.length !== TAXONOMY_COLUMNS.length) {
    bad('row', `expected ${TAXONOMY_COLUMNS.length} fields, got ${record.length}`);
    return null;
  }
  const v = Object.fromEntries(TAXONOMY_COLUMNS.map((c, i) => [c, record[i].trim()])) as Record<TaxonomyColumn, string>;

  if (!v.standard) bad('standard', 'is empty');
  if (!(TAXONOMY_KINDS as readonly string[]).includes(v.kind)) bad('kind', `must be component or event, got "${v.kind}"`);
  if (v.level !== 'major' && v.level !== 'minor') bad('level', `must be major or minor, got "${v.level}"`);
  if (!v.name) bad('name', 'is empty');

  if (v.level === 'major') {
    if (!/^\d{2}$/.test(v.code)) bad('code', `a major code is 2 digits, got "${v.code}"`);
    else if (v.major_code !== v.code) bad('major_code', `a major's major_code must equal its code ${v.code}, got "${v.major_code}"`);
    if (v.time_limit_value) bad('time_limit_value', 'must be empty for a major');
    if (v.time_limit_unit) bad('time_limit_unit', 'must be empty for a major');
  } else if (v.level === 'minor') {
    if (!/^\d{4,5}$/.test(v.code)) bad('code', `a minor code is 4 digits (CJ/T 214) or 5 digits (GB/T 47678.5), got "${v.code}"`);
    else if (v.major_code !== v.code.slice(0, 2)) bad('major_code', `must be the first two digits of minor ${v.code}, got "${v.major_code}"`);
    const value = Number(v.time_limit_value);
    if (!v.time_limit_value || !Number.isFinite(value) || value <= 0) {
      bad('time_limit_value', `must be a positive number, got "${v.time_limit_value}"`);
    }
    if (!(TIME_LIMIT_UNITS as readonly string[]).includes(v.time_limit_unit)) {
      bad('time_limit_unit', `must be one of ${TIME_LIMIT_UNITS.join(', ')}, got "${v.time_limit_unit}"`);
    }
  }

  return {
    standard: v.standard,
    kind: v.kind as TaxonomyKind,
    code: v.code,
    level: v.level as 'major' | 'minor',
    majorCode: v.major_code,
    name: v.name,
    registerCondition: v.register_condition || null,
    timeLimit: v.level === 'minor' ? { value: Number(v.time_limit_value), unit: v.time_limit_unit as TimeLimitUnit } : null,
    closeCondition: v.close_condition || null,
    source: { file, line },
  };
}

/**
 * Checks across rows (all files together): no duplicate (standard, kind, code), every minor's major exists,
 * one minor code length per standard (it decides 16- vs 17-digit component ids), and each major has its
 * catch-all minor (NN99 / NN099).
 */
export function validateTaxonomy(rows: TaxonomyRow[]): TaxonomyIssue[] {
  const issues: TaxonomyIssue[] = [];
  const at = (r: TaxonomyRow, field: TaxonomyIssue['field'], message: string) =>
    issues.push({ file: r.source.file, line: r.source.line, field, message });

  const seen = new Map<string, TaxonomyRow>();
  for (const r of rows) {
    const key = `${r.standard}|${r.kind}|${r.code}`;
    const first = seen.get(key);
    if (first) at(r, 'code', `duplicate ${r.kind} ${r.code} in ${r.standard} (first at ${first.source.file}:${first.source.line})`);
    else seen.set(key, r);
  }

  const minorLength = new Map<string, { len: number; row: TaxonomyRow }>();
  for (const r of rows) {
    if (r.level !== 'minor') continue;
    if (!seen.has(`${r.standard}|${r.kind}|${r.majorCode}`) || seen.get(`${r.standard}|${r.kind}|${r.majorCode}`)!.level !== 'major') {
      at(r, 'major_code', `major ${r.kind} ${r.majorCode} of minor ${r.code} is not defined in ${r.standard}`);
    }
    const len = minorLength.get(r.standard);
    if (!len) minorLength.set(r.standard, { len: r.code.length, row: r });
    else if (len.len !== r.code.length) {
      at(r, 'code', `${r.standard} mixes ${len.len}-digit minors (e.g. ${len.row.code} at line ${len.row.source.line}) with ${r.code.length}-digit ${r.code}`);
    }
  }

  for (const r of rows) {
    if (r.level !== 'major') continue;
    const len = minorLength.get(r.standard)?.len;
    if (len !== 4 && len !== 5) continue;
    const other = otherMinorCode(r.code, len);
    if (!seen.has(`${r.standard}|${r.kind}|${other}`)) at(r, 'code', `major ${r.kind} ${r.code} (${r.name}) has no catch-all minor ${other} (其他)`);
  }
  return issues;
}

export interface TaxonomyMinorView {
  code: string;
  name: string;
  standard: string;
  timeLimit: TimeLimit;
  registerCondition: string | null;
  closeCondition: string | null;
}
export interface TaxonomyTree {
  standard: string;
  kinds: { kind: TaxonomyKind; name: '部件' | '事件'; majors: { code: string; name: string; minors: TaxonomyMinorView[] }[] }[];
}

/** Groups one standard's rows into kinds → majors → minors, ordered by code (the API's shape). */
export function taxonomyTree(rows: readonly Omit<TaxonomyRow, 'source'>[], standard: string): TaxonomyTree {
  const ofStandard = rows.filter((r) => r.standard === standard).sort((a, b) => a.code.localeCompare(b.code));
  return {
    standard,
    kinds: TAXONOMY_KINDS.map((kind) => ({
      kind,
      name: KIND_NAMES[kind],
      majors: ofStandard
        .filter((r) => r.kind === kind && r.level === 'major')
        .map((m) => ({
          code: m.code,
          name: m.name,
          minors: ofStandard
            .filter((r) => r.kind === kind && r.level === 'minor' && r.majorCode === m.code && r.timeLimit)
            .map((r) => ({
              code: r.code,
              name: r.name,
              standard: r.standard,
              timeLimit: r.timeLimit!,
              registerCondition: r.registerCondition,
              closeCondition: r.closeCondition,
            })),
        })),
    })),
  };
}
