import type pg from 'pg';
import { parseSnapshot, type SeqState, type Snapshot } from './sequencer.ts';

/** One `case_events` row as the stream sends it (`data:` of an SSE message). */
export interface LiveEvent {
  id: number;
  type: string;
  caseId: string | null;
  districtCode: string;
  departmentId: string | null;
  actor: string | null;
  payload: unknown;
  createdAt: string;
}

const COLUMNS = `id, type, case_id AS "caseId", district_code AS "districtCode", department_id AS "departmentId", actor, payload,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

/** An event row read with the kind of read it came from. */
type Row = LiveEvent & { snap: string; late: boolean | null };

export interface ReadResult {
  tail: LiveEvent[];
  late: LiveEvent[];
  snapshot: Snapshot;
}

/**
 * One statement, so rows and snapshot agree: the snapshot the rows were read in, the next `limit` rows after
 * the watermark, and the rows that watched transactions which have ended wrote below it.
 */
export async function readEvents(pool: pg.Pool, state: SeqState, limit: number): Promise<ReadResult> {
  const ws = state.watches.filter((w) => w.done.length);
  const { rows } = await pool.query<Row>(
    `SELECT s.snap, e.* FROM (SELECT pg_current_snapshot()::text AS snap) s
     LEFT JOIN LATERAL (
       (SELECT ${COLUMNS}, false AS late FROM case_events WHERE id > $1 ORDER BY id LIMIT $2)
       UNION ALL
       (SELECT ${COLUMNS}, true FROM unnest($3::int8[], $4::int8[], $5::text[]) w(lo, hi, xids)
          JOIN case_events c ON c.id BETWEEN w.lo AND w.hi AND c.tx = ANY (string_to_array(w.xids, ',')::xid8[]))
     ) e ON true`,
    [state.last, limit, ws.map((w) => w.lo), ws.map((w) => w.hi), ws.map((w) => w.done.join(','))],
  );
  const tail: LiveEvent[] = [];
  const late: LiveEvent[] = [];
  for (const r of rows) {
    if (r.late === null) continue; // no event rows: only the snapshot came back
    const { snap: _s, late: isLate, ...ev } = r;
    (isLate ? late : tail).push(ev);
  }
  return { tail, late, snapshot: parseSnapshot(rows[0].snap) };
}

/** Newest id and the snapshot, to start the hub; plus how far back transactions running now are watched. */
export async function readHead(pool: pg.Pool): Promise<{ maxId: number; snapshot: Snapshot }> {
  const { rows } = await pool.query<{ max: number | null; snap: string }>(
    `SELECT (SELECT max(id) FROM case_events) AS max, pg_current_snapshot()::text AS snap`,
  );
  return { maxId: Number(rows[0].max ?? 0), snapshot: parseSnapshot(rows[0].snap) };
}

export interface ReplayFilter {
  districts: string[] | null;
  departments: string[] | null;
  types: string[] | null;
}

/** Events after `after` up to `upTo` matching the filter, ascending, one page. */
export async function readRange(pool: pg.Pool, after: number, upTo: number, f: ReplayFilter, limit: number): Promise<LiveEvent[]> {
  const { rows } = await pool.query<LiveEvent>(
    `SELECT ${COLUMNS} FROM case_events
      WHERE id > $1 AND id <= $2
        AND ($3::text[] IS NULL OR district_code = ANY ($3))
        AND ($4::text[] IS NULL OR department_id = ANY ($4))
        AND ($5::text[] IS NULL OR type = ANY ($5))
      ORDER BY id LIMIT $6`,
    [after, upTo, f.districts, f.departments, f.types, limit],
  );
  return rows;
}

/** 32-bit xids of transactions running in other databases of this server (none where that cannot be read). */
export async function readForeignXids(pool: pg.Pool): Promise<string[]> {
  try {
    const { rows } = await pool.query<{ x: string }>(
      `SELECT backend_xid::text AS x FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows.map((r) => r.x);
  } catch {
    return [];
  }
}
