// `GET /api/cases` (filtered, cursor-paged GeoJSON) and `GET /api/cases/:id` (case JSON + event history).
import type pg from 'pg';
import type { WorkCalendar } from '../domain/calendar.ts';
import { parseBbox } from '../domain/tiles.ts';
import type { Actor } from '../domain/workflow.ts';
import { loadCase, notFound, visibleTo } from './actions.ts';
import { CaseProblem } from './http.ts';
import { CASE_COLUMNS, caseJson, caseSummary, type CaseRow } from './view.ts';

export interface ListQuery {
  bbox?: string;
  status?: string;
  light?: string;
  kind?: string;
  major?: string;
  minor?: string;
  source?: string;
  department?: string;
  grid?: string;
  district?: string;
  from?: string;
  to?: string;
  /** only repeat cases (true) or only the others (false) */
  repeat?: boolean;
  limit?: number;
  cursor?: string;
}

export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 5000;

const badQuery = (field: string, message: string) => new CaseProblem(400, 'bad_request', `${field}: ${message}`, field);

/** Cursor = the last row's (reported_at in µs since the epoch, id), newest first; opaque to clients. */
function encodeCursor(us: string, id: string): string {
  return Buffer.from(`${us}|${id}`).toString('base64url');
}

function decodeCursor(c: string): [string, string] {
  const m = /^(-?\d{1,20})\|(\d{19})$/.exec(Buffer.from(c, 'base64url').toString());
  if (!m) throw badQuery('cursor', 'is not a cursor this API issued');
  return [m[1], m[2]];
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Filters → WHERE clauses; department staff only ever see their own department's cases. */
function whereOf(q: ListQuery, actor: Actor, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (q.bbox !== undefined) {
    let b: number[];
    try {
      b = parseBbox(q.bbox);
    } catch (err) {
      throw badQuery('bbox', (err as Error).message);
    }
    params.push(...b);
    const n = params.length;
    where.push(`geom && ST_MakeEnvelope($${n - 3}, $${n - 2}, $${n - 1}, $${n}, 4326)`);
  }
  if (q.status) add((p) => `status = ANY(${p}::text[])`, list(q.status));
  if (q.light) add((p) => `light = ANY(${p}::text[])`, list(q.light));
  if (q.source) add((p) => `source = ANY(${p}::text[])`, list(q.source));
  if (q.kind) add((p) => `kind = ${p}`, q.kind);
  if (q.major) add((p) => `major = ${p}`, q.major);
  if (q.minor) add((p) => `minor = ${p}`, q.minor);
  if (q.grid) add((p) => `grid_code = ${p}`, q.grid);
  if (q.department) add((p) => `department_id = ${p}`, q.department);
  if (actor.role === 'department') add((p) => `department_id = ${p}`, actor.department ?? '');
  if (q.district) {
    const col = { 6: 'district_code', 9: 'street_code', 12: 'community_code' }[q.district.length];
    if (!col || !/^\d+$/.test(q.district)) throw badQuery('district', 'must be a county (6), street (9) or community (12) code');
    add((p) => `${col} = ${p}`, q.district);
  }
  if (q.from) add((p) => `reported_at >= ${p}::timestamptz`, q.from);
  if (q.to) add((p) => `reported_at < ${p}::timestamptz`, q.to);
  if (q.repeat !== undefined) add((p) => `is_repeat = ${p}::boolean`, q.repeat);
  if (q.cursor) {
    const [us, id] = decodeCursor(q.cursor);
    params.push(us, id);
    where.push(`(reported_at, id) < ('epoch'::timestamptz + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`);
  }
  return where;
}

export async function listCases(pool: pg.Pool, q: ListQuery, actor: Actor, path: string) {
  const params: unknown[] = [];
  const where = whereOf(q, actor, params);
  const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE);
  params.push(limit + 1);
  const { rows } = await pool.query<CaseRow & { us: string }>(
    `SELECT ${CASE_COLUMNS}, (extract(epoch FROM reported_at) * 1000000)::bigint::text AS us
     FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY reported_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const body: Record<string, unknown> = {
    type: 'FeatureCollection',
    features: page.map((r) => ({ type: 'Feature', id: r.id, geometry: { type: 'Point', coordinates: [r.lon, r.lat] }, properties: caseSummary(r, actor) })),
  };
  if (rows.length > limit) {
    const last = page[page.length - 1];
    const cursor = encodeCursor(last.us, last.id);
    const next = new URLSearchParams(Object.entries({ ...q, limit, cursor }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    body.nextCursor = cursor;
    body.next = `${path}?${next}`;
  }
  return body;
}

export async function caseDetail(pool: pg.Pool, id: string, actor: Actor, now: Date, cal: WorkCalendar) {
  const row = await loadCase(pool, id);
  if (!row || !visibleTo(row, actor)) throw notFound(id);
  const { rows } = await pool.query<{ id: number; type: string; actor: string | null; department_id: string | null; payload: unknown; created_at: Date }>(
    `SELECT id, type, actor, department_id, payload, created_at FROM case_events WHERE case_id = $1 AND district_code = $2 ORDER BY id`,
    [row.id, row.district_code],
  );
  return {
    ...caseJson(row, actor, now, cal),
    events: rows.map((e) => ({ id: e.id, type: e.type, actor: e.actor, departmentId: e.department_id, createdAt: e.created_at.toISOString(), payload: e.payload })),
  };
}
