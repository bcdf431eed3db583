// Query-string parsing shared by the repeat and zone analyses. Pure; every error names its parameter (→ 400).

export class ParamError extends Error {
  readonly statusCode = 400;
  readonly code = 'bad_request';
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
    this.name = 'ParamError';
  }
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * An instant: "2026-01-01" (local midnight), "2026-01-01T08:30" (local time) or ISO 8601 with Z / an offset.
 * Local means the deployment's assessment offset (+08:00 by default). Returns epoch ms.
 */
export function parseInstant(param: string, v: unknown, utcOffsetMinutes: number): number {
  if (typeof v !== 'string' || !v) throw new ParamError(param, 'is required (a date such as 2026-01-01 or an ISO 8601 time)');
  const m = LOCAL.exec(v);
  if (m) {
    const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1);
    const t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, '0'));
    const back = new Date(t);
    if (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) throw new ParamError(param, `is not a valid date: ${v}`);
    return t - utcOffsetMinutes * 60_000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) throw new ParamError(param, `expected a date such as 2026-01-01 or an ISO 8601 time, got ${JSON.stringify(v)}`);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ParamError(param, `is not a valid time: ${v}`);
  return t;
}

/** from < to, at most maxRangeDays apart. */
export function parseRange(q: Record<string, unknown>, utcOffsetMinutes: number, maxRangeDays: number): { from: number; to: number } {
  const from = parseInstant('from', q.from, utcOffsetMinutes);
  const to = parseInstant('to', q.to, utcOffsetMinutes);
  if (from >= to) throw new ParamError('from', `must be before to (${q.from} ≥ ${q.to})`);
  if (to - from > maxRangeDays * 86_400_000) throw new ParamError('to', `the range ${q.from} … ${q.to} is longer than the maximum of ${maxRangeDays} days`);
  return { from, to };
}

/** A number in [min, max]; undefined when absent. */
export function optNumber(q: Record<string, unknown>, param: string, min: number, max: number, opts: { integer?: boolean; minExclusive?: boolean } = {}): number | undefined {
  const raw = q[param];
  if (raw === undefined || raw === '') return undefined;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(v)) throw new ParamError(param, `must be a number, got ${JSON.stringify(raw)}`);
  if (opts.integer && !Number.isInteger(v)) throw new ParamError(param, `must be an integer, got ${raw}`);
  if ((opts.minExclusive ? v <= min : v < min) || v > max) throw new ParamError(param, `must be in ${opts.minExclusive ? '(' : '['}${min}, ${max}], got ${raw}`);
  return v;
}

/** A comma-separated list; undefined when absent, [] when empty. */
export function optList(q: Record<string, unknown>, param: string): string[] | undefined {
  const raw = q[param];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new ParamError(param, 'must be a comma-separated list');
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export function optBool(q: Record<string, unknown>, param: string): boolean | undefined {
  const raw = q[param];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1' || raw === true) return true;
  if (raw === 'false' || raw === '0' || raw === false) return false;
  throw new ParamError(param, `must be true or false, got ${JSON.stringify(raw)}`);
}
