/** Streaming gzip CSV writer with backpressure: rows go out in ~1 MB chunks, memory stays flat at any size. */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { once } from 'node:events';

export type Cell = string | number | boolean | null | undefined;

export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class CsvGzWriter {
  private gz: zlib.Gzip;
  private out: fs.WriteStream;
  private buf: string[] = [];
  private size = 0;
  private done: Promise<void>;
  rows = 0;

  constructor(file: string, header: readonly string[]) {
    // Fixed level and no file name/mtime in the header (Node writes none): same rows → same bytes.
    this.gz = zlib.createGzip({ level: 6 });
    this.out = fs.createWriteStream(file);
    this.gz.pipe(this.out);
    this.done = once(this.out, 'close').then(() => undefined);
    this.buf.push(header.join(',') + '\n');
  }

  async write(row: readonly Cell[]): Promise<void> {
    const line = row.map(csvField).join(',') + '\n';
    this.buf.push(line);
    this.size += line.length;
    this.rows++;
    if (this.size > 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.gz.write(chunk)) await once(this.gz, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.gz.end();
    await this.done;
  }
}

export function csvWriteSync(file: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
}
