/**
 * The assessment API as the manager view calls it. Reads are public (README: published figures) but carry the
 * session's token all the same; the audit trail and the writes need a manager token.
 */
import { authedJSON } from '../../lib/api.ts';
import type { Breakdown, InputsResult, MetricsResult, SchemesResult, ScoresResult, TrendResult } from './types.ts';

const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

export const assessmentApi = {
  schemes: (signal?: AbortSignal) => authedJSON<SchemesResult>('/api/assessment/schemes', { signal }),
  metrics: (period: Record<string, string>, by: Breakdown, signal?: AbortSignal) =>
    authedJSON<MetricsResult>(`/api/assessment?${qs({ ...period, by })}`, { signal }),
  scores: (period: Record<string, string>, scheme: string, signal?: AbortSignal) =>
    authedJSON<ScoresResult>(`/api/assessment/scores?${qs({ ...period, scheme })}`, { signal }),
  trend: (month: string, by: Breakdown, signal?: AbortSignal) =>
    authedJSON<TrendResult>(`/api/assessment/trend?${qs({ period: month, months: '12', by })}`, { signal }),
  inputs: (period: string, scheme: string, signal?: AbortSignal) =>
    authedJSON<InputsResult>(`/api/assessment/inputs?${qs({ period, scheme })}`, { signal }),
  saveInputs: (body: { scheme: string; period: string; inputs: { unit: string; item: string; value: number | null; note?: string | null }[] }) =>
    authedJSON<{ changed: number }>('/api/assessment/inputs', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
};

/** Links of the monthly bulletin (通报): the printable page, the workbook and each table as CSV. */
export function bulletinLinks(month: string, scheme: string) {
  const s = encodeURIComponent(scheme);
  return {
    html: `/bulletin/${month}?scheme=${s}`,
    xlsx: `/bulletin/${month}.xlsx?scheme=${s}`,
    csv: BULLETIN_CSV.map((t) => ({ ...t, href: `/bulletin/${month}.csv?scheme=${s}&table=${t.id}` })),
  };
}

/** The bulletin's tables (api/assessment/bulletin/table.ts BULLETIN_TABLES) with their titles. */
export const BULLETIN_CSV = [
  { id: 'sources', label: '表1 案件来源及处置' },
  { id: 'categories', label: '表2 部件事件大类' },
  { id: 'deductions', label: '表3 扣分原因' },
  { id: 'top', label: '表4 高发问题前五' },
  { id: 'departments', label: '附件1 各单位处置情况' },
  { id: 'scores', label: '附件2 考核得分及排名' },
] as const;
