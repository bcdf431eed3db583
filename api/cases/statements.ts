// Named (prepared) statements for the hot case queries: planning the intake derivation costs more than running it.
// Only on a real server: the embedded PGlite is one session shared by every pg connection the pool opens over
// time, so a statement prepared by a closed connection would still exist there and a new one could not prepare it.
import { createHash } from 'node:crypto';
import type pg from 'pg';

const preparing = new WeakSet<pg.Pool>();

/** Marks a pool whose connections are real, separate server sessions (DATABASE_URL). */
export function preparedStatements(pool: pg.Pool, on: boolean): void {
  if (on) preparing.add(pool);
  else preparing.delete(pool);
}

/**
 * A query config, named when the pool prepares statements. PostgreSQL truncates names to 63 bytes, so long names
 * (one per set of changed columns) become a short prefix plus a hash of the whole name: no two can collide.
 */
export function stmt(pool: pg.Pool, name: string, text: string, values: unknown[]): pg.QueryConfig {
  if (!preparing.has(pool)) return { text, values };
  return { name: name.length <= 63 ? name : `${name.slice(0, 30)}#${createHash('sha1').update(name).digest('hex').slice(0, 24)}`, text, values };
}
