// Settings of the case routes, read from the environment (documented in the README). Tests override them through
// `config.cases` of buildApp, which api/config.ts does not declare yet: hence the loose read in caseConfigOf.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parseCalendar, type WorkCalendar } from '../domain/calendar.ts';
import type { DuplicateDistances, RepeatsConfig } from '../domain/repeats.ts';
import { DEFAULT_ZONE_TIME_LIMIT_FACTORS, parseZoneFactors, type ZoneTimeLimitFactors } from '../domain/zones.ts';
import { envNumber as num } from '../env-number.ts';

export const DEFAULT_CALENDAR_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata/calendar/default.json');

export interface CaseConfig {
  /** Nearest road within this many metres gives the road class; none → alley. CASE_SNAP_DISTANCE_M */
  snapDistanceM: number;
  /**
   * Open cases of the same kind + minor within this distance are possible duplicates. CASE_DUPLICATE_DISTANCE_M;
   * unset → geodata/repeats.json decides (caseDuplicateDistances).
   */
  duplicateDistanceM?: number;
  /** A point this far outside the districts still counts as inside the jurisdiction. CASE_JURISDICTION_TOLERANCE_M */
  jurisdictionToleranceM: number;
  /** Share of the time limit used from which the light is yellow. CASE_YELLOW_AT */
  yellowAt: number;
  /** Light sweeper interval; 0 turns it off. CASE_LIGHT_SWEEP_SECONDS */
  lightSweepSeconds: number;
  /** Idempotency keys are kept this long. IDEMPOTENCY_TTL_HOURS */
  idempotencyTtlHours: number;
  /** Time limit factor per zone class. ZONE_TIME_LIMIT_FACTORS='{"A":0.5,"B":0.75,"C":1}' */
  zoneTimeLimitFactors: ZoneTimeLimitFactors;
  /** Work calendar file (geodata/calendar format). WORK_CALENDAR_FILE */
  calendarFile: string;
}

export function loadCaseConfig(env: NodeJS.ProcessEnv = process.env): CaseConfig {
  return {
    snapDistanceM: num(env, 'CASE_SNAP_DISTANCE_M', 30, (v) => v >= 0),
    duplicateDistanceM: env.CASE_DUPLICATE_DISTANCE_M ? num(env, 'CASE_DUPLICATE_DISTANCE_M', 100, (v) => v >= 0 && v <= 5000) : undefined,
    jurisdictionToleranceM: num(env, 'CASE_JURISDICTION_TOLERANCE_M', 50, (v) => v >= 0),
    yellowAt: num(env, 'CASE_YELLOW_AT', 0.8, (v) => v > 0 && v <= 1),
    lightSweepSeconds: num(env, 'CASE_LIGHT_SWEEP_SECONDS', 30, (v) => v >= 0),
    idempotencyTtlHours: num(env, 'IDEMPOTENCY_TTL_HOURS', 24, (v) => v > 0),
    zoneTimeLimitFactors: env.ZONE_TIME_LIMIT_FACTORS ? parseZoneFactors(env.ZONE_TIME_LIMIT_FACTORS) : DEFAULT_ZONE_TIME_LIMIT_FACTORS,
    calendarFile: env.WORK_CALENDAR_FILE || DEFAULT_CALENDAR_FILE,
  };
}

/** The case settings of an app: environment values overridden by `app.config.cases` (tests). */
export function caseConfigOf(app: FastifyInstance): CaseConfig {
  const overrides = (app.config as { cases?: Partial<CaseConfig> }).cases ?? {};
  return { ...loadCaseConfig(), ...overrides };
}

/**
 * Duplicate-report (重复上报) distances of intake: `duplicateDistanceM` of geodata/repeats.json (a default and
 * per-minor overrides, 0 = no suggestions). CASE_DUPLICATE_DISTANCE_M, when set, replaces the file's default
 * (it predates the file); the per-minor entries still win for their categories.
 */
export function caseDuplicateDistances(cfg: Pick<CaseConfig, 'duplicateDistanceM'>, repeats: Pick<RepeatsConfig, 'duplicateDistance'>): DuplicateDistances {
  const d = repeats.duplicateDistance;
  return cfg.duplicateDistanceM === undefined ? d : { ...d, defaultM: cfg.duplicateDistanceM };
}

/** Reads and validates the work calendar; a bad file stops the start with the field named. */
export function loadCalendar(file: string): WorkCalendar {
  return parseCalendar(JSON.parse(fs.readFileSync(file, 'utf8')));
}
