/**
 * Bulk import of historical cases from a legacy system's CSV export: the mapping format, and turning one CSV row
 * into a case row or a list of reasons to reject it. Pure (no I/O); the database work — staging, derived places,
 * jurisdiction, departments, the upsert — is in api/cases-import/.
 *
 * Mapping (a JSON object; every field names a CSV column, or {"value": …} for a constant):
 *   id, reportedAt                                          required
 *   acceptedAt registeredAt dispatchedAt handledAt verifiedAt closedAt voidedAt deadline   optional dates
 *     a date is "COLUMN" (ISO 8601) or {"column", "format"?, "timezone"?}; format: tokens (MM/dd/yyyy hh:mm:ss a),
 *     "iso" (default), "epoch", "epoch_ms"; timezone: IANA name, default mapping.timezone, else the calendar's
 *   lon, lat                                                required (WGS84 unless --crs)
 *   category + categoryMap {"label": "0501" | "event:0501" | "05" (that major's catch-all) | …, "*": fallback}
 *   kind + kindMap, source + sourceMap, status + statusMap  ({"*": …} = fallback for values not listed)
 *   department (+ departmentMap {"label": "id or name"}), description, address, reporter   optional text
 *   timezone, encoding ("utf-8" default, "gbk", "gb18030" …), delimiter ("," default; "\t", ";", "|")
 */
import gcoord from 'gcoord';
import { computeDeadline, type Light, type WorkCalendar } from './calendar.ts';
import { caseLight } from './case-light.ts';
import { compileDateFormat, checkTimeZone, type DateParser } from './date-format.ts';
import { otherMinorCode, type TaxonomyKind, type TaxonomyRow, type TimeLimit } from './taxonomy.ts';
import { CASE_STATUSES, type CaseStatus } from './workflow.ts';
import type { CrsName } from './layer-import.ts';
import { zoneTimeLimit, type ZoneClass, type ZoneTimeLimitFactors } from './zones.ts';

export const CASE_SOURCES = ['patrol', 'hotline', 'wechat', 'web', 'video', 'leader', 'media', 'follow-up'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

export const DATE_FIELDS = ['reportedAt', 'acceptedAt', 'registeredAt', 'dispatchedAt', 'handledAt', 'verifiedAt', 'closedAt', 'voidedAt', 'deadline'] as const;
export type DateField = (typeof DATE_FIELDS)[number];
const TEXT_FIELDS = ['id', 'lon', 'lat', 'category', 'kind', 'source', 'status', 'department', 'description', 'address', 'reporter'] as const;
type TextField = (typeof TEXT_FIELDS)[number];
const MAP_FIELDS = ['categoryMap', 'kindMap', 'sourceMap', 'statusMap', 'departmentMap'] as const;
const KNOWN_KEYS = new Set<string>([...DATE_FIELDS, ...TEXT_FIELDS, ...MAP_FIELDS, 'timezone', 'encoding', 'delimiter']);

/** Why a row was rejected; the report counts rows per code. */
export type RejectCode =
  | 'missing-field' | 'bad-coordinates' | 'outside-jurisdiction' | 'bad-date' | 'time-order' | 'future-date'
  | 'unknown-status' | 'unknown-source' | 'unknown-kind' | 'status-mismatch' | 'duplicate-id' | 'csv';

export interface Problem { code: RejectCode; message: string }

/** A mapping that cannot be used; `field` is its JSON path. The CLI exits 2 on it, nothing read. */
export class MappingError extends Error {
  constructor(readonly field: string, message: string) {
    super(`mapping ${field}: ${message}`);
    this.name = 'MappingError';
  }
}

type Source = { column: string } | { value: string };
interface DateSpec { from: Source; parse: DateParser; format: string; timezone: string }

/** A validated mapping, ready to read rows. */
export interface CaseImportMapping {
  text: Partial<Record<TextField, Source>>;
  dates: Partial<Record<DateField, DateSpec>>;
  categoryMap: Map<string, string>; // label → "kind:code" (minor) or "kind:NN" (major) or bare code
  kindMap: Map<string, TaxonomyKind>;
  sourceMap: Map<string, CaseSource>;
  statusMap: Map<string, CaseStatus>;
  departmentMap: Map<string, string>;
  timezone: string;
  encoding: string;
  delimiter: string;
}

// Labels legacy Chinese systems use, besides our own English codes (matched case-insensitively, trimmed).
const STATUS_ALIASES: Record<string, CaseStatus> = {
  上报: 'reported', 已上报: 'reported', 待受理: 'reported', 受理: 'accepted', 已受理: 'accepted', 待立案: 'accepted',
  立案: 'registered', 已立案: 'registered', 待派遣: 'registered', 派遣: 'dispatched', 已派遣: 'dispatched',
  处置中: 'dispatched', 待处置: 'dispatched', 返工: 'dispatched', 已处置: 'handled', 处置完成: 'handled', 待核查: 'handled',
  核查通过: 'verified', 已核查: 'verified', 待结案: 'verified', 结案: 'closed', 已结案: 'closed', 办结: 'closed',
  已办结: 'closed', 作废: 'voided', 已作废: 'voided', 挂账: 'suspended', 已挂账: 'suspended',
};
const SOURCE_ALIASES: Record<string, CaseSource> = {
  巡查: 'patrol', 监督员: 'patrol', 监督员上报: 'patrol', 监督员巡查: 'patrol', 城管通: 'patrol', 巡查上报: 'patrol',
  '12345': 'hotline', 热线: 'hotline', 市民热线: 'hotline', '12319': 'hotline', 市长热线: 'hotline', 电话: 'hotline',
  微信: 'wechat', 公众号: 'wechat', 微信公众号: 'wechat', 小程序: 'wechat', 网站: 'web', 网络: 'web', 门户网站: 'web',
  视频: 'video', 视频监控: 'video', 智能识别: 'video', 视频巡查: 'video', 领导交办: 'leader', 领导批示: 'leader',
  媒体: 'media', 媒体曝光: 'media', 跟踪: 'follow-up', 跟踪督办: 'follow-up',
};
const KIND_ALIASES: Record<string, TaxonomyKind> = { 部件: 'component', 事件: 'event' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const norm = (s: string) => s.trim().toLowerCase();

function source(v: unknown, field: string): Source {
  if (typeof v === 'string' && v.trim()) return { column: v };
  if (isObject(v) && typeof v.column === 'string' && v.column) return { column: v.column };
  if (isObject(v) && v.value !== undefined && v.value !== null) return { value: String(v.value) };
  throw new MappingError(field, 'expected a column name, {"column": …} or {"value": …}');
}

function valueMap<T extends string>(raw: unknown, field: string, accept: (v: string) => T | undefined, what: string): Map<string, T> {
  const out = new Map<string, T>();
  if (raw === undefined) return out;
  if (!isObject(raw)) throw new MappingError(field, 'expected an object {"source value": "target"}');
  for (const [k, v] of Object.entries(raw)) {
    const t = typeof v === 'string' ? accept(v.trim()) : undefined;
    if (t === undefined) throw new MappingError(`${field}.${k}`, `${JSON.stringify(v)} is not ${what}`);
    out.set(k === '*' ? '*' : norm(k), t);
  }
  return out;
}

const asStatus = (v: string) => (CASE_STATUSES as readonly string[]).includes(v) ? (v as CaseStatus) : STATUS_ALIASES[v];
const asSource = (v: string) => (CASE_SOURCES as readonly string[]).includes(v) ? (v as CaseSource) : SOURCE_ALIASES[v];
const asKind = (v: string) => (v === 'event' || v === 'component' ? v : KIND_ALIASES[v]);

/**
 * Validates a mapping document against the taxonomy (category targets must exist). `defaultTimezone` is the
 * work calendar's zone. Throws MappingError naming the field.
 */
export function parseMapping(json: unknown, taxonomy: TaxonomyIndex, defaultTimezone: string): CaseImportMapping {
  if (!isObject(json)) throw new MappingError('$', 'expected a JSON object');
  for (const k of Object.keys(json)) if (!KNOWN_KEYS.has(k)) throw new MappingError(k, `unknown key (known: ${[...KNOWN_KEYS].join(', ')})`);
  const tz = json.timezone ?? defaultTimezone;
  const timezone = zone(tz, 'timezone');
  const text: CaseImportMapping['text'] = {};
  for (const f of TEXT_FIELDS) if (json[f] !== undefined) text[f] = source(json[f], f);
  for (const f of ['id', 'lon', 'lat', 'source'] as const) {
    if (!text[f]) throw new MappingError(f, f === 'source' ? 'required: a column, or {"value": "hotline"} when every row has one source' : 'required');
  }
  if (!json.reportedAt) throw new MappingError('reportedAt', 'required');
  const dates: CaseImportMapping['dates'] = {};
  for (const f of DATE_FIELDS) {
    const raw = json[f];
    if (raw === undefined) continue;
    const spec = isObject(raw) ? raw : { column: raw };
    if (spec.format !== undefined && typeof spec.format !== 'string') throw new MappingError(`${f}.format`, 'expected a string');
    const format = (spec.format as string | undefined) ?? 'iso';
    const dz = spec.timezone === undefined ? timezone : zone(spec.timezone, `${f}.timezone`);
    let parse: DateParser;
    try {
      parse = compileDateFormat(format, dz);
    } catch (err) {
      throw new MappingError(`${f}.format`, (err as Error).message);
    }
    dates[f] = { from: source(spec, f), parse, format, timezone: dz };
  }
  const known = (v: string) => (taxonomy.target(v, 'event') || taxonomy.target(v, 'component') ? v : undefined);
  const categoryMap = valueMap(json.categoryMap, 'categoryMap', known, 'a minor or major code of the taxonomy (e.g. "0501", "event:0501", "event:05")');
  const encoding = json.encoding ?? 'utf-8';
  try {
    new TextDecoder(String(encoding));
  } catch {
    throw new MappingError('encoding', `unknown text encoding ${JSON.stringify(encoding)} (e.g. utf-8, gbk, gb18030)`);
  }
  return {
    text,
    dates,
    categoryMap,
    kindMap: valueMap(json.kindMap, 'kindMap', asKind, 'event or component (事件/部件)'),
    sourceMap: valueMap(json.sourceMap, 'sourceMap', asSource, `a source (${CASE_SOURCES.join(', ')})`),
    statusMap: valueMap(json.statusMap, 'statusMap', asStatus, `a status (${CASE_STATUSES.join(', ')})`),
    departmentMap: valueMap(json.departmentMap, 'departmentMap', (v) => v || undefined, 'a department id or name'),
    timezone,
    encoding: String(encoding),
    delimiter: delimiterOf(json.delimiter),
  };
}

function delimiterOf(v: unknown): string {
  if (v === undefined) return ',';
  if (typeof v !== 'string' || v.length !== 1 || v === '"' || v === '\n' || v === '\r') {
    throw new MappingError('delimiter', `expected one character such as "," ";" "\\t" or "|", got ${JSON.stringify(v)}`);
  }
  return v;
}

function zone(v: unknown, field: string): string {
  try {
    if (typeof v !== 'string') throw new Error();
    return checkTimeZone(v);
  } catch {
    throw new MappingError(field, `${JSON.stringify(v)} is not an IANA time zone (e.g. "Asia/Shanghai", "America/New_York")`);
  }
}

/** CSV columns the mapping reads. */
export function mappedColumns(m: CaseImportMapping): string[] {
  const cols = [...Object.values(m.text), ...Object.values(m.dates).map((d) => d.from)].flatMap((s) => ('column' in s ? [s.column] : []));
  return [...new Set(cols)];
}

// ------------------------------------------------------------------------------------------- taxonomy

interface MinorInfo { kind: TaxonomyKind; code: string; major: string; limit: TimeLimit | null }

/** The active standard's minors, looked up by code, by name, and each kind's catch-all. */
export class TaxonomyIndex {
  private byKey = new Map<string, MinorInfo>(); // "event:0501"
  private byName = new Map<string, MinorInfo>(); // "event:无照经营游商"
  private majors = new Set<string>(); // "event:05"
  private other = new Map<TaxonomyKind, MinorInfo>();
  private minorLength: 4 | 5 = 4;

  constructor(rows: readonly Pick<TaxonomyRow, 'kind' | 'code' | 'level' | 'majorCode' | 'name' | 'timeLimit'>[]) {
    const majorNames = new Map<string, string>();
    for (const r of rows) {
      if (r.level === 'major') {
        this.majors.add(`${r.kind}:${r.code}`);
        majorNames.set(`${r.kind}:${r.code}`, r.name);
        continue;
      }
      const info: MinorInfo = { kind: r.kind, code: r.code, major: r.majorCode, limit: r.timeLimit };
      this.minorLength = r.code.length === 5 ? 5 : 4;
      this.byKey.set(`${r.kind}:${r.code}`, info);
      this.byName.set(`${r.kind}:${r.name}`, info);
    }
    // The kind's catch-all: the "其他…" major's NN99 (06 其他设施 / 其他事件), else the last major's.
    for (const kind of ['component', 'event'] as const) {
      const majors = [...this.majors].filter((k) => k.startsWith(`${kind}:`)).sort();
      const pick = majors.filter((k) => majorNames.get(k)?.startsWith('其他')).pop() ?? majors.pop();
      const info = pick && this.byKey.get(`${kind}:${otherMinorCode(pick.slice(kind.length + 1), this.minorLength)}`);
      if (info) this.other.set(kind, info);
    }
  }

  /** A category target ("0501", "event:0501", "05", "event:05") → its minor, using `kind` when unqualified. */
  target(v: string, kind: TaxonomyKind): MinorInfo | undefined {
    const m = /^(?:(event|component):)?(\d{2}|\d{4,5})$/.exec(v.trim());
    if (!m) return undefined;
    const k = (m[1] as TaxonomyKind | undefined) ?? kind;
    if (m[2].length === 2) return this.majors.has(`${k}:${m[2]}`) ? this.byKey.get(`${k}:${otherMinorCode(m[2], this.minorLength)}`) : undefined;
    return this.byKey.get(`${k}:${m[2]}`);
  }

  byMinorName(kind: TaxonomyKind, name: string): MinorInfo | undefined {
    return this.byName.get(`${kind}:${name.trim()}`);
  }

  otherOf(kind: TaxonomyKind): MinorInfo | undefined {
    return this.other.get(kind);
  }
}

// ----------------------------------------------------------------------------------------------- rows

/** A case row ready for staging (times as Date; geometry as WGS84 lon/lat). */
export interface ImportedCase {
  line: number;
  id: string;
  kind: TaxonomyKind;
  major: string;
  minor: string;
  originalCategory: string | null;
  source: CaseSource;
  status: CaseStatus;
  department: string | null; // label; resolved (or created) in SQL
  description: string | null;
  address: string | null;
  reporter: string | null;
  lon: number;
  lat: number;
  times: Record<DateField, Date | null>;
  /** true when the deadline came from the file, false when computed from the taxonomy */
  deadlineGiven: boolean;
  timeLimit: TimeLimit | null;
}

export type RowResult = { ok: true; row: ImportedCase } | { ok: false; line: number; id?: string; problems: Problem[] };

export interface RowContext {
  mapping: CaseImportMapping;
  taxonomy: TaxonomyIndex;
  calendar: WorkCalendar;
  crs: CrsName;
  now: Date;
}

/** Statuses at or after 立案: such a case has a registration time and a deadline. */
const REGISTERED = new Set<CaseStatus>(['registered', 'dispatched', 'handled', 'verified', 'closed', 'suspended']);
const FUTURE_SLACK_MS = 86_400_000; // clocks of legacy servers drift; a day ahead is a wrong format, not drift

/** Reads a mapped value of a row: `get(column)` returns the cell text. Empty cells are undefined. */
function read(s: Source | undefined, get: (column: string) => string | undefined): string | undefined {
  if (!s) return undefined;
  const v = 'value' in s ? s.value : get(s.column);
  const t = v?.trim();
  return t ? t : undefined;
}

function lookup<T>(map: Map<string, T>, raw: string, builtin: (v: string) => T | undefined): T | undefined {
  return map.get(norm(raw)) ?? builtin(raw.trim()) ?? builtin(norm(raw)) ?? map.get('*');
}

/** One CSV row → a case row, or every reason it cannot be imported. `line` is the CSV line number. */
export function mapRow(get: (column: string) => string | undefined, line: number, ctx: RowContext): RowResult {
  const { mapping: m, taxonomy } = ctx;
  const problems: Problem[] = [];
  const bad = (code: RejectCode, message: string) => void problems.push({ code, message });

  const id = read(m.text.id, get);
  if (!id) bad('missing-field', 'id is empty');

  // Coordinates
  const lonText = read(m.text.lon, get);
  const latText = read(m.text.lat, get);
  let lon = Number(lonText);
  let lat = Number(latText);
  if (lonText === undefined || latText === undefined) bad('bad-coordinates', 'coordinates missing');
  else if (!Number.isFinite(lon) || !Number.isFinite(lat)) bad('bad-coordinates', `coordinates "${lonText}", "${latText}" are not numbers`);
  else if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    bad('bad-coordinates', `lon ${lonText} / lat ${latText} out of range${Math.abs(lat) > 90 && Math.abs(lon) <= 90 ? ' (lon and lat swapped?)' : ' (projected coordinates? convert to WGS84)'}`);
  } else if (lon === 0 && lat === 0) bad('bad-coordinates', 'coordinates are 0, 0 (not located)');
  else if (ctx.crs === 'gcj02') [lon, lat] = gcoord.transform([lon, lat], gcoord.GCJ02, gcoord.WGS84) as [number, number];

  // Kind, category
  const kindText = read(m.text.kind, get);
  let kind: TaxonomyKind | undefined = 'event';
  if (kindText !== undefined) {
    kind = lookup(m.kindMap, kindText, asKind);
    if (!kind) bad('unknown-kind', `kind "${kindText}" is neither event/事件 nor component/部件 and kindMap does not list it`);
  }
  const label = read(m.text.category, get);
  let minor: MinorInfo | undefined;
  let original: string | null = null;
  if (kind) {
    const mapped = label !== undefined ? m.categoryMap.get(norm(label)) : undefined;
    const direct = mapped ? taxonomy.target(mapped, kind) : label !== undefined ? taxonomy.target(label, kind) ?? taxonomy.byMinorName(kind, label) : undefined;
    if (direct) {
      minor = direct;
      // A label mapped to a major lands in its catch-all: keep the label, as for unmapped ones.
      const toMajor = /^(?:\w+:)?\d{2}$/.test((mapped ?? label ?? '').trim());
      original = toMajor ? label ?? null : null;
    } else {
      const fallback = m.categoryMap.get('*');
      minor = fallback ? taxonomy.target(fallback, kind) : taxonomy.otherOf(kind);
      original = label ?? null;
    }
    if (!minor) bad('missing-field', `no catch-all minor for kind ${kind} in the taxonomy`);
  }

  // Source, status
  const sourceText = read(m.text.source, get);
  const src = sourceText === undefined ? undefined : lookup(m.sourceMap, sourceText, asSource);
  if (sourceText === undefined) bad('missing-field', 'source is empty');
  else if (!src) bad('unknown-source', `source "${sourceText}" is not one of ${CASE_SOURCES.join(', ')} and sourceMap does not list it`);

  // Dates
  const times = {} as Record<DateField, Date | null>;
  const unparsable = new Set<DateField>();
  for (const f of DATE_FIELDS) {
    const spec = m.dates[f];
    const raw = read(spec?.from, get);
    times[f] = null;
    if (!spec || raw === undefined) continue;
    const d = spec.parse(raw);
    if (d) times[f] = d;
    else {
      unparsable.add(f);
      bad('bad-date', `${f} "${raw}" does not match format ${spec.format === 'iso' ? 'ISO 8601' : `"${spec.format}"`}`);
    }
  }
  const reported = times.reportedAt;
  if (!reported && !unparsable.has('reportedAt')) bad('missing-field', 'reportedAt is empty');

  const statusText = read(m.text.status, get);
  let status: CaseStatus | undefined;
  if (statusText !== undefined) {
    status = lookup(m.statusMap, statusText, asStatus);
    if (!status) bad('unknown-status', `status "${statusText}" is not known (map it with statusMap)`);
  } else {
    // No status column: closed when a close time is given; otherwise back to the operators' queue.
    status = times.closedAt ? 'closed' : 'reported';
  }
  if (status === 'closed' && !times.closedAt && !unparsable.has('closedAt')) {
    bad('status-mismatch', `status "${statusText ?? 'closed'}" is closed but closedAt is empty`);
  } else if (status && status !== 'closed' && times.closedAt) {
    bad('status-mismatch', `closedAt is given but status "${statusText}" is ${status}`);
  }

  if (reported) {
    for (const f of DATE_FIELDS) {
      const t = times[f];
      if (f === 'reportedAt' || !t) continue;
      if (t.getTime() < reported.getTime()) {
        bad('time-order', `${f === 'closedAt' ? 'closed before opened' : `${f} before reportedAt`}: ${f} ${t.toISOString()} < reportedAt ${reported.toISOString()}`);
      }
    }
    for (const f of DATE_FIELDS) {
      const t = times[f];
      if (f !== 'deadline' && t && t.getTime() > ctx.now.getTime() + FUTURE_SLACK_MS) bad('future-date', `${f} ${t.toISOString()} is in the future`);
    }
  }

  if (problems.length || !id || !minor || !src || !status || !reported) return { ok: false, line, id, problems };

  // Deadline: the file's wins; else registration + the minor's limit on the work calendar, for registered cases.
  const deadlineGiven = times.deadline !== null;
  if (REGISTERED.has(status)) {
    times.registeredAt ??= reported; // a registered case was registered; when the export does not say, at report
    if (!deadlineGiven && minor.limit) times.deadline = computeDeadline(times.registeredAt, minor.limit, ctx.calendar);
  }
  const dept = read(m.text.department, get);
  return {
    ok: true,
    row: {
      line, id, kind: minor.kind, major: minor.major, minor: minor.code, originalCategory: original, source: src, status,
      department: dept === undefined ? null : m.departmentMap.get(norm(dept)) ?? dept,
      description: read(m.text.description, get) ?? null, address: read(m.text.address, get) ?? null,
      reporter: read(m.text.reporter, get) ?? null, lon, lat, times, deadlineGiven, timeLimit: minor.limit,
    },
  };
}

// ------------------------------------------------------------------------------------ zone-class variants

export const ZONE_CLASSES: readonly ZoneClass[] = ['A', 'B', 'C'];

export interface DeadlineVariants {
  /** deadline and light with the taxonomy's limit, then per zone class (null = same as the base) */
  deadline: Date | null;
  light: Light | null;
  byClass: Record<ZoneClass, { deadline: Date | null; light: Light | null } | null>;
}

/**
 * A zone's time-limit class may shorten the limit (api/domain/zones.ts), but which zones a point falls in is only
 * known in SQL. So the deadline and light are computed here for each class that may apply (`classes`: those of
 * zones near the point, all by default), and SQL picks the one of the strictest class at the point. A deadline
 * from the file is never shortened.
 */
export function deadlineVariants(
  row: ImportedCase, calendar: WorkCalendar, factors: ZoneTimeLimitFactors, now: Date, yellowAt: number,
  classes: ReadonlySet<ZoneClass> = new Set(ZONE_CLASSES),
): DeadlineVariants {
  const lightOf = (deadline: Date | null, limit: TimeLimit | null) =>
    caseLight({
      status: row.status, deadline, registeredAt: row.times.registeredAt, reportedAt: row.times.reportedAt!,
      timeLimitValue: limit?.value ?? null, timeLimitUnit: limit?.unit ?? null, suspendedAt: null,
    }, now, calendar, yellowAt);
  const base = { deadline: row.times.deadline, light: lightOf(row.times.deadline, row.timeLimit) };
  const byClass = { A: null, B: null, C: null } as DeadlineVariants['byClass'];
  if (!row.deadlineGiven && row.timeLimit && row.times.deadline && row.times.registeredAt) {
    for (const c of ZONE_CLASSES) {
      if (!classes.has(c)) continue; // no zone of this class near the point: the variant cannot be picked
      const { limit } = zoneTimeLimit(row.timeLimit, [{ timeLimitClass: c }], factors);
      if (limit.value === row.timeLimit.value) continue;
      const deadline = computeDeadline(row.times.registeredAt, limit, calendar);
      byClass[c] = { deadline, light: lightOf(deadline, limit) };
    }
  }
  return { ...base, byClass };
}
