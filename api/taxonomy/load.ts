// Reads geodata/taxonomy (CSV files + active.json) and writes it into the `taxonomy` table.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { transaction } from '../db/connect.ts';
import { parseTaxonomyCsv, TaxonomyError, validateTaxonomy, type TaxonomyIssue, type TaxonomyRow } from '../domain/taxonomy.ts';

/** The shipped taxonomy folder (geodata/taxonomy at the repository root). */
export const TAXONOMY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata/taxonomy');

/** Every *.csv in `dir`, parsed and validated together (codes must be unique across files). Throws TaxonomyError. */
export function readTaxonomy(dir: string = TAXONOMY_DIR): TaxonomyRow[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new TaxonomyError([{ file: dir, line: 0, field: 'row', message: 'no taxonomy CSV files' }]);
  const rows: TaxonomyRow[] = [];
  const issues: TaxonomyIssue[] = [];
  for (const f of files) {
    const parsed = parseTaxonomyCsv(fs.readFileSync(path.join(dir, f), 'utf8'), f);
    rows.push(...parsed.rows);
    issues.push(...parsed.issues);
  }
  issues.push(...validateTaxonomy(rows));
  if (issues.length) throw new TaxonomyError(issues);
  return rows;
}

/**
 * The deployment's active standard: TAXONOMY_STANDARD if set, else `standard` in `dir`/active.json.
 * (Read from the environment here because api/config.ts does not carry it yet.)
 */
export function activeStandard(dir: string = TAXONOMY_DIR, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TAXONOMY_STANDARD) return env.TAXONOMY_STANDARD;
  const file = path.join(dir, 'active.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err: any) {
    throw new Error(`cannot read ${file}: ${err?.message ?? err}`);
  }
  const standard = (parsed as { standard?: unknown })?.standard;
  if (typeof standard !== 'string' || !standard) throw new Error(`${file}: "standard" must be a non-empty string`);
  return standard;
}

/**
 * Upserts every standard found in `dir` into `taxonomy` in one transaction (one INSERT over unnest arrays).
 * Rows no longer in the files are kept: cases may still refer to them. Returns the number of rows written.
 */
export async function loadTaxonomy(pool: pg.Pool, dir: string = TAXONOMY_DIR): Promise<number> {
  const rows = readTaxonomy(dir);
  const active = activeStandard(dir);
  if (!rows.some((r) => r.standard === active)) {
    throw new Error(`active taxonomy standard "${active}" is not in ${dir} (has: ${[...new Set(rows.map((r) => r.standard))].join(', ')})`);
  }
  const col = <T>(f: (r: TaxonomyRow) => T) => rows.map(f);
  await transaction(pool, (c) =>
    c.query(
      `INSERT INTO taxonomy (standard, kind, code, level, major_code, name, register_condition,
                             time_limit_value, time_limit_unit, close_condition)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::numeric[], $9::text[], $10::text[])
       ON CONFLICT (standard, kind, code) DO UPDATE SET
         level = EXCLUDED.level, major_code = EXCLUDED.major_code, name = EXCLUDED.name,
         register_condition = EXCLUDED.register_condition, time_limit_value = EXCLUDED.time_limit_value,
         time_limit_unit = EXCLUDED.time_limit_unit, close_condition = EXCLUDED.close_condition`,
      [
        col((r) => r.standard), col((r) => r.kind), col((r) => r.code), col((r) => r.level), col((r) => r.majorCode),
        col((r) => r.name), col((r) => r.registerCondition), col((r) => r.timeLimit?.value ?? null),
        col((r) => r.timeLimit?.unit ?? null), col((r) => r.closeCondition),
      ],
    ),
  );
  return rows.length;
}
