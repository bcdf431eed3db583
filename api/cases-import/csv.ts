// Streaming CSV reader for legacy exports: any text encoding TextDecoder knows (GBK exports are common), the first
// record is the header, every record comes with the line number it starts on. Rows with broken quoting are
// reported, not fatal.
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';

export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface CsvBadRecord {
  line: number;
  reason: string;
}

/** Decodes bytes of `encoding` into UTF-8 strings, keeping multi-byte characters split across chunks intact. */
function decoder(encoding: string): Transform {
  const d = new TextDecoder(encoding);
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _enc, cb) {
      cb(null, d.decode(chunk, { stream: true }));
    },
    flush(cb) {
      cb(null, d.decode());
    },
  });
}

const isUtf8 = (e: string) => /^utf-?8$/i.test(e);

/**
 * Yields the header (line 1 normally) and then each record. `onBad` receives records csv-parse could not read
 * (unclosed quotes …); they are skipped.
 */
export async function* readCsv(input: Readable, encoding: string, onBad: (r: CsvBadRecord) => void): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (err: Error & { lines?: number }) => onBad({ line: err.lines ?? 0, reason: `CSV syntax: ${err.message}` }));
  const source = isUtf8(encoding) ? input : input.pipe(decoder(encoding));
  input.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // info.lines is the line the record ends on; step back over newlines inside quoted cells.
    let inner = 0;
    for (const c of record) if (c.includes('\n')) inner += c.split('\n').length - 1;
    yield { line: info.lines - inner, cells: record };
  }
}
