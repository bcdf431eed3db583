/**
 * The bulletin's tables as plain data: the HTML page, the XLSX workbook and the CSV files are all drawn from
 * these, so the three carry the same numbers. Rates are fractions (0.5758), printed as percentages.
 */

export const BULLETIN_TABLES = ['sources', 'categories', 'deductions', 'scores', 'top', 'departments'] as const;
export type BulletinTableId = (typeof BULLETIN_TABLES)[number];

export type CellKind = 'text' | 'int' | 'percent' | 'score' | 'change';
export type Cell = string | number | null;

export interface Column {
  key: string;
  label: string;
  kind: CellKind;
  /** second header line (an item's maximum: "20分") */
  sub?: string;
}

export interface Table {
  id: BulletinTableId;
  /** sheet / file title, e.g. 附件2 绩效考核评价结果及排名统计表 */
  title: string;
  /** short sheet name (Excel allows 31 characters) */
  sheet: string;
  columns: Column[];
  rows: Cell[][];
  /** 合计 / 总计 rows */
  footer: Cell[][];
  notes: string[];
}

/** "57.58%", "—" without a value. */
export function formatPercent(v: Cell): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return `${(Math.round(Number((Math.abs(v) * 100 * 100).toPrecision(12))) / 100 * Math.sign(v)).toFixed(2)}%`;
}

/** A cell as text, the way the bulletin prints it. */
export function formatCell(v: Cell, kind: CellKind): string {
  if (v === null || v === undefined) return kind === 'text' ? '' : '—';
  if (typeof v === 'string') return v;
  switch (kind) {
    case 'percent':
      return formatPercent(v);
    case 'change':
      return `${v > 0 ? '+' : ''}${formatPercent(v)}`;
    case 'score':
      return v.toFixed(2);
    default:
      return String(v);
  }
}
