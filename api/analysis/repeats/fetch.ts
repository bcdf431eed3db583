// Cases for the repeat engine, read in time order with metric coordinates computed by PostGIS (the same numbers
// intake compares), and nearest-road classes for anchors that need one.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CaseColumns, CaseKind, RepeatRules, RoadClass } from '../../domain/repeats.ts';
import type { Client } from '../tx.ts';

export interface CaseScope {
  /** epoch ms, [from, to) */
  from: number;
  to: number;
  districtCode?: string;
  kind?: CaseKind;
  minor?: string;
}

export interface FetchedCases {
  cols: CaseColumns;
  /** department_id of each case (same index) */
  departments: (string | null)[];
  /** street or community code of each case, when asked for */
  area?: (string | null)[];
}

/** SQL literal of a value (COPY takes no bind parameters). standard_conforming_strings is on since PostgreSQL 9.1. */
export function literal(v: unknown): string {
  if (v instanceof Date) return `'${v.toISOString()}'::timestamptz`;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.length ? `ARRAY[${v.map(literal).join(', ')}]` : `'{}'::text[]`;
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  throw new TypeError(`no SQL literal for ${String(v)}`);
}

/**
 * SQL conditions leaving out voided cases (a voided duplicate report is the same problem, not a recurrence) and
 * excluded categories. With `params`, values become `$n` parameters appended to it; without, SQL literals.
 */
export function scopeSql(scope: CaseScope, rules: Pick<RepeatRules, 'excludedKinds' | 'excludedMinors'>, params: unknown[] | null, alias = 'c'): string {
  const p = (v: unknown) => (params ? `$${params.push(v)}` : literal(v));
  const where = [`${alias}.reported_at >= ${p(new Date(scope.from))}`, `${alias}.reported_at < ${p(new Date(scope.to))}`, `${alias}.status <> 'voided'`];
  if (scope.districtCode) where.push(`${alias}.district_code = ${p(scope.districtCode)}`);
  if (scope.kind) where.push(`${alias}.kind = ${p(scope.kind)}`);
  if (scope.minor) where.push(`${alias}.minor = ${p(scope.minor)}`);
  if (rules.excludedKinds.length) where.push(`${alias}.kind <> ALL(${p([...rules.excludedKinds])}::text[])`);
  const bare = rules.excludedMinors.filter((s) => !s.includes(':'));
  const keyed = rules.excludedMinors.filter((s) => s.includes(':'));
  if (bare.length) where.push(`${alias}.minor <> ALL(${p(bare)}::text[])`);
  if (keyed.length) where.push(`(${alias}.kind || ':' || ${alias}.minor) <> ALL(${p(keyed)}::text[])`);
  return where.join(' AND ');
}

const TAB = 9;
const NL = 10;
const BACKSLASH = 92;

/**
 * Metric coordinates travel as whole millimetres and times as whole microseconds: integers parse exactly by hand,
 * and intake reads anchors the same way, so both paths compare the very same numbers.
 */
export const MM = 1000;

/** A text-format COPY field as a string: NULL is \N; backslash escapes only appear in free text. */
function text(buf: Buffer, s: number, e: number): string | null {
  if (e - s === 2 && buf[s] === BACKSLASH && buf[s + 1] === 78) return null;
  const v = buf.toString('utf8', s, e);
  if (!v.includes('\\')) return v;
  return v.replace(/\\(.)/g, (_: string, ch: string) => ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' })[ch] ?? ch);
}

/** A decimal integer field (optionally negative), parsed from the bytes. */
function int(buf: Buffer, s: number, e: number): number {
  let neg = false;
  if (buf[s] === 45) {
    neg = true;
    s++;
  }
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + (buf[i] - 48);
  return neg ? -v : v;
}

/**
 * Short repeated fields (district, kind, minor, road class, department) → one string each, looked up by their bytes
 * packed into a number (up to 6 bytes; longer values by their text), so a million rows make a handful of strings.
 */
class Interner {
  private readonly byKey = new Map<number, string>();
  private readonly byText = new Map<string, string>();
  get(buf: Buffer, s: number, e: number): string | null {
    if (e - s === 2 && buf[s] === BACKSLASH && buf[s + 1] === 78) return null;
    let escaped = false;
    for (let i = s; i < e; i++) if (buf[i] === BACKSLASH) escaped = true;
    if (e - s > 6 || escaped) {
      const t = text(buf, s, e)!;
      const known = this.byText.get(t);
      if (known !== undefined) return known;
      this.byText.set(t, t);
      return t;
    }
    let k = e - s;
    for (let i = s; i < e; i++) k = k * 256 + buf[i];
    let v = this.byKey.get(k);
    if (v === undefined) this.byKey.set(k, (v = buf.toString('utf8', s, e)));
    return v;
  }
}

/**
 * Cases in scope, in time order (reported_at, id), column-wise. Read with COPY … TO STDOUT and split by hand:
 * a month of a million rows parses several times faster than through row objects. Sorted by the database's
 * collation so the (reported_at, id) index can serve the order; groupRepeats checks the order in JavaScript's terms
 * and re-sorts if a collation differs.
 */
export async function fetchCases(db: Client, srid: number, scope: CaseScope, rules: RepeatRules, opts: { area?: 'street' | 'community' } = {}): Promise<FetchedCases> {
  if (!Number.isInteger(srid)) throw new TypeError(`SRID ${srid} is not an integer`);
  const areaCol = opts.area === 'street' ? 'c.street_code' : opts.area === 'community' ? 'c.community_code' : 'NULL';
  const sql = `COPY (SELECT c.id, c.district_code, c.kind, c.minor, (extract(epoch FROM c.reported_at) * 1000000)::bigint,
                  round(ST_X(m.p) * ${MM})::bigint, round(ST_Y(m.p) * ${MM})::bigint, c.road_class,
                  c.zones @> '[{"level":"key"}]'::jsonb, c.department_id, ${areaCol}
             FROM cases c CROSS JOIN LATERAL (SELECT ST_Transform(c.geom, ${srid}) AS p) m
            WHERE ${scopeSql(scope, rules, null)}
            ORDER BY c.reported_at, c.id) TO STDOUT`;
  const chunks: Buffer[] = [];
  for await (const chunk of (db as pg.ClientBase).query(copyTo(sql))) chunks.push(chunk as Buffer);
  const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);

  let n = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  const id = new Array<string>(n);
  const districtCode = new Array<string>(n);
  const kind = new Array<CaseKind>(n);
  const minor = new Array<string>(n);
  const t = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const roadClass = new Array<RoadClass | null>(n);
  const keyArea = new Uint8Array(n);
  const departments = new Array<string | null>(n);
  const area = opts.area ? new Array<string | null>(n) : undefined;
  const codes = new Interner();
  const ends = new Int32Array(12);
  let pos = 0;
  for (let row = 0; row < n; row++) {
    // field k spans [ends[k - 1] + 1, ends[k]), with ends[-1] + 1 = the row start
    ends[0] = pos - 1;
    let f = 1;
    for (;;) {
      const b = buf[pos];
      if (b === TAB) ends[f++] = pos;
      else if (b === NL) {
        ends[f] = pos++;
        break;
      }
      pos++;
    }
    const s = (k: number) => ends[k] + 1;
    id[row] = buf.toString('latin1', s(0), ends[1]);
    districtCode[row] = codes.get(buf, s(1), ends[2])!;
    kind[row] = codes.get(buf, s(2), ends[3]) as CaseKind;
    minor[row] = codes.get(buf, s(3), ends[4])!;
    t[row] = int(buf, s(4), ends[5]);
    x[row] = int(buf, s(5), ends[6]) / MM;
    y[row] = int(buf, s(6), ends[7]) / MM;
    roadClass[row] = codes.get(buf, s(7), ends[8]) as RoadClass | null;
    keyArea[row] = buf[s(8)] === 116 ? 1 : 0; // 't'
    departments[row] = codes.get(buf, s(9), ends[10]);
    if (area) area[row] = codes.get(buf, s(10), ends[11]);
  }
  return { cols: { length: n, id, districtCode, kind, minor, t, x, y, roadClass, keyArea }, departments, area };
}

/**
 * Road class of each listed case: its nearest road within `snapM` metres in the analysis CRS, none → alley.
 * The Web-Mercator index prefilters (a ground metre is 1/cos φ Mercator units), the metric distance decides.
 */
export async function snapRoadClasses(db: Client, srid: number, snapM: number, ids: { districtCode: string; id: string }[]): Promise<Map<string, RoadClass>> {
  const out = new Map<string, RoadClass>();
  if (!ids.length) return out;
  const { rows } = await db.query<{ d: string; id: string; class: RoadClass | null }>(
    `SELECT u.d, u.id,
            (SELECT r.class FROM roads r
              WHERE ST_DWithin(r.geom_3857, c.geom_3857, $4::float8 / cos(radians(ST_Y(c.geom))) * 1.01 + 0.01)
                AND ST_DWithin(ST_Transform(r.geom, $3::int), ST_Transform(c.geom, $3::int), $4::float8)
              ORDER BY ST_Distance(ST_Transform(r.geom, $3::int), ST_Transform(c.geom, $3::int)), r.id
              LIMIT 1) AS class
       FROM unnest($1::text[], $2::text[]) AS u(d, id)
       JOIN cases c ON c.district_code = u.d AND c.id = u.id`,
    [ids.map((x) => x.districtCode), ids.map((x) => x.id), srid, snapM],
  );
  for (const r of rows) out.set(`${r.d}|${r.id}`, r.class ?? 'alley');
  return out;
}
