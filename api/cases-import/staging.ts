// The staging table of one import run and the two ways rows get into it: COPY FROM STDIN on a real server, and
// multi-row INSERTs over unnest() on the embedded PGlite, whose execProtocolRaw aborts the whole WASM instance on
// COPY FROM STDIN (the wire bridge answers COPY FROM STDIN with an SQL error instead of passing it on).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Staging columns in COPY order with their SQL types. Instants are epoch milliseconds (float8): cheaper to print
 * and to parse than ISO text, converted once in SQL. Zone-class variants (_a/_b/_c) are NULL when equal to the base.
 */
export const STAGING_COLUMNS = [
  ['line', 'int'], ['id', 'text'], ['kind', 'text'], ['major', 'text'], ['minor', 'text'], ['original_category', 'text'],
  ['source', 'text'], ['status', 'text'], ['department', 'text'], ['description', 'text'], ['address', 'text'],
  ['reporter', 'text'], ['lon', 'float8'], ['lat', 'float8'], ['reported_at', 'float8'], ['accepted_at', 'float8'],
  ['registered_at', 'float8'], ['dispatched_at', 'float8'], ['handled_at', 'float8'],
  ['verified_at', 'float8'], ['closed_at', 'float8'], ['voided_at', 'float8'],
  ['time_limit_value', 'numeric'], ['time_limit_unit', 'text'],
  ['deadline', 'float8'], ['deadline_a', 'float8'], ['deadline_b', 'float8'], ['deadline_c', 'float8'],
  ['light', 'text'], ['light_a', 'text'], ['light_b', 'text'], ['light_c', 'text'],
] as const;

export type StagingValue = string | number | null;
export type StagingRow = StagingValue[]; // in STAGING_COLUMNS order

export const CREATE_STAGING = `CREATE TEMP TABLE import_staging (
  ${STAGING_COLUMNS.map(([n, t]) => `${n} ${t}`).join(',\n  ')}
) ON COMMIT DROP`;

/** COPY text format: tab-separated, \N for NULL, backslash escapes for the four special characters. */
function copyField(v: StagingValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

export function copyLine(row: StagingRow): string {
  let s = copyField(row[0]);
  for (let i = 1; i < row.length; i++) s += '\t' + copyField(row[i]);
  return s + '\n';
}

/** COPY of ready COPY text (pieces of whole lines) into import_staging. */
export async function copyRows(client: pg.PoolClient, pieces: string[]): Promise<void> {
  const sink = client.query(copyFrom(`COPY import_staging (${STAGING_COLUMNS.map(([n]) => n).join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(pieces), sink);
}

const INSERT_BATCH = 2000;

/** Inserts rows into import_staging in batches of INSERT_BATCH, one unnest() statement each. */
export async function insertRows(client: pg.PoolClient, rows: StagingRow[]): Promise<void> {
  const sql = `INSERT INTO import_staging SELECT * FROM unnest(${STAGING_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`;
  for (let k = 0; k < rows.length; k += INSERT_BATCH) {
    const batch = rows.slice(k, k + INSERT_BATCH);
    await client.query(sql, STAGING_COLUMNS.map((_, i) => batch.map((r) => r[i])));
  }
}
