// Transactions for analysis queries. PostGIS functions carry large cost estimates, so PostgreSQL's JIT compiles
// even small queries (seconds for a month of cases, ~10 ms for an intake lookup) — analysis turns it off locally.
import pg from 'pg';
import { transaction } from '../db/connect.ts';

export type Client = Pick<pg.ClientBase, 'query'>;

/** A pool gets its own transaction; a client is used as it is (the caller's transaction). */
export function inTransaction<T>(db: pg.Pool | Client, fn: (c: Client) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? transaction(db, fn) : fn(db);
}

/** Settings local to the current transaction: no JIT, enough memory to sort a month of cases in memory. */
export const ANALYSIS_SETTINGS_SQL = `set_config('jit', 'off', true), set_config('work_mem', '128MB', true)`;

export async function tuneForAnalysis(c: Client): Promise<void> {
  await c.query(`SELECT ${ANALYSIS_SETTINGS_SQL}`);
}
