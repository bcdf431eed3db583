/**
 * CSV export: one file per table (`/bulletin/2026-10.csv?table=scores`), UTF-8 with a byte-order mark so Excel
 * opens the Chinese text correctly. Numbers are written as numbers (rates as fractions, 4 decimals more than
 * printed), one header line (the item's maximum, if any, in brackets), footer rows last.
 */
import type { Bulletin } from './model.ts';
import { BULLETIN_TABLES, type BulletinTableId, type Cell } from './table.ts';

export { BULLETIN_TABLES, type BulletinTableId };

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
  return quote(v);
}

export function bulletinCsv(b: Bulletin, id: BulletinTableId): string {
  const t = b.tables.find((x) => x.id === id)!;
  const head = t.columns.map((c) => quote(c.sub ? `${c.label}（${c.sub}）` : c.label)).join(',');
  const lines = [head, ...[...t.rows, ...t.footer].map((r) => r.map(cell).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
