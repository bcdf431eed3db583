/**
 * The wall's live ticker: which stream events are news for a command centre, and how they read in Chinese.
 * New cases, red lights, zone violations, duplicate suggestions and repeat alerts; other traffic (each workflow
 * step, green/yellow lights) would drown them.
 */
import { EVENT_LABEL, LIGHT_LABEL, SOURCE_LABEL, ZONE_LABEL } from '../../lib/labels.ts';
import type { LiveEvent } from '../../lib/types.ts';
import type { caseStore as Store } from '../../map/cases/store.svelte.ts';

export type Severity = 'info' | 'warn' | 'alert';

export interface TickerItem {
  key: number; // event id
  type: string;
  label: string;
  title: string;
  detail: string;
  at: string;
  caseId: string | null;
  position: [number, number] | null;
  severity: Severity;
}

export const TICKER_MAX = 40;

export function tickerItem(ev: LiveEvent, store: typeof Store): TickerItem | null {
  const p = ev.payload ?? {};
  const row = ev.caseId ? store.row(ev.caseId) : undefined;
  const minorName = (kind?: string, code?: string) => {
    if (row !== undefined) return store.minor(row).name ?? store.minor(row).code;
    return store.dicts.minors.find((m) => m.kind === kind && m.code === code)?.name ?? code ?? '';
  };
  const place = row !== undefined ? [store.streetName(row), store.communityName(row)].filter(Boolean).join(' ') : '';
  const position: [number, number] | null = row !== undefined ? store.position(row) : null;
  const base = { key: ev.id, type: ev.type, label: EVENT_LABEL[ev.type] ?? ev.type, at: ev.createdAt, caseId: ev.caseId, position };
  switch (ev.type) {
    case 'case.created':
      return {
        ...base,
        title: minorName(p.kind, p.minor),
        detail: [place, SOURCE_LABEL[p.source] ?? ''].filter(Boolean).join(' · '),
        position: position ?? (typeof p.lon === 'number' ? [p.lon, p.lat] : null),
        severity: 'info',
      };
    case 'case.light':
      if (p.to !== 'red') return null;
      return { ...base, label: '超期亮灯', title: minorName(), detail: [place, LIGHT_LABEL.red].filter(Boolean).join(' · '), severity: 'alert' };
    case 'zone.violation':
      return {
        ...base,
        title: `${p.zoneName ?? '管控区域'}（${ZONE_LABEL[p.level] ?? p.level}）`,
        detail: [minorName(p.kind, p.minor), place].filter(Boolean).join(' · '),
        severity: 'alert',
      };
    case 'case.duplicate-suggested': {
      const n = Array.isArray(p.duplicates) ? p.duplicates.length : 0;
      return { ...base, title: minorName(undefined, p.minor), detail: `附近有 ${n} 件同类在办案件${place ? ` · ${place}` : ''}`, severity: 'warn' };
    }
    case 'repeat.detected': {
      const anchor = Array.isArray(p.anchor) ? (p.anchor as [number, number]) : null;
      return {
        ...base,
        title: minorName(p.kind, p.minor),
        detail: `同一地点第 ${p.size ?? '?'} 次（阈值 ${p.threshold ?? '?'}）${place ? ` · ${place}` : ''}`,
        position: position ?? anchor,
        severity: 'alert',
      };
    }
    default:
      return null;
  }
}
