// Cases for the repeat engine, with metric coordinates computed by PostGIS and rounded to whole millimetres (the
// very numbers intake compares), and nearest-road classes for anchors that need one.
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

// Buffer#latin1Slice decodes without making a sub-buffer first (toString(enc, s, e) allocates one per call).
const latin1 = (buf: Buffer, s: number, e: number): string => (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e);

/**
 * Short repeated fields (district, kind, minor, road class, department) → one string each, found by a hash of their
 * bytes and checked byte by byte, so a million rows make a handful of strings and no garbage.
 */
class Interner {
  private readonly buckets = new Map<number, { bytes: Uint8Array; value: string }[]>();
  get(buf: Buffer, s: number, e: number): string | null {
    const len = e - s;
    if (len === 2 && buf[s] === BACKSLASH && buf[s + 1] === 78) return null;
    let h = len;
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + buf[i]) & 0x3fffffff;
    let bucket = this.buckets.get(h);
    if (bucket) {
      outer: for (const entry of bucket) {
        if (entry.bytes.length !== len) continue;
        for (let i = 0; i < len; i++) if (entry.bytes[i] !== buf[s + i]) continue outer;
        return entry.value;
      }
    } else this.buckets.set(h, (bucket = []));
    const value = text(buf, s, e)!;
    bucket.push({ bytes: Uint8Array.prototype.slice.call(buf, s, e), value });
    return value;
  }
}

/** A growable column of numbers. */
class NumCol<A extends Float64Array | Uint8Array> {
  n = 0;
  constructor(public a: A, private readonly make: (len: number) => A) {}
  push(v: number) {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/**
 * Cases in scope, column-wise, in no particular order (groupRepeats orders them). Read with COPY … TO STDOUT and split
 * by hand while the rows stream in: a month of a million rows parses several times faster than through row objects,
 * and parsing overlaps the server's scan.
 */
export async function fetchCases(db: Client, srid: number, scope: CaseScope, rules: RepeatRules, opts: { area?: 'street' | 'community' } = {}): Promise<FetchedCases> {
  if (!Number.isInteger(srid)) throw new TypeError(`SRID ${srid} is not an integer`);
  const areaCol = opts.area === 'street' ? 'c.street_code' : opts.area === 'community' ? 'c.community_code' : 'NULL';
  const sql = `COPY (SELECT c.id, c.district_code, c.kind, c.minor, (extract(epoch FROM c.reported_at) * 1000000)::bigint,
                  round(ST_X(m.p) * ${MM})::bigint, round(ST_Y(m.p) * ${MM})::bigint, c.road_class,
                  c.zones @> '[{"level":"key"}]'::jsonb, c.department_id, ${areaCol}
             FROM cases c CROSS JOIN LATERAL (SELECT ST_Transform(c.geom, ${srid}) AS p) m
            WHERE ${scopeSql(scope, rules, null)}) TO STDOUT`;
  const id: string[] = [];
  const districtCode: string[] = [];
  const kind: CaseKind[] = [];
  const minor: string[] = [];
  const t = new NumCol(new Float64Array(4096), (l) => new Float64Array(l));
  const x = new NumCol(new Float64Array(4096), (l) => new Float64Array(l));
  const y = new NumCol(new Float64Array(4096), (l) => new Float64Array(l));
  const keyArea = new NumCol(new Uint8Array(4096), (l) => new Uint8Array(l));
  const roadClass: (RoadClass | null)[] = [];
  const departments: (string | null)[] = [];
  const area: (string | null)[] = [];
  const codes = new Interner();
  const ends = new Int32Array(12);

  /** Parses the complete rows of buf[from, len); returns where the unfinished row starts. */
  const parse = (buf: Buffer, from: number, len: number): number => {
    let pos = from;
    let rowStart = from;
    for (;;) {
      // field k spans [ends[k] + 1, ends[k + 1]), ends[0] + 1 = the row start
      ends[0] = pos - 1;
      let f = 1;
      let complete = false;
      while (pos < len) {
        const b = buf[pos];
        if (b === TAB) ends[f++] = pos;
        else if (b === NL) {
          ends[f] = pos++;
          complete = true;
          break;
        }
        pos++;
      }
      if (!complete) return rowStart;
      const s = (k: number) => ends[k] + 1;
      id.push(latin1(buf, s(0), ends[1]));
      districtCode.push(codes.get(buf, s(1), ends[2])!);
      kind.push(codes.get(buf, s(2), ends[3]) as CaseKind);
      minor.push(codes.get(buf, s(3), ends[4])!);
      t.push(int(buf, s(4), ends[5]));
      x.push(int(buf, s(5), ends[6]) / MM);
      y.push(int(buf, s(6), ends[7]) / MM);
      roadClass.push(codes.get(buf, s(7), ends[8]) as RoadClass | null);
      keyArea.push(buf[s(8)] === 116 ? 1 : 0); // 't'
      departments.push(codes.get(buf, s(9), ends[10]));
      if (opts.area) area.push(codes.get(buf, s(10), ends[11]));
      rowStart = pos;
      if (pos >= len) return rowStart;
    }
  };
  let rest: Buffer | null = null; // an unfinished row at the end of the previous chunk
  for await (const data of (db as pg.ClientBase).query(copyTo(sql))) {
    const chunk = data as Buffer;
    let from = 0;
    if (rest) {
      // finish the straddling row alone: copy it, not the whole chunk
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const row = Buffer.concat([rest, chunk.subarray(0, nl + 1)]);
      parse(row, 0, row.length);
      from = nl + 1;
    }
    const used = parse(chunk, from, chunk.length);
    rest = used < chunk.length ? Buffer.from(chunk.subarray(used)) : null;
  }
  if (rest) throw new Error('COPY ended inside a row');

  return {
    cols: { length: t.n, id, districtCode, kind, minor, t: t.a.subarray(0, t.n), x: x.a.subarray(0, x.n), y: y.a.subarray(0, y.n), roadClass, keyArea: keyArea.a.subarray(0, keyArea.n) },
    departments,
    area: opts.area ? area : undefined,
  };
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
