/**
 * Keeps the columnar copy of the cases (store.ts) fresh, one copy per analysis CRS.
 *
 * First use loads every case (a cursor, in chunks). Afterwards, when the caller's data version (cache.ts, the sum
 * of the cases' change counters) is newer than the copy's, one REPEATABLE READ read-only transaction reads the
 * snapshot, the version and removal counters under it, and the rows whose xmin (the transaction that wrote that
 * row version) is at or after the previous refresh's snapshot xmin: every transaction that committed since was
 * then either not yet started or still running, so its xid is ≥ that xmin; rows read twice are upserted twice,
 * harmlessly. xmin is 32 bits, snapshot xids 64 (epoch · 2³² + xid): while the previous xmin and the current xmax
 * share an epoch, the 32-bit comparison is exact for every xid between them (older rows from a previous epoch may
 * be re-read, nothing is missed); across epochs, and when the removal counter (migration 011) moved — a deleted
 * row leaves no xmin behind — the copy is loaded again. Concurrent callers share one refresh.
 */
import type pg from 'pg';
import { CaseColumns, type CaseRowValues } from './store.ts';

export interface RefreshStats {
  kind: 'full' | 'delta';
  rows: number;
  ms: number;
}

interface Copy {
  cols: CaseColumns;
  /** sum of the change counters seen by the refresh's snapshot */
  version: bigint;
  removals: string;
  /** the refresh snapshot's xmin (xid8) */
  xmin: bigint;
}

const CHUNK = 20_000;

/** The columns of a row, in CaseRowValues order; `xy` reads the point in the analysis CRS. */
const rowSql = (xy: string) => `SELECT c.id, ${xy}, (extract(epoch FROM c.reported_at) * 1000)::float8, c.status = 'voided',
  c.kind, c.major, c.minor, c.source, c.department_id, c.district_code, c.street_code, c.community_code FROM cases c`;

export class CaseColumnsSource {
  private copies = new Map<number, Copy>();
  private pending = new Map<number, Promise<RefreshStats>>();
  /** the last refresh, for timings */
  last: RefreshStats | null = null;

  constructor(private pool: pg.Pool) {}

  /**
   * The copy for `srid`, at least as new as data version `version`. `storedXy`: cases.ax / ay hold the points in
   * `srid` (case-xy.ts), else they are projected. Copies in other CRSs than `keep` (the deployment's analysis CRS)
   * are dropped: one extra copy at most.
   */
  async columns(srid: number, storedXy: boolean, version: string, keep: number): Promise<CaseColumns> {
    for (const s of this.copies.keys()) if (s !== srid && s !== keep) this.copies.delete(s);
    const want = BigInt(version);
    for (;;) {
      const copy = this.copies.get(srid);
      if (copy && copy.version >= want) return copy.cols;
      let p = this.pending.get(srid);
      if (!p) {
        p = this.refresh(srid, storedXy).finally(() => this.pending.delete(srid));
        this.pending.set(srid, p);
      }
      this.last = await p;
    }
  }

  /** Memory held by the copies. */
  get bytes(): number {
    let b = 0;
    for (const c of this.copies.values()) b += c.cols.bytes;
    return b;
  }

  private async refresh(srid: number, storedXy: boolean): Promise<RefreshStats> {
    const t0 = performance.now();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // the first statement takes the transaction's snapshot: the counters and every row below are read under it
      const { rows: [s] } = await client.query<{ xmin: string; xmax: string; version: string; removals: string }>(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
                (SELECT coalesce(sum(changes), 0) FROM case_change_counts)::text AS version,
                (SELECT coalesce(sum(removals), 0) FROM case_removal_counts)::text AS removals`,
      );
      const xmin = BigInt(s.xmin), xmax = BigInt(s.xmax);
      const prev = this.copies.get(srid);
      const delta = prev !== undefined && prev.removals === s.removals && prev.xmin >> 32n === xmax >> 32n;
      if (!Number.isInteger(srid)) throw new Error(`bad SRID ${srid}`);
      const xy = storedXy ? 'c.ax, c.ay' : `ST_X(ST_Transform(c.geom, ${srid})), ST_Y(ST_Transform(c.geom, ${srid}))`;
      let rows = 0;
      let cols: CaseColumns;
      if (delta) {
        cols = prev.cols;
        // a plain statement, not a cursor: the server may scan in parallel (cursors never do)
        await client.query('SET LOCAL jit = off; SET LOCAL parallel_setup_cost = 100; SET LOCAL parallel_tuple_cost = 0.001');
        const r = await client.query<CaseRowValues & pg.QueryResultRow>({
          text: `${rowSql(xy)} WHERE c.xmin::text::bigint >= $1`,
          values: [Number(prev.xmin & 0xffffffffn)],
          rowMode: 'array',
        });
        for (const v of r.rows) cols.upsert(v as unknown as CaseRowValues);
        rows = r.rows.length;
      } else {
        const { rows: [est] } = await client.query<{ n: number }>(`SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'cases'::regclass`);
        cols = new CaseColumns(Math.ceil(1.05 * (est?.n ?? 0)) + 1024);
        await client.query(`DECLARE case_columns NO SCROLL CURSOR FOR ${rowSql(xy)}`);
        for (;;) {
          const r = await client.query({ text: `FETCH ${CHUNK} FROM case_columns`, rowMode: 'array' });
          for (const v of r.rows) cols.upsert(v as unknown as CaseRowValues);
          rows += r.rows.length;
          if (r.rows.length < CHUNK) break;
        }
      }
      await client.query('COMMIT');
      this.copies.set(srid, { cols, version: BigInt(s.version), removals: s.removals, xmin });
      return { kind: delta ? 'delta' : 'full', rows, ms: performance.now() - t0 };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
