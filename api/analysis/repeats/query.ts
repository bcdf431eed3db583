// GET /api/analysis/repeats query string → validated parameters and the effective rules (config + what-if overrides).
// Pure: the district and department are checked against the database by the route.
import { isThreshold, PERIOD_UNITS, type CaseKind, type KnownMinors, type PeriodUnit, type RepeatsConfig } from '../../domain/repeats.ts';
import { optBool, optList, optNumber, ParamError, parseRange } from '../params.ts';

export const REPEAT_QUERY_PARAMS = [
  'from', 'to', 'minor', 'district', 'department', 'minSize', 'reached',
  'radius', 'snap', 'period', 'thresholdMain', 'thresholdSecondary', 'thresholdAlley', 'thresholdKeyArea', 'excludeKinds', 'excludeMinors',
] as const;

export interface RepeatQuery {
  /** epoch ms, [from, to) */
  from: number;
  to: number;
  minor?: { kind?: CaseKind; code: string };
  /** county (6 digits), street (9) or community (12) */
  district?: string;
  department?: string;
  /** smallest group returned (default 2: a single case is no repetition); totals count every group */
  minSize: number;
  reached?: boolean;
  /** the rules in force: the config with this request's overrides */
  rules: RepeatsConfig;
  /** the overrides given, echoed in the response */
  overrides: Record<string, unknown>;
}

const MINOR = /^(?:(component|event):)?(\d{4,5})$/;

export function parseMinorParam(param: string, v: string, known: KnownMinors): { kind?: CaseKind; code: string } {
  const m = MINOR.exec(v);
  if (!m) throw new ParamError(param, `expected a minor code such as 0102 or event:0102, got ${JSON.stringify(v)}`);
  const kind = m[1] as CaseKind | undefined;
  const ok = kind ? known.has(v) : known.has(`event:${m[2]}`) || known.has(`component:${m[2]}`);
  if (!ok) throw new ParamError(param, `unknown minor category ${v}`);
  return { kind, code: m[2] };
}

export function parseRepeatQuery(q: Record<string, unknown>, cfg: RepeatsConfig, known: KnownMinors): RepeatQuery {
  for (const k of Object.keys(q)) if (!(REPEAT_QUERY_PARAMS as readonly string[]).includes(k)) throw new ParamError(k, `unknown parameter (known: ${REPEAT_QUERY_PARAMS.join(', ')})`);
  const overrides: Record<string, unknown> = {};
  const set = <T>(name: string, v: T | undefined): T | undefined => {
    if (v !== undefined) overrides[name] = v;
    return v;
  };

  const radiusM = set('radius', optNumber(q, 'radius', 1, cfg.radiusCapM)) ?? cfg.radiusM;
  const roadSnapM = set('snap', optNumber(q, 'snap', 0, 1000)) ?? cfg.roadSnapM;
  const thr = (p: string, dflt: number) => {
    const v = set(p, optNumber(q, p, 2, 1000, { integer: true }));
    if (v !== undefined && !isThreshold(v)) throw new ParamError(p, `must be an integer in [2, 1000], got ${v}`);
    return v ?? dflt;
  };
  const thresholds = {
    main: thr('thresholdMain', cfg.thresholds.main), secondary: thr('thresholdSecondary', cfg.thresholds.secondary),
    alley: thr('thresholdAlley', cfg.thresholds.alley), keyArea: thr('thresholdKeyArea', cfg.thresholds.keyArea),
  };
  let period = cfg.period;
  if (q.period !== undefined && q.period !== '') {
    if (!PERIOD_UNITS.includes(q.period as PeriodUnit)) throw new ParamError('period', `must be one of ${PERIOD_UNITS.join(', ')}, got ${JSON.stringify(q.period)}`);
    period = set('period', q.period as PeriodUnit)!;
  }
  const kinds = optList(q, 'excludeKinds');
  if (kinds) for (const k of kinds) if (k !== 'component' && k !== 'event') throw new ParamError('excludeKinds', `must list component and/or event, got ${JSON.stringify(k)}`);
  const minors = optList(q, 'excludeMinors');
  if (minors) for (const m of minors) parseMinorParam('excludeMinors', m, known);
  const rules: RepeatsConfig = {
    ...cfg, radiusM, roadSnapM, thresholds, period,
    excludedKinds: (set('excludeKinds', kinds) as CaseKind[] | undefined) ?? cfg.excludedKinds,
    excludedMinors: set('excludeMinors', minors) ?? cfg.excludedMinors,
  };

  const { from, to } = parseRange(q, cfg.utcOffsetMinutes, cfg.maxRangeDays);
  const minor = typeof q.minor === 'string' && q.minor ? parseMinorParam('minor', q.minor, known) : undefined;
  let district: string | undefined;
  if (q.district !== undefined && q.district !== '') {
    if (typeof q.district !== 'string' || !/^(\d{6}|\d{9}|\d{12})$/.test(q.district)) throw new ParamError('district', `expected a 6-, 9- or 12-digit district code, got ${JSON.stringify(q.district)}`);
    district = q.district;
  }
  const department = typeof q.department === 'string' && q.department ? q.department : undefined;
  const minSize = optNumber(q, 'minSize', 1, 1_000_000, { integer: true }) ?? 2;
  return { from, to, minor, district, department, minSize, reached: optBool(q, 'reached'), rules, overrides };
}
