import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atLocal, parseCalendar } from '../../api/domain/calendar.ts';
import { caseLight, type CaseLightFields } from '../../api/domain/case-light.ts';

const cal = parseCalendar(JSON.parse(fs.readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));
const at = (d: string, t: string) => atLocal(d, t, cal);

const base: CaseLightFields = {
  status: 'dispatched',
  reportedAt: at('2025-03-04', '08:00'),
  registeredAt: at('2025-03-04', '09:00'),
  deadline: at('2025-03-04', '11:00'), // 2 work hours
  timeLimitValue: 2,
  timeLimitUnit: 'work_hours',
  suspendedAt: null,
};

describe('caseLight', () => {
  it('has no light before registration or once closed or voided', () => {
    expect(caseLight({ ...base, status: 'reported', deadline: null, registeredAt: null }, at('2025-03-04', '10:00'), cal, 0.8)).toBe(null);
    expect(caseLight({ ...base, status: 'closed' }, at('2025-03-04', '10:00'), cal, 0.8)).toBe(null);
    expect(caseLight({ ...base, status: 'voided' }, at('2025-03-04', '10:00'), cal, 0.8)).toBe(null);
  });

  it('is green, yellow from 80 % of the work time, red after the deadline', () => {
    expect(caseLight(base, at('2025-03-04', '10:35'), cal, 0.8)).toBe('green');
    expect(caseLight(base, at('2025-03-04', '10:36'), cal, 0.8)).toBe('yellow');
    expect(caseLight(base, at('2025-03-04', '11:00'), cal, 0.8)).toBe('yellow');
    expect(caseLight(base, at('2025-03-04', '11:01'), cal, 0.8)).toBe('red');
    expect(caseLight(base, at('2025-03-04', '10:00'), cal, 0.5)).toBe('yellow');
  });

  it('stands still while suspended', () => {
    const s = { ...base, status: 'suspended' as const, suspendedAt: at('2025-03-04', '09:30') };
    expect(caseLight(s, at('2025-03-20', '09:00'), cal, 0.8)).toBe('green');
  });

  it('counts an imported case (no registration time, no unit) from its report, in work hours', () => {
    const imported = { ...base, registeredAt: null, timeLimitValue: null, timeLimitUnit: null, deadline: at('2025-03-04', '10:00') };
    expect(caseLight(imported, at('2025-03-04', '09:30'), cal, 0.8)).toBe('green');
    expect(caseLight(imported, at('2025-03-04', '09:43'), cal, 0.8)).toBe('yellow'); // 73 of 90 work minutes (work starts 08:30)
  });
});
