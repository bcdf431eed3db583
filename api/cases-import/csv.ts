// Streaming CSV reader for legacy exports (RFC 4180: quoted fields, "" escapes, newlines inside quotes; LF, CRLF or
// bare-CR line ends; a BOM). Any text encoding TextDecoder knows (GBK exports are common). Written here rather than
// using csv-parse because it is the import's hottest loop: records come in batches per chunk, lines without a
// quote are split with String#split, and every record carries the line it starts on.
import type { Readable } from 'node:stream';

export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface CsvBadRecord {
  line: number;
  reason: string;
}

/**
 * Yields batches of records, the header first. Empty lines are skipped. A quote that is never closed makes the
 * rest of the file one bad record, reported through `onBad`. A quote inside an unquoted field is kept as text.
 */
export async function* readCsv(input: Readable, encoding: string, onBad: (r: CsvBadRecord) => void, delimiter = ','): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder(encoding); // utf-8 by default; strips the BOM itself
  let buf = '';
  let line = 1; // line number of buf[0]
  let crOnly: boolean | null = null; // old Mac files end lines with CR alone; decided at the first line end
  const parser = new RecordParser(delimiter);
  const feed = (text: string, final: boolean): CsvRecord[] => {
    buf += crOnly ? text.replace(/\r/g, '\n') : text;
    if (crOnly === null) {
      const cr = buf.indexOf('\r');
      const lf = buf.indexOf('\n');
      if (lf >= 0 && (cr < 0 || lf < cr)) crOnly = false;
      else if (cr >= 0 && (cr + 1 < buf.length || final)) crOnly = buf[cr + 1] !== '\n';
      else if (!final) return []; // no line end seen yet
      if (crOnly) buf = buf.replace(/\r/g, '\n');
    }
    const out: CsvRecord[] = [];
    buf = buf.slice(parser.parse(buf, line, final, out, onBad));
    line = parser.line;
    return out;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const out = feed(decoder.decode(chunk, { stream: true }), false);
    if (out.length) yield out;
  }
  const out = feed(decoder.decode(), true);
  if (out.length) yield out;
}

/** Parses whole records from a string; keeps the line counter. */
class RecordParser {
  line = 1;
  constructor(private readonly d: string) {}

  /** Appends the complete records of `s` to `out`; returns how many characters were consumed. */
  parse(s: string, startLine: number, final: boolean, out: CsvRecord[], onBad: (r: CsvBadRecord) => void): number {
    const d = this.d;
    let pos = 0;
    let line = startLine;
    let quote = -2; // position of the next quote at or after pos (-1: none); found once, not once per line
    while (pos < s.length) {
      let nl = s.indexOf('\n', pos);
      if (nl < 0) {
        if (!final) break;
        nl = s.length;
      }
      const end = nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (quote !== -1 && quote < pos) quote = s.indexOf('"', pos);
      if (quote < 0 || quote >= end) {
        // fast path: no quote on this line
        if (end > pos) out.push({ line, cells: s.slice(pos, end).split(d) });
        pos = nl + 1;
        line++;
        continue;
      }
      const r = this.quoted(s, pos, line, final);
      if (r === null) break; // a quoted field runs past the data read so far
      if (r === 'unclosed') {
        onBad({ line, reason: 'CSV syntax: a quoted field is never closed (the rest of the file is inside it)' });
        pos = s.length;
        break;
      }
      out.push({ line, cells: r.cells });
      line += r.lines;
      pos = r.next;
    }
    this.line = line;
    return Math.min(pos, s.length);
  }

  /** One record containing quotes, from `pos`. null: needs more data; 'unclosed': the quote never ends. */
  private quoted(s: string, pos: number, _line: number, final: boolean): { cells: string[]; next: number; lines: number } | null | 'unclosed' {
    const d = this.d;
    const cells: string[] = [];
    let i = pos;
    let lines = 0;
    for (;;) {
      if (s[i] === '"') {
        // quoted field: up to the closing quote, "" is a quote
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q < 0) return final ? 'unclosed' : null;
          value += s.slice(j, q);
          if (s[q + 1] === '"') {
            value += '"';
            j = q + 2;
          } else {
            j = q + 1;
            break;
          }
        }
        for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) lines++;
        // text after the closing quote up to the delimiter is kept (lenient, like csv-parse's relax_quotes)
        let k = j;
        while (k < s.length && s[k] !== d && s[k] !== '\n') k++;
        if (k >= s.length && !final) return null;
        let tail = s.slice(j, k);
        if (tail.endsWith('\r') && s[k] === '\n') tail = tail.slice(0, -1);
        cells.push(value + tail);
        i = k;
      } else {
        let k = i;
        while (k < s.length && s[k] !== d && s[k] !== '\n') k++;
        if (k >= s.length && !final) return null;
        let v = s.slice(i, k);
        if (v.endsWith('\r') && s[k] === '\n') v = v.slice(0, -1);
        cells.push(v);
        i = k;
      }
      if (i >= s.length) return { cells, next: i, lines: lines + 1 };
      if (s[i] === '\n') return { cells, next: i + 1, lines: lines + 1 };
      i++; // delimiter
    }
  }
}
