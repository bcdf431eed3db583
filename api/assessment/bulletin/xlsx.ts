/**
 * XLSX export (exceljs): one sheet per bulletin table, numbers as numbers — counts as integers, rates as
 * fractions formatted 0.00 %, scores 0.00 — so the workbook sums and sorts like the office's own sheets.
 * Row 1 is the table's title, row 2 the header (an item's maximum on its own line), data from row 3.
 */
import ExcelJS from 'exceljs';
import type { Bulletin } from './model.ts';
import type { CellKind, Table } from './table.ts';

const FORMATS: Record<CellKind, string | undefined> = { text: undefined, int: '0', percent: '0.00%', change: '+0.00%;-0.00%;0.00%', score: '0.00' };

function sheet(wb: ExcelJS.Workbook, t: Table) {
  const ws = wb.addWorksheet(t.sheet, { pageSetup: { paperSize: 9, orientation: t.columns.length > 10 ? 'landscape' : 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  ws.addRow([t.title]).font = { bold: true, size: 13 };
  ws.mergeCells(1, 1, 1, t.columns.length);
  const head = ws.addRow(t.columns.map((c) => (c.sub ? `${c.label}\n${c.sub}` : c.label)));
  head.font = { bold: true };
  head.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  for (const r of [...t.rows, ...t.footer]) ws.addRow(r.map((v) => (v === null ? null : v)));
  const first = 3;
  const last = first + t.rows.length + t.footer.length - 1;
  t.columns.forEach((c, i) => {
    const column = ws.getColumn(i + 1);
    column.width = c.kind === 'text' ? Math.min(28, Math.max(8, c.label.length * 2 + 2, ...t.rows.map((r) => String(r[i] ?? '').length * 2))) : Math.max(9, c.label.length * 2);
    const fmt = FORMATS[c.kind];
    if (fmt) for (let r = first; r <= last; r++) ws.getCell(r, i + 1).numFmt = fmt;
  });
  for (let r = last - t.footer.length + 1; r <= last; r++) ws.getRow(r).font = { bold: true };
  for (const n of t.notes) ws.addRow([`注：${n}`]);
  ws.views = [{ state: 'frozen', ySplit: 2 }];
}

export async function bulletinXlsx(b: Bulletin): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'citylens';
  wb.title = b.title;
  wb.created = new Date(b.generatedAt);
  for (const t of b.tables) sheet(wb, t);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
