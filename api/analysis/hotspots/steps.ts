/**
 * Time steps of the emerging analysis (pure): calendar months and ISO weeks (Monday first) in the
 * deployment's time zone, Asia/Shanghai — a fixed +08:00 since 1991, so plain offset arithmetic gives
 * the same boundaries as SQL date_trunc(…, ts AT TIME ZONE 'Asia/Shanghai').
 */
import type { Step } from './params.ts';

const OFFSET_MS = 8 * 3600_000;

/** The instant the step containing `d` starts. */
export function stepStart(step: Step, d: Date): Date {
  const local = new Date(d.getTime() + OFFSET_MS);
  const y = local.getUTCFullYear(), m = local.getUTCMonth(), day = local.getUTCDate();
  if (step === 'month') return new Date(Date.UTC(y, m, 1) - OFFSET_MS);
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(y, m, day - sinceMonday) - OFFSET_MS);
}

/** The instant the step after the one starting at `start` starts. */
export function nextStep(step: Step, start: Date): Date {
  const local = new Date(start.getTime() + OFFSET_MS);
  const y = local.getUTCFullYear(), m = local.getUTCMonth(), day = local.getUTCDate();
  return step === 'month' ? new Date(Date.UTC(y, m + 1, 1) - OFFSET_MS) : new Date(Date.UTC(y, m, day + 7) - OFFSET_MS);
}

/** Local date (YYYY-MM-DD) of an instant: a step's label. */
export function localDate(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

export interface StepWindow {
  /** first day of each step, oldest first */
  starts: string[];
  /** the instants the steps start, and the end of the last: starts.length + 1 (none when no step) */
  edges: Date[];
  /** the window widened to whole steps: [from, to) */
  from: Date;
  to: Date;
}

/** The whole steps covering [from, to); at most `max` steps (more → null). */
export function stepWindow(step: Step, from: Date, to: Date, max = 10_000): StepWindow | null {
  const first = stepStart(step, from);
  const starts: string[] = [];
  const edges: Date[] = [];
  let s = first;
  while (s.getTime() < to.getTime()) {
    if (starts.length >= max) return null;
    starts.push(localDate(s));
    edges.push(s);
    s = nextStep(step, s);
  }
  if (edges.length) edges.push(s);
  return { starts, edges, from: first, to: s };
}
