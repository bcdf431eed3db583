// A `cases` row as read by the case routes, and its JSON forms (the case JSON, and the lighter list properties).
import { repeatGroupSql, type RepeatGroupRef } from '../analysis/repeats/store.ts';
import { computeDeadline, type Light, type TimeLimitUnit, type WorkCalendar } from '../domain/calendar.ts';
import { allowedActionsFor, type Actor, type CaseState, type CaseStatus } from '../domain/workflow.ts';

/**
 * The columns every case query returns (explicit: never the two geometry columns), over `cases` unaliased; the
 * repeat group is one primary-key lookup in repeat_groups.
 */
export const CASE_COLUMNS = `id, district_code, source, kind, major, minor, original_category, description, address, photos, reporter,
  component_id, status, department_id, street_code, community_code, grid_code, work_grid_code, road_id, road_class, zones,
  zone_violation, is_key, time_limit_value, time_limit_unit, time_limit_class, reported_at, accepted_at, registered_at,
  dispatched_at, handled_at, verified_at, closed_at, voided_at, suspended_at, suspended_seconds, deadline, extended_count,
  rework_count, redispatch_count, duplicate_of, version, created_at, updated_at, light, possible_duplicates,
  ST_X(geom) AS lon, ST_Y(geom) AS lat, is_repeat, ${repeatGroupSql('cases')} AS repeat_group`;

export interface ZoneEntry {
  id: string;
  name: string;
  level: string;
  timeLimitClass: string | null;
  violation?: boolean;
}

export interface DuplicateEntry {
  id: string;
  distance: number; // metres, 0.1 m
  status: CaseStatus;
  reportedAt: string;
}

export interface CaseRow {
  id: string;
  district_code: string;
  source: string;
  kind: 'component' | 'event';
  major: string;
  minor: string;
  original_category: string | null;
  description: string | null;
  address: string | null;
  photos: unknown[];
  reporter: string | null;
  component_id: string | null;
  status: CaseStatus;
  department_id: string | null;
  street_code: string | null;
  community_code: string | null;
  grid_code: string | null;
  work_grid_code: string | null;
  road_id: string | null;
  road_class: 'main' | 'secondary' | 'alley' | null;
  zones: ZoneEntry[];
  zone_violation: 'prohibited' | 'restricted' | null;
  is_key: boolean;
  time_limit_value: number | null;
  time_limit_unit: TimeLimitUnit | null;
  time_limit_class: string | null;
  reported_at: Date;
  accepted_at: Date | null;
  registered_at: Date | null;
  dispatched_at: Date | null;
  handled_at: Date | null;
  verified_at: Date | null;
  closed_at: Date | null;
  voided_at: Date | null;
  suspended_at: Date | null;
  suspended_seconds: number;
  deadline: Date | null;
  extended_count: number;
  rework_count: number;
  redispatch_count: number;
  duplicate_of: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  light: Light | null;
  possible_duplicates: DuplicateEntry[];
  lon: number;
  lat: number;
  /** its group reached the threshold (重复案件) */
  is_repeat: boolean;
  /** null: excluded category (部件, 非法小广告), voided, or not grouped (imported before a recompute) */
  repeat_group: RepeatGroupRef | null;
}

/** The workflow fields of a row, for applyAction. */
export function toState(r: CaseRow): CaseState {
  return {
    id: r.id,
    districtCode: r.district_code,
    status: r.status,
    departmentId: r.department_id,
    timeLimitValue: r.time_limit_value === null ? null : Number(r.time_limit_value),
    timeLimitUnit: r.time_limit_unit,
    reportedAt: r.reported_at,
    acceptedAt: r.accepted_at,
    registeredAt: r.registered_at,
    dispatchedAt: r.dispatched_at,
    handledAt: r.handled_at,
    verifiedAt: r.verified_at,
    closedAt: r.closed_at,
    voidedAt: r.voided_at,
    suspendedAt: r.suspended_at,
    suspendedSeconds: r.suspended_seconds,
    deadline: r.deadline,
    extendedCount: r.extended_count,
    reworkCount: r.rework_count,
    redispatchCount: r.redispatch_count,
    duplicateOf: r.duplicate_of,
    version: r.version,
    updatedAt: r.updated_at,
  };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The properties of a case in lists and map features. */
export function caseSummary(r: CaseRow, actor: Actor) {
  return {
    id: r.id,
    version: r.version,
    status: r.status,
    source: r.source,
    kind: r.kind,
    major: r.major,
    minor: r.minor,
    description: r.description,
    address: r.address,
    districtCode: r.district_code,
    streetCode: r.street_code,
    communityCode: r.community_code,
    gridCode: r.grid_code,
    workGridCode: r.work_grid_code,
    roadClass: r.road_class,
    zoneViolation: r.zone_violation,
    departmentId: r.department_id,
    reportedAt: r.reported_at.toISOString(),
    registeredAt: iso(r.registered_at),
    deadline: iso(r.deadline),
    light: r.light,
    closedAt: iso(r.closed_at),
    updatedAt: r.updated_at.toISOString(),
    isRepeat: r.is_repeat,
    repeatGroup: r.repeat_group,
    allowedActions: allowedActionsFor({ status: r.status, departmentId: r.department_id }, actor),
  };
}

/**
 * The case JSON of intake, detail and action responses. `deadline` is set from registration on; before that
 * `deadlinePreview` says where it would fall if the case were registered at `now`.
 */
export function caseJson(r: CaseRow, actor: Actor, now: Date, cal: WorkCalendar) {
  const timeLimit = r.time_limit_value !== null && r.time_limit_unit ? { value: Number(r.time_limit_value), unit: r.time_limit_unit } : null;
  const preview = !r.deadline && timeLimit && (r.status === 'reported' || r.status === 'accepted') ? computeDeadline(now, timeLimit, cal) : null;
  return {
    ...caseSummary(r, actor),
    originalCategory: r.original_category,
    photos: r.photos,
    reporter: r.reporter,
    componentId: r.component_id,
    lon: r.lon,
    lat: r.lat,
    roadId: r.road_id,
    zones: r.zones,
    isKey: r.is_key,
    timeLimit,
    timeLimitClass: r.time_limit_class,
    deadlinePreview: iso(preview),
    acceptedAt: iso(r.accepted_at),
    dispatchedAt: iso(r.dispatched_at),
    handledAt: iso(r.handled_at),
    verifiedAt: iso(r.verified_at),
    voidedAt: iso(r.voided_at),
    suspendedAt: iso(r.suspended_at),
    suspendedSeconds: r.suspended_seconds,
    extendedCount: r.extended_count,
    reworkCount: r.rework_count,
    redispatchCount: r.redispatch_count,
    duplicateOf: r.duplicate_of,
    possibleDuplicates: r.possible_duplicates,
    createdAt: r.created_at.toISOString(),
  };
}
