/** Request parameters of the assessment routes: a 400 that names the parameter for anything unexpected. */
import { PeriodError, parsePeriod, type AssessmentPeriod } from '../domain/assessment/period.ts';
import type { Scheme } from '../domain/assessment/scheme.ts';

export class BadRequest extends Error {
  readonly statusCode = 400;
  readonly code = 'bad_request';
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
  }
}

export type Query = Record<string, unknown>;

/** Only these query parameters (plus `token`, which auth reads); each a single string. */
export function strictQuery(q: Query, allowed: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q ?? {})) {
    if (k === 'token') continue;
    if (!allowed.includes(k)) throw new BadRequest(k, `is not a parameter here (allowed: ${allowed.join(', ')})`);
    if (typeof v !== 'string') throw new BadRequest(k, 'must be given once');
    out[k] = v;
  }
  return out;
}

export function period(q: Record<string, string | undefined>, utcOffset: string): AssessmentPeriod {
  try {
    return parsePeriod({ period: q.period, from: q.from, to: q.to }, utcOffset);
  } catch (err) {
    if (err instanceof PeriodError) throw new BadRequest(err.param, err.message.slice(err.param.length + 2));
    throw err;
  }
}

export function oneOf<T extends string>(param: string, v: string | undefined, allowed: readonly T[], dflt?: T): T {
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new BadRequest(param, `is required (one of ${allowed.join(', ')})`);
  }
  if (!allowed.includes(v as T)) throw new BadRequest(param, `must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function scheme(schemes: Map<string, Scheme>, v: string | undefined, dflt?: string): Scheme {
  const id = v ?? dflt;
  if (id === undefined) throw new BadRequest('scheme', `is required (one of ${[...schemes.keys()].join(', ')})`);
  const s = schemes.get(id);
  if (!s) throw new BadRequest('scheme', `unknown scheme "${id}" (available: ${[...schemes.keys()].join(', ')})`);
  return s;
}
