/** The taxonomy the demo city draws its categories and time limits from (geodata/taxonomy, one standard). */
import fs from 'node:fs';
import { parseTaxonomyCsv, type TaxonomyKind } from '../../api/domain/taxonomy.ts';
import type { TimeLimit } from '../../api/domain/calendar.ts';

export interface Minor {
  kind: TaxonomyKind;
  code: string;
  major: string;
  name: string;
  limit: TimeLimit;
}

export class Categories {
  private byKindName = new Map<string, Minor>();
  readonly minors: Minor[];

  constructor(minors: Minor[]) {
    this.minors = minors;
    for (const m of minors) this.byKindName.set(`${m.kind}:${m.name}`, m);
  }

  /** The minor of this kind with exactly this name; throws if the taxonomy lacks it (names are the contract). */
  get(kind: TaxonomyKind, name: string): Minor {
    const m = this.byKindName.get(`${kind}:${name}`);
    if (!m) throw new Error(`taxonomy has no ${kind} minor named ${name}`);
    return m;
  }

  has(kind: TaxonomyKind, name: string): boolean {
    return this.byKindName.has(`${kind}:${name}`);
  }

  ofMajor(kind: TaxonomyKind, major: string): Minor[] {
    return this.minors.filter((m) => m.kind === kind && m.major === major);
  }
}

export function readCategories(file: string): Categories {
  const { rows, issues } = parseTaxonomyCsv(fs.readFileSync(file, 'utf8'), file);
  if (issues.length) throw new Error(`${file}: ${issues.map((i) => `${i.line} ${i.field}: ${i.message}`).join('; ')}`);
  const minors = rows
    .filter((r) => r.level === 'minor' && r.timeLimit)
    .map((r) => ({ kind: r.kind, code: r.code, major: r.majorCode, name: r.name, limit: r.timeLimit! }));
  return new Categories(minors);
}
