// The staging table of one import run and the two ways rows get into it: COPY FROM STDIN on a real server, and
// multi-row INSERTs over unnest() on the embedded PGlite, whose execProtocolRaw aborts the whole WASM instance on
// COPY FROM STDIN (the wire bridge forwards the CopyData protocol, PGlite cannot take it).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Staging columns in COPY order with their SQL types. Zone-class variants (_a/_b/_c) are NULL when equal to the base. */
export const STAGING_COLUMNS = [
  ['line', 'int'], ['id', 'text'], ['kind', 'text'], ['major', 'text'], ['minor', 'text'], ['original_category', 'text'],
  ['source', 'text'], ['status', 'text'], ['department', 'text'], ['description', 'text'], ['address', 'text'],
  ['reporter', 'text'], ['lon', 'float8'], ['lat', 'float8'], ['reported_at', 'timestamptz'], ['accepted_at', 'timestamptz'],
  ['registered_at', 'timestamptz'], ['dispatched_at', 'timestamptz'], ['handled_at', 'timestamptz'],
  ['verified_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['voided_at', 'timestamptz'],
  ['time_limit_value', 'numeric'], ['time_limit_unit', 'text'],
  ['deadline', 'timestamptz'], ['deadline_a', 'timestamptz'], ['deadline_b', 'timestamptz'], ['deadline_c', 'timestamptz'],
  ['light', 'text'], ['light_a', 'text'], ['light_b', 'text'], ['light_c', 'text'],
] as const;

export type StagingValue = string | number | Date | null;
export type StagingRow = StagingValue[]; // in STAGING_COLUMNS order

export const CREATE_STAGING = `CREATE TEMP TABLE import_staging (
  ${STAGING_COLUMNS.map(([n, t]) => `${n} ${t}`).join(',\n  ')}
) ON COMMIT DROP`;

/** COPY text format: tab-separated, \N for NULL, backslash escapes for the four special characters. */
function copyField(v: StagingValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return v.toISOString();
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

export function copyLine(row: StagingRow): string {
  let s = copyField(row[0]);
  for (let i = 1; i < row.length; i++) s += '\t' + copyField(row[i]);
  return s + '\n';
}

/** Streams rows into import_staging with COPY; `rows` is consumed as the server takes them (back-pressure). */
export async function copyRows(client: pg.PoolClient, rows: AsyncIterable<StagingRow>): Promise<void> {
  async function* chunks() {
    let buf = '';
    for await (const r of rows) {
      buf += copyLine(r);
      if (buf.length > 256 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  const sink = client.query(copyFrom(`COPY import_staging (${STAGING_COLUMNS.map(([n]) => n).join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks()), sink);
}

const INSERT_BATCH = 2000;

/** Inserts rows into import_staging in batches of INSERT_BATCH, one unnest() statement each. */
export async function insertRows(client: pg.PoolClient, rows: AsyncIterable<StagingRow>): Promise<void> {
  const sql = `INSERT INTO import_staging SELECT * FROM unnest(${STAGING_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`;
  let batch: StagingRow[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const cols = STAGING_COLUMNS.map((_, i) => batch.map((r) => (r[i] instanceof Date ? (r[i] as Date).toISOString() : r[i])));
    await client.query(sql, cols);
    batch = [];
  };
  for await (const r of rows) {
    batch.push(r);
    if (batch.length >= INSERT_BATCH) await flush();
  }
  await flush();
}
