import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv, type CsvBadRecord, type CsvRecord } from '../../api/cases-import/csv.ts';
import { pipelined } from '../../api/cases-import/pipeline.ts';
import { parseCalendar } from '../../api/domain/calendar.ts';
import { compileDateFormat, fromZonedWallClock } from '../../api/domain/date-format.ts';
import {
  deadlineVariants, mappedColumns, mapRow, MappingError, parseMapping, TaxonomyIndex, type ImportedCase, type RowContext,
} from '../../api/domain/case-import.ts';
import { readTaxonomy } from '../../api/taxonomy/load.ts';
import { DEFAULT_ZONE_TIME_LIMIT_FACTORS } from '../../api/domain/zones.ts';

const cal = parseCalendar(JSON.parse(readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));
const taxonomy = new TaxonomyIndex(readTaxonomy().filter((r) => r.standard === 'CJ/T 214-2007'));
const taxonomy5 = new TaxonomyIndex(readTaxonomy().filter((r) => r.standard === 'GB/T 47678.5-2026'));
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

describe('date formats', () => {
  const ny = compileDateFormat('MM/dd/yyyy hh:mm:ss a', 'America/New_York');

  it('reads a 12-hour clock: 12 AM is midnight, 12 PM is noon', () => {
    expect(iso(ny('01/05/2024 12:30:00 AM'))).toBe('2024-01-05T05:30:00.000Z');
    expect(iso(ny('01/05/2024 12:30:00 PM'))).toBe('2024-01-05T17:30:00.000Z');
    expect(iso(ny('01/05/2024 01:02:03 pm'))).toBe('2024-01-05T18:02:03.000Z');
    expect(ny('01/05/2024 13:00:00 PM')).toBeNull();
    expect(ny('01/05/2024 00:10:00 AM')).toBeNull();
  });

  it('applies the IANA zone, daylight saving included', () => {
    expect(iso(ny('07/04/2024 09:00:00 AM'))).toBe('2024-07-04T13:00:00.000Z'); // EDT, UTC−4
    expect(iso(ny('12/04/2024 09:00:00 AM'))).toBe('2024-12-04T14:00:00.000Z'); // EST, UTC−5
    // 2024-03-10 02:30 does not exist in New York: moved forward by the gap (03:30 EDT)
    expect(iso(ny('03/10/2024 02:30:00 AM'))).toBe('2024-03-10T07:30:00.000Z');
    // 2024-11-03 01:30 happens twice: the earlier (EDT) is taken
    expect(iso(ny('11/03/2024 01:30:00 AM'))).toBe('2024-11-03T05:30:00.000Z');
    // and east of Greenwich (Berlin falls back 2024-10-27 03:00 → 02:00)
    expect(fromZonedWallClock(Date.UTC(2024, 9, 27, 2, 30), 'Europe/Berlin')).toBe(Date.UTC(2024, 9, 27, 0, 30));
    expect(iso(compileDateFormat('yyyy-MM-dd HH:mm', 'Asia/Shanghai')('2025-03-04 08:30'))).toBe('2025-03-04T00:30:00.000Z');
  });

  it('reads ISO 8601 with or without an offset, epoch seconds and milliseconds', () => {
    const p = compileDateFormat('iso', 'Asia/Shanghai');
    expect(iso(p('2025-01-05 08:30:00'))).toBe('2025-01-05T00:30:00.000Z');
    expect(iso(p('2025-01-05T08:30'))).toBe('2025-01-05T00:30:00.000Z');
    expect(iso(p('2025-01-05T08:30:00Z'))).toBe('2025-01-05T08:30:00.000Z');
    expect(iso(p('2025-01-05T08:30:00.25+09:00'))).toBe('2025-01-04T23:30:00.250Z');
    expect(iso(p('2025-01-05'))).toBe('2025-01-04T16:00:00.000Z');
    expect(p('2025-02-30')).toBeNull();
    expect(iso(p('2024-02-29T12:00:00Z'))).toBe('2024-02-29T12:00:00.000Z');
    expect(p('2025-02-29')).toBeNull();
    expect(p('2100-02-29')).toBeNull();
    expect(p('2000-02-29')).not.toBeNull();
    expect(p('05/01/2025')).toBeNull();
    expect(iso(compileDateFormat('epoch', 'UTC')('1736066400'))).toBe('2025-01-05T08:40:00.000Z');
    expect(iso(compileDateFormat('epoch_ms', 'UTC')('1736066400000'))).toBe('2025-01-05T08:40:00.000Z');
  });

  it('reads month names, short fields, literals and Chinese markers', () => {
    expect(iso(compileDateFormat('dd-MMM-yyyy HH:mm', 'UTC')('05-Jan-2025 08:30'))).toBe('2025-01-05T08:30:00.000Z');
    expect(iso(compileDateFormat("yyyy年M月d日 H时m分", 'Asia/Shanghai')('2025年1月5日 8时30分'))).toBe('2025-01-05T00:30:00.000Z');
    expect(iso(compileDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX", 'Asia/Shanghai')('2025-01-05T08:30:00-05:00'))).toBe('2025-01-05T13:30:00.000Z');
    expect(iso(compileDateFormat('yyyy/M/d a h:mm', 'Asia/Shanghai')('2025/1/5 下午 2:05'))).toBe('2025-01-05T06:05:00.000Z');
    expect(iso(compileDateFormat('yyyyMMddHHmmss', 'Asia/Shanghai')('20250105083000'))).toBe('2025-01-05T00:30:00.000Z');
  });

  it('refuses formats it cannot use', () => {
    expect(() => compileDateFormat('MM/dd/yyyy hh:mm', 'UTC')).toThrow(/12-hour clock/);
    expect(() => compileDateFormat('dd.MM HH:mm', 'UTC')).toThrow(/no year/);
    expect(() => compileDateFormat('yyyy-MM-dd Q', 'UTC')).toThrow(/unknown token "Q"/);
    expect(() => compileDateFormat('iso', 'Mars/Olympus')).toThrow(RangeError);
  });
});

// ------------------------------------------------------------------------------------------------ mapping

const MAPPING = {
  id: 'CASE_ID',
  reportedAt: { column: 'OPEN_DT', format: 'MM/dd/yyyy hh:mm:ss a', timezone: 'America/New_York' },
  closedAt: { column: 'CLOSED_DT', format: 'MM/dd/yyyy hh:mm:ss a', timezone: 'America/New_York' },
  deadline: { column: 'TARGET_DT' },
  lon: 'LONGITUDE', lat: 'LATITUDE', category: 'TYPE', department: 'SUBJECT', source: 'Source', status: 'CASE_STATUS',
  categoryMap: { 'Illegal Vending': '0501', 'Manhole Cover Missing': 'component:0101', Graffiti: 'event:02' },
  sourceMap: { 'Citizens Connect App': 'wechat', 'Constituent Call': 'hotline' },
  statusMap: { Open: 'dispatched', Closed: 'closed' },
  departmentMap: { PWDx: 'd1' },
};
const NOW = new Date('2025-06-01T00:00:00Z');
const ctx = (mapping: unknown = MAPPING, extra: Partial<RowContext> = {}): RowContext => ({
  mapping: parseMapping(mapping, taxonomy, cal.timezone), taxonomy, calendar: cal, crs: 'wgs84', now: NOW, ...extra,
});
const GOOD: Record<string, string> = {
  CASE_ID: 'X1', OPEN_DT: '03/04/2025 09:15:00 AM', CLOSED_DT: '', TARGET_DT: '', LONGITUDE: '109.47', LATITUDE: '24.27',
  TYPE: 'Illegal Vending', SUBJECT: 'PWDx', Source: 'Constituent Call', CASE_STATUS: 'Open',
};
const row = (over: Record<string, string> = {}, c: RowContext = ctx()) => mapRow((col) => ({ ...GOOD, ...over })[col], 7, c);
const ok = (over: Record<string, string> = {}, c?: RowContext): ImportedCase => {
  const r = row(over, c);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.row;
};
const codes = (over: Record<string, string>, c?: RowContext) => {
  const r = row(over, c);
  return r.ok ? [] : r.problems.map((p) => p.code);
};

describe('mapping document', () => {
  it('lists the columns it reads', () => {
    expect(mappedColumns(parseMapping(MAPPING, taxonomy, 'Asia/Shanghai')).sort()).toEqual(
      ['CASE_ID', 'CASE_STATUS', 'CLOSED_DT', 'LATITUDE', 'LONGITUDE', 'OPEN_DT', 'SUBJECT', 'Source', 'TARGET_DT', 'TYPE'],
    );
  });

  it('names the field of every mistake', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...MAPPING, id: undefined }, /mapping id: required/],
      [{ ...MAPPING, source: undefined }, /mapping source: required/],
      [{ ...MAPPING, reportedAt: undefined }, /mapping reportedAt: required/],
      [{ ...MAPPING, reportedAt: { column: 'OPEN_DT', format: 'MM/dd/yyyy hh:mm' } }, /reportedAt.format: .*12-hour/],
      [{ ...MAPPING, closedAt: { column: 'CLOSED_DT', timezone: 'Moon/Base' } }, /closedAt.timezone: "Moon\/Base" is not an IANA time zone/],
      [{ ...MAPPING, categoryMap: { Potholes: '9999' } }, /categoryMap.Potholes: "9999" is not a minor or major code/],
      [{ ...MAPPING, statusMap: { Open: 'pending' } }, /statusMap.Open: "pending" is not a status/],
      [{ ...MAPPING, sourceMap: { App: 'twitter' } }, /sourceMap.App: "twitter" is not a source/],
      [{ ...MAPPING, encoding: 'klingon' }, /encoding: unknown text encoding/],
      [{ ...MAPPING, colour: 'X' }, /mapping colour: unknown key/],
      [{ ...MAPPING, lon: 3 }, /mapping lon: expected a column name/],
    ];
    for (const [m, msg] of bad) expect(() => parseMapping(m, taxonomy, 'Asia/Shanghai')).toThrow(msg);
    expect(() => parseMapping([], taxonomy, 'Asia/Shanghai')).toThrow(MappingError);
  });
});

describe('row mapping', () => {
  it('maps a good row: codes, source, status, time zone, department map, computed deadline', () => {
    const r = ok();
    expect(r).toMatchObject({ line: 7, id: 'X1', kind: 'event', major: '05', minor: '0501', originalCategory: null, source: 'hotline', status: 'dispatched', department: 'd1', lon: 109.47, lat: 24.27, deadlineGiven: false });
    expect(iso(r.times.reportedAt)).toBe('2025-03-04T14:15:00.000Z'); // 09:15 EST
    // registered at report (22:15 Beijing, after work): 1 work hour → next workday 09:30 Beijing
    expect(iso(r.times.registeredAt)).toBe('2025-03-04T14:15:00.000Z');
    expect(iso(r.times.deadline)).toBe('2025-03-05T01:30:00.000Z');
  });

  it('lets a deadline column win over the taxonomy', () => {
    const r = ok({ TARGET_DT: '2025-03-06T18:00:00+08:00' });
    expect(r.deadlineGiven).toBe(true);
    expect(iso(r.times.deadline)).toBe('2025-03-06T10:00:00.000Z');
    expect(deadlineVariants(r, cal, DEFAULT_ZONE_TIME_LIMIT_FACTORS, NOW, 0.8).byClass).toEqual({ A: null, B: null, C: null });
  });

  it('finds categories by map, own code, kind-qualified code and minor name; the rest keep their label in the catch-all', () => {
    expect(ok({ TYPE: 'Manhole Cover Missing' })).toMatchObject({ kind: 'component', minor: '0101', originalCategory: null });
    expect(ok({ TYPE: 'Graffiti' })).toMatchObject({ kind: 'event', minor: '0299', originalCategory: 'Graffiti' }); // mapped to a major
    expect(ok({ TYPE: '0102' })).toMatchObject({ kind: 'event', minor: '0102', originalCategory: null });
    expect(ok({ TYPE: 'component:0103' })).toMatchObject({ kind: 'component', minor: '0103' });
    expect(ok({ TYPE: '无照经营游商' })).toMatchObject({ minor: '0501', originalCategory: null });
    expect(ok({ TYPE: 'Needle Pickup' })).toMatchObject({ kind: 'event', major: '06', minor: '0699', originalCategory: 'Needle Pickup' });
    expect(ok({ TYPE: '' })).toMatchObject({ minor: '0699', originalCategory: null });
    // a "*" entry replaces the default catch-all, still keeping the label
    expect(ok({ TYPE: 'Needle Pickup' }, ctx({ ...MAPPING, categoryMap: { '*': 'event:01' } }))).toMatchObject({ minor: '0199', originalCategory: 'Needle Pickup' });
    // a kind column: components fall into 其他部件 0699 of the component tree
    const kinds = ctx({ ...MAPPING, kind: 'KIND', kindMap: { C: 'component' } });
    expect(mapRow((c) => ({ ...GOOD, KIND: 'C', TYPE: 'Broken Bench' })[c], 2, kinds)).toMatchObject({ ok: true, row: { kind: 'component', minor: '0699', originalCategory: 'Broken Bench' } });
    expect(mapRow((c) => ({ ...GOOD, KIND: '部件', TYPE: '0102' })[c], 2, kinds)).toMatchObject({ ok: true, row: { kind: 'component', minor: '0102' } });
    // 5-digit standard: catch-all NN099
    const c5: RowContext = { ...ctx(), taxonomy: taxonomy5, mapping: parseMapping({ ...MAPPING, categoryMap: {} }, taxonomy5, cal.timezone) };
    expect(ok({ TYPE: 'Needle Pickup' }, c5)).toMatchObject({ minor: '06099', originalCategory: 'Needle Pickup' });
  });

  it('reads built-in Chinese labels for source and status, and constants', () => {
    expect(ok({ Source: '12345', CASE_STATUS: '已派遣' })).toMatchObject({ source: 'hotline', status: 'dispatched' });
    expect(ok({ Source: '监督员上报', CASE_STATUS: '处置中' })).toMatchObject({ source: 'patrol' });
    const c = ctx({ ...MAPPING, source: { value: 'leader' }, status: undefined });
    expect(ok({}, c)).toMatchObject({ source: 'leader', status: 'reported' });
    expect(ok({ CLOSED_DT: '03/05/2025 10:00:00 AM' }, c)).toMatchObject({ status: 'closed' }); // no status column: closed when a close time is given
    expect(ok({}, c).times.deadline).toBeNull(); // not registered yet: no deadline
  });

  it('converts GCJ-02 coordinates to WGS84', () => {
    const r = ok({}, ctx(MAPPING, { crs: 'gcj02' }));
    expect(r.lon).toBeLessThan(109.47);
    expect(r.lon).toBeGreaterThan(109.46);
    expect(r.lat).toBeGreaterThan(24.26);
  });

  it('rejects each kind of bad row with a reason', () => {
    expect(codes({ LONGITUDE: 'abc' })).toEqual(['bad-coordinates']);
    expect(codes({ LONGITUDE: '', LATITUDE: '' })).toEqual(['bad-coordinates']);
    expect(codes({ LONGITUDE: '0', LATITUDE: '0' })).toEqual(['bad-coordinates']);
    const swapped = row({ LONGITUDE: '24.27', LATITUDE: '109.47' });
    expect(swapped.ok || swapped.problems[0].message).toMatch(/swapped/);
    expect(codes({ LONGITUDE: '500000', LATITUDE: '2680000' })).toEqual(['bad-coordinates']);
    expect(codes({ OPEN_DT: '2025-03-04 09:15' })).toEqual(['bad-date']);
    expect(codes({ OPEN_DT: '' })).toEqual(['missing-field']);
    expect(codes({ CASE_ID: ' ' })).toEqual(['missing-field']);
    expect(codes({ CLOSED_DT: '03/03/2025 09:15:00 AM', CASE_STATUS: 'Closed' })).toEqual(['time-order']);
    expect(row({ CLOSED_DT: '03/03/2025 09:15:00 AM', CASE_STATUS: 'Closed' }).ok === false && row({ CLOSED_DT: '03/03/2025 09:15:00 AM', CASE_STATUS: 'Closed' })).toMatchObject({ problems: [{ message: expect.stringMatching(/^closed before opened/) }] });
    expect(codes({ TARGET_DT: '2025-03-01T00:00:00Z' })).toEqual(['time-order']);
    expect(codes({ CASE_STATUS: 'Pending Review' })).toEqual(['unknown-status']);
    expect(codes({ Source: 'Twitter' })).toEqual(['unknown-source']);
    expect(codes({ Source: '' })).toEqual(['missing-field']);
    expect(codes({ CASE_STATUS: 'Closed' })).toEqual(['status-mismatch']); // closed without a close time
    expect(codes({ CLOSED_DT: '03/05/2025 09:15:00 AM' })).toEqual(['status-mismatch']); // open with a close time
    expect(codes({ OPEN_DT: '03/04/2027 09:15:00 AM' })).toEqual(['future-date']);
    const kinds = ctx({ ...MAPPING, kind: 'KIND' });
    expect(mapRow((c) => ({ ...GOOD, KIND: 'thing' })[c], 2, kinds)).toMatchObject({ ok: false, problems: [{ code: 'unknown-kind' }] });
    // several problems of one row are all reported
    expect(codes({ LONGITUDE: 'x', OPEN_DT: 'yesterday', CASE_STATUS: '?' })).toEqual(['bad-coordinates', 'bad-date', 'unknown-status']);
    // statusMap "*" accepts anything else
    expect(codes({ CASE_STATUS: 'Pending Review' }, ctx({ ...MAPPING, statusMap: { '*': 'registered' } }))).toEqual([]);
  });
});

describe('deadline variants by zone class', () => {
  it('computes shorter deadlines for classes A and B (factors 0.5, 0.75) and lights at now', () => {
    // 3 work days from Tue 2025-03-04 10:00 Beijing
    const r = ok({ TYPE: 'Needle Pickup', OPEN_DT: '03/03/2025 09:00:00 PM' });
    expect(iso(r.times.deadline)).toBe('2025-03-07T02:00:00.000Z');
    const now = new Date('2025-03-06T02:00:00Z'); // Thu 10:00: 2 of 3 days used
    const v = deadlineVariants(r, cal, DEFAULT_ZONE_TIME_LIMIT_FACTORS, now, 0.8);
    expect(v.light).toBe('green');
    expect(iso(v.byClass.A?.deadline)).toBe('2025-03-05T07:45:00.000Z'); // 1.5 work days: Tue 6 h + Wed 5.25 h → Wed 15:45
    expect(v.byClass.A?.light).toBe('red');
    expect(iso(v.byClass.B?.deadline)).toBe('2025-03-06T03:52:30.000Z'); // 2.25 work days → Thu 11:52:30
    expect(v.byClass.B?.light).toBe('yellow');
    expect(v.byClass.C).toBeNull(); // factor 1: same as the base
    // closed cases have no light
    const closed = ok({ TYPE: 'Needle Pickup', CASE_STATUS: 'Closed', CLOSED_DT: '03/05/2025 09:00:00 PM' });
    expect(deadlineVariants(closed, cal, DEFAULT_ZONE_TIME_LIMIT_FACTORS, now, 0.8)).toMatchObject({ light: null, byClass: { A: { light: null } } });
  });
});

// ----------------------------------------------------------------------------------------------- CSV reader

describe('CSV reader', () => {
  const read = async (text: string | Buffer, chunkSizes: number[] = [1 << 16], encoding = 'utf-8', delimiter = ',') => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    const chunks: Buffer[] = [];
    for (let i = 0, k = 0; i < bytes.length; k++) {
      const n = Math.max(1, chunkSizes[k % chunkSizes.length]);
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    const bad: CsvBadRecord[] = [];
    const out: CsvRecord[] = [];
    for await (const batch of readCsv(Readable.from(chunks), encoding, (b) => bad.push(b), delimiter)) out.push(...batch);
    return { out, bad };
  };

  it('reads quotes, escaped quotes, newlines in quotes, CRLF, a BOM and empty lines, with start lines', async () => {
    const { out, bad } = await read('\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\r\nlines",\n3,plain"quote,z\n"4",,\n');
    expect(bad).toEqual([]);
    expect(out).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', 'x, y', 'say "hi"'] },
      { line: 4, cells: ['2', 'two\r\nlines', ''] },
      { line: 6, cells: ['3', 'plain"quote', 'z'] },
      { line: 7, cells: ['4', '', ''] },
    ]);
  });

  it('reports a quote that is never closed, and reads bare-CR files, other delimiters and GBK', async () => {
    const r = await read('a,b\n1,"open\n2,x\n');
    expect(r.out).toEqual([{ line: 1, cells: ['a', 'b'] }]);
    expect(r.bad).toEqual([{ line: 2, reason: expect.stringMatching(/never closed/) }]);
    expect((await read('a,b\r1,2\r3,4')).out.map((x) => x.cells)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
    expect((await read('a\tb\n1\t"x\ty"\n', [7], 'utf-8', '\t')).out.map((x) => x.cells)).toEqual([['a', 'b'], ['1', 'x\ty']]);
    const gbk = Buffer.from([0xb1, 0xe0, 0xc2, 0xeb, 0x2c, 0x61, 0x0a]); // 编码,a
    expect((await read(gbk, [1], 'gbk')).out).toEqual([{ line: 1, cells: ['编码', 'a'] }]);
  });

  it('reads any table written as RFC 4180, whatever the chunking (property)', async () => {
    const cell = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', '"', ',', '\n', '\r\n', 'a"b', '中文', ' x '));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        async (rows, eol, chunks) => {
          const quote = (c: string) => (/[",\r\n]/.test(c) || c === '' ? `"${c.replace(/"/g, '""')}"` : c);
          const text = rows.map((r) => r.map(quote).join(',')).join(eol) + eol;
          const { out, bad } = await read(text, chunks);
          expect(bad).toEqual([]);
          expect(out.map((r) => r.cells)).toEqual(rows);
          let line = 1;
          for (const [i, r] of rows.entries()) {
            expect(out[i].line).toBe(line);
            line += 1 + r.join('').split('\n').length - 1;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('import pipeline', () => {
  const tick = () => new Promise((r) => setTimeout(r, 1));

  it('hands chunks over in order, at most two ahead of the consumer', async () => {
    const got: number[] = [];
    let produced = 0;
    let maxAhead = 0;
    await pipelined<number>(
      async (push) => {
        for (let i = 0; i < 10; i++) {
          await push(i);
          produced++;
          maxAhead = Math.max(maxAhead, produced - got.length);
        }
      },
      async (c) => {
        await tick();
        got.push(c);
      },
      () => undefined,
    );
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('stops the producer when the consumer fails, and rethrows a failing producer', async () => {
    let cancelled = false;
    let pushedAfter = 0;
    await expect(pipelined<number>(
      async (push) => {
        for (let i = 0; i < 100; i++) {
          await push(i);
          if (i > 3) pushedAfter++;
        }
      },
      async (c) => {
        if (c === 1) throw new Error('database down');
      },
      () => void (cancelled = true),
    )).rejects.toThrow('database down');
    expect(cancelled).toBe(true);
    expect(pushedAfter).toBeLessThan(5);
    await expect(pipelined<number>(async () => { throw new Error('bad input'); }, async () => undefined, () => undefined)).rejects.toThrow('bad input');
  });
});
