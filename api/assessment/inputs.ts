/**
 * Manual scheme inputs (其他评价, 市局督查, 加分事项 …): PUT /api/assessment/inputs by a manager. Every change is
 * written with its audit row (actor, role, time, value before and after) in one transaction; a value of null
 * removes the input (the item falls back to its default).
 */
import type pg from 'pg';
import { transaction } from '../db/connect.ts';
import type { ManualInputs } from '../domain/assessment/score.ts';
import { forGroup, type ManualItem, type Scheme } from '../domain/assessment/scheme.ts';
import type { Actor } from '../domain/tokens.ts';
import { BadRequest } from './params.ts';

export interface InputChange {
  unit: string;
  item: string;
  value: number | null;
  note?: string | null;
}

export interface AuditRow {
  id: number;
  scheme: string;
  period: string;
  unit: string;
  item: string;
  before: number | null;
  after: number | null;
  note: string | null;
  actor: string;
  role: string;
  at: string;
}

export async function readInputs(pool: pg.Pool | pg.PoolClient, scheme: string, periods: string[]): Promise<Map<string, ManualInputs>> {
  const { rows } = await pool.query<{ period: string; unit: string; item: string; value: number; note: string | null; updated_by: string; updated_at: Date }>(
    `SELECT period, unit, item, value, note, updated_by, updated_at FROM assessment_inputs WHERE scheme = $1 AND period = ANY($2::text[])`,
    [scheme, periods],
  );
  const out = new Map<string, ManualInputs>(periods.map((p) => [p, new Map()]));
  for (const r of rows) {
    const byUnit = out.get(r.period)!;
    if (!byUnit.has(r.unit)) byUnit.set(r.unit, new Map());
    byUnit.get(r.unit)!.set(r.item, { value: Number(r.value), note: r.note, by: r.updated_by, at: r.updated_at.toISOString() });
  }
  return out;
}

export async function readAudit(pool: pg.Pool, scheme: string, period: string, limit = 500): Promise<AuditRow[]> {
  const { rows } = await pool.query(
    `SELECT id, scheme, period, unit, item, before, after, note, actor, role, at FROM assessment_input_audit
      WHERE scheme = $1 AND period = $2 ORDER BY id DESC LIMIT $3`,
    [scheme, period, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), before: r.before === null ? null : Number(r.before), after: r.after === null ? null : Number(r.after), at: (r.at as Date).toISOString() }));
}

/** Checks every change against the scheme (manual item, value range for the unit's group). Throws BadRequest. */
export function validateChanges(scheme: Scheme, changes: InputChange[], groupOf: Map<string, string | null>): void {
  changes.forEach((c, i) => {
    const f = `inputs[${i}]`;
    if (!groupOf.has(c.unit)) throw new BadRequest(`${f}.unit`, `"${c.unit}" is not a ${scheme.by} of this city`);
    const item = scheme.items.find((it) => it.id === c.item);
    if (!item) throw new BadRequest(`${f}.item`, `"${c.item}" is not an item of scheme ${scheme.id} (items: ${scheme.items.map((it) => it.id).join(', ')})`);
    if (item.type !== 'manual') {
      const manual = scheme.items.filter((it) => it.type === 'manual').map((it) => it.id);
      throw new BadRequest(`${f}.item`, `"${c.item}" is computed from the cases, not entered (manual items of ${scheme.id}: ${manual.join(', ') || 'none'})`);
    }
    if (c.value === null) return;
    const m = item as ManualItem;
    const max = forGroup(m.max, groupOf.get(c.unit) ?? null);
    if (c.value < m.min || c.value > max) throw new BadRequest(`${f}.value`, `${c.value} is outside ${m.min}–${max} for ${item.name}`);
  });
  const seen = new Set<string>();
  changes.forEach((c, i) => {
    const k = `${c.unit}\u0000${c.item}`;
    if (seen.has(k)) throw new BadRequest(`inputs[${i}]`, `unit ${c.unit} item ${c.item} is listed twice`);
    seen.add(k);
  });
}

/** Applies the changes with their audit rows, all or nothing. Unchanged values write nothing. */
export async function writeInputs(pool: pg.Pool, scheme: string, period: string, changes: InputChange[], actor: Actor): Promise<AuditRow[]> {
  return transaction(pool, async (client) => {
    const audit: AuditRow[] = [];
    for (const c of changes) {
      const cur = await client.query<{ value: number; note: string | null }>(
        `SELECT value, note FROM assessment_inputs WHERE scheme = $1 AND period = $2 AND unit = $3 AND item = $4 FOR UPDATE`,
        [scheme, period, c.unit, c.item]);
      const before = cur.rows[0] ? Number(cur.rows[0].value) : null;
      const note = c.note ?? null;
      if (before === c.value && (c.value === null || (cur.rows[0]?.note ?? null) === note)) continue;
      if (c.value === null) {
        await client.query(`DELETE FROM assessment_inputs WHERE scheme = $1 AND period = $2 AND unit = $3 AND item = $4`, [scheme, period, c.unit, c.item]);
      } else {
        await client.query(
          `INSERT INTO assessment_inputs (scheme, period, unit, item, value, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT (scheme, period, unit, item) DO UPDATE SET value = EXCLUDED.value, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [scheme, period, c.unit, c.item, c.value, note, actor.user]);
      }
      const { rows } = await client.query(
        `INSERT INTO assessment_input_audit (scheme, period, unit, item, before, after, note, actor, role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id, at`,
        [scheme, period, c.unit, c.item, before, c.value, note, actor.user, actor.role]);
      audit.push({ id: Number(rows[0].id), scheme, period, unit: c.unit, item: c.item, before, after: c.value, note, actor: actor.user, role: actor.role, at: (rows[0].at as Date).toISOString() });
    }
    return audit;
  });
}
