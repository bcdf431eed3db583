/**
 * The stored light (亮灯) of a case, from its workflow fields: what actions write at once and the sweeper keeps
 * up to date. Pure wrapper over calendar.ts `light`, deciding which cases have one at all.
 */
import { light, type Light, type WorkCalendar } from './calendar.ts';
import { isOpen, type CaseState } from './workflow.ts';

export type CaseLightFields = Pick<CaseState, 'status' | 'deadline' | 'registeredAt' | 'reportedAt' | 'timeLimitValue' | 'timeLimitUnit' | 'suspendedAt'>;

/**
 * null for closed or voided cases and for cases without a deadline (not registered yet); else the light at `now`.
 * A case with a deadline but no registration time (imported) counts from its report; without a unit, work time.
 */
export function caseLight(c: CaseLightFields, now: Date, cal: WorkCalendar, yellowAt: number): Light | null {
  if (!isOpen(c.status) || !c.deadline) return null;
  return light(
    now,
    {
      registeredAt: c.registeredAt ?? c.reportedAt,
      deadline: c.deadline,
      limit: { value: c.timeLimitValue ?? 0, unit: c.timeLimitUnit ?? 'work_hours' },
      suspendedAt: c.suspendedAt,
    },
    cal,
    { yellowAt },
  );
}
