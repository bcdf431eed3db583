/** JSON shapes of the API the console reads (see api/stats/queries.ts, api/cases/view.ts, api/live/source.ts). */

// The API's own types, imported as types only (nothing of the server reaches the bundle).
export type { Rate, KpiFigures, MinorCount } from '../../../api/stats/queries.ts';
import type { KpiFigures, MinorCount } from '../../../api/stats/queries.ts';
import type { LiveEvent as ServerLiveEvent } from '../../../api/live/source.ts';

export interface KpiPair {
  current: KpiFigures;
  previous: KpiFigures;
}

export interface StatsWall {
  asOf: string;
  timeZone: string;
  period: { current: { from: string; to: string }; previous: { from: string; to: string } };
  kpis: { today: KpiPair; month: KpiPair };
  topMinors: { event: MinorCount[]; component: MinorCount[] };
  sources: { source: string; current: number; previous: number; share: number | null }[];
  districts: { code: string; name: string; current: number; previous: number; open: number; red: number }[];
}

export interface CaseEventEntry {
  id: number;
  type: string;
  actor: string | null;
  departmentId: string | null;
  createdAt: string;
  payload: Record<string, unknown>;
}

export interface CaseDetail {
  id: string;
  version: number;
  status: string;
  source: string;
  kind: 'component' | 'event';
  major: string;
  minor: string;
  description: string | null;
  address: string | null;
  districtCode: string;
  streetCode: string | null;
  communityCode: string | null;
  gridCode: string | null;
  workGridCode: string | null;
  roadClass: string | null;
  zoneViolation: string | null;
  departmentId: string | null;
  reportedAt: string;
  registeredAt: string | null;
  deadline: string | null;
  deadlinePreview?: string | null;
  light: 'green' | 'yellow' | 'red' | null;
  closedAt: string | null;
  allowedActions: string[];
  lon: number;
  lat: number;
  zones: { id: string; name: string; level: string; timeLimitClass: string | null; violation?: boolean }[];
  timeLimit: { value: number; unit: string } | null;
  timeLimitClass: string | null;
  possibleDuplicates: { id: string; distance: number; status: string; reportedAt: string }[];
  duplicateOf: string | null;
  /** its repeat group reached the threshold (重复案件) */
  isRepeat: boolean;
  /** the repeat group (anchor case id, size, threshold); null for 部件, 非法小广告 and voided cases */
  repeatGroup: { id: string; size: number; threshold: number; reached: boolean } | null;
  reporter: string | null;
  isKey: boolean;
  extendedCount: number;
  reworkCount: number;
  redispatchCount: number;
  events?: CaseEventEntry[];
}

/** One message of the live stream (`data:` of GET /api/events); its payload depends on the type. */
export type LiveEvent = Omit<ServerLiveEvent, 'payload'> & { payload: Record<string, any> };
