import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCalendar } from '../../api/domain/calendar.ts';
import { caseDay, formatCaseId, parseCaseId } from '../../api/domain/case-id.ts';
import { requestHash } from '../../api/cases/intake.ts';

const cal = parseCalendar(JSON.parse(fs.readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));

describe('case ids', () => {
  it('are county + yyyymmdd + 5-digit serial', () => {
    expect(formatCaseId('450203', '2026-01-01', 123)).toBe('4502032026010100123');
    expect(parseCaseId('4502032026010100123')).toEqual({ county: '450203', day: '2026-01-01', serial: 123 });
  });

  it('refuse bad parts', () => {
    expect(() => formatCaseId('45020', '2026-01-01', 1)).toThrow(/county/);
    expect(() => formatCaseId('450203', '20260101', 1)).toThrow(/day/);
    expect(() => formatCaseId('450203', '2026-01-01', 0)).toThrow(/serial/);
    expect(() => formatCaseId('450203', '2026-01-01', 100_000)).toThrow(/serial/);
    for (const bad of ['450203202601010012', '4502032026013200001', '4502032026010100000', 'x502032026010100001', '45020320260101000011']) {
      expect(parseCaseId(bad)).toBe(null);
    }
  });

  it('round-trip', () => {
    fc.assert(fc.property(
      fc.stringMatching(/^\d{6}$/),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      fc.integer({ min: 1, max: 99_999 }),
      (county, d, serial) => {
        const day = d.toISOString().slice(0, 10);
        expect(parseCaseId(formatCaseId(county, day, serial))).toEqual({ county, day, serial });
      },
    ));
  });

  it('take the local (Beijing) date, not the UTC one', () => {
    expect(caseDay(new Date('2025-12-31T16:30:00Z'), cal)).toBe('2026-01-01');
    expect(caseDay(new Date('2025-12-31T15:59:59Z'), cal)).toBe('2025-12-31');
  });
});

describe('requestHash', () => {
  it('ignores key order and sees any value change', () => {
    expect(requestHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(requestHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(requestHash({ a: 1, b: [1, 2] })).not.toBe(requestHash({ a: 1, b: [2, 1] }));
    expect(requestHash({ a: '1' })).not.toBe(requestHash({ a: 1 }));
  });
});
