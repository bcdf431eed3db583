/**
 * What the UI says about each layer group: Chinese name, legend entries, the property that identifies a
 * feature, and how a picked feature is described. Colours come from the shared basemap module.
 */
import {
  COMPONENT_STATUSES,
  ROAD_CLASSES,
  ZONE_LEVELS,
  labels,
  minZooms,
  palette,
  type LayerGroup,
} from '../../../api/basemap/shared.ts';
import type { MapFilters, Overlay } from './state.svelte.ts';
import { HOT_GRID_COLOR, REPEAT_COLOR } from './analysis/colors.ts';

export type Swatch =
  | { kind: 'fill'; color: string; outline?: string; opacity?: number }
  | { kind: 'line'; color: string; width?: number; dash?: string }
  | { kind: 'circle'; color: string };

export interface LegendEntry {
  label: string;
  swatch: Swatch;
  /** When set, the entry is also a filter checkbox over this value. */
  filter?: { key: keyof MapFilters; value: string };
}

export interface GroupInfo {
  group: LayerGroup;
  title: string;
  /** Property holding the feature's key (also the API layer's key). */
  keyProp: string;
  minZoom: number;
  legend: LegendEntry[];
}

const d = palette.district;

/** In panel order: area layers first, then lines, then points. */
export const GROUPS: GroupInfo[] = [
  {
    group: 'districts',
    title: '行政区划',
    keyProp: 'code',
    minZoom: minZooms.districts,
    legend: [
      { label: '区县界', swatch: { kind: 'line', color: d.county.line, width: 3 } },
      { label: '街道界', swatch: { kind: 'line', color: d.street.line, width: 2, dash: '5 2 1 2' } },
      { label: '社区界', swatch: { kind: 'line', color: d.community.line, width: 1.5, dash: '3 2' } },
    ],
  },
  {
    group: 'work-grids',
    title: '责任网格',
    keyProp: 'code',
    minZoom: minZooms['work-grids'],
    legend: [{ label: '责任网格边界', swatch: { kind: 'line', color: palette.workGrid.line, width: 2, dash: '6 3' } }],
  },
  {
    group: 'grids',
    title: '单元网格',
    keyProp: 'code',
    minZoom: minZooms.grids,
    legend: [{ label: '单元网格边界（16级起显示编码）', swatch: { kind: 'line', color: palette.grid.line, width: 1.2 } }],
  },
  {
    group: 'roads',
    title: '道路',
    keyProp: 'id',
    minZoom: minZooms.roads,
    legend: ROAD_CLASSES.map((c) => ({
      label: labels.road[c],
      swatch: { kind: 'line', color: palette.road[c].casing, width: c === 'main' ? 5 : c === 'secondary' ? 3.5 : 2 },
    })),
  },
  {
    group: 'zones',
    title: '管控区域',
    keyProp: 'id',
    minZoom: minZooms.zones,
    legend: ZONE_LEVELS.map((z) => ({
      label: labels.zone[z],
      swatch: { kind: 'fill', color: palette.zone[z], outline: palette.zone[z], opacity: 0.3 },
      filter: { key: 'zoneLevels', value: z },
    })),
  },
  {
    group: 'components',
    title: '城市部件',
    keyProp: 'id',
    minZoom: minZooms.components,
    legend: COMPONENT_STATUSES.map((s) => ({
      label: labels.component[s],
      swatch: { kind: 'circle', color: palette.component[s] },
      filter: { key: 'componentStatus', value: s },
    })),
  },
];

/** The analysis overlays (web/src/map/analysis), over the case filter's period; off by default. */
export const OVERLAY_INFO: { overlay: Overlay; title: string; hint: string; legend: LegendEntry[] }[] = [
  {
    overlay: 'repeats',
    title: '重复案件组',
    hint: '按案件筛选的时间段；圆越大案件越多，点击查看组内案件',
    legend: [
      { label: '已达认定阈值', swatch: { kind: 'circle', color: REPEAT_COLOR.reached } },
      { label: '未达阈值', swatch: { kind: 'circle', color: REPEAT_COLOR.pending } },
    ],
  },
  {
    overlay: 'zoneStats',
    title: '区域违规统计',
    hint: '按案件筛选的时间段：各管控区域的案件数与违规件数（高发按案件数），高发单元网格描边',
    legend: [
      { label: '区域 · 案件数 · 违规数', swatch: { kind: 'fill', color: '#ffffff', outline: '#1f2d3d' } },
      { label: `高发单元网格（${minZooms.grids}级起）`, swatch: { kind: 'line', color: HOT_GRID_COLOR, width: 2.5, dash: '3 1.5' } },
    ],
  },
];

export const groupInfo = (g: LayerGroup): GroupInfo => GROUPS.find((x) => x.group === g)!;

/** Popup order: the most specific thing under the cursor first. */
export const PICK_ORDER: LayerGroup[] = ['components', 'grids', 'work-grids', 'roads', 'zones', 'districts'];

export interface Described {
  /** Kind of thing, e.g. 单元网格. */
  kind: string;
  /** Its name or code. */
  title: string;
  rows: [label: string, value: string][];
  /** Status colour shown beside the title. */
  accent?: string;
}

const s = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

/** Chinese description of a picked feature from whatever properties it has (tile or API). */
export function describe(group: LayerGroup, p: Record<string, any>): Described {
  switch (group) {
    case 'districts': {
      const level = labels.district[p.level as keyof typeof labels.district] ?? '行政区';
      return { kind: level, title: s(p.name), rows: [[`${level}代码`, s(p.code)], ...(p.parent_code ? [['上级代码', s(p.parent_code)] as [string, string]] : [])] };
    }
    case 'grids':
      return {
        kind: '单元网格',
        title: s(p.code),
        rows: [
          ['网格编码', s(p.code)],
          ['所属社区', s(p.community_code)],
          ...(p.work_grid_code !== undefined ? [['责任网格', s(p.work_grid_code)] as [string, string]] : []),
          ...(p.version !== undefined ? [['版本', s(p.version)] as [string, string]] : []),
        ],
      };
    case 'work-grids':
      return {
        kind: '责任网格',
        title: s(p.name),
        rows: [
          ['网格编号', s(p.code)],
          ['所属社区', s(p.community_code)],
          ...(p.collector !== undefined ? [['监督员', s(p.collector)] as [string, string]] : []),
        ],
      };
    case 'roads':
      return {
        kind: '道路',
        title: s(p.name),
        rows: [
          ['道路等级', labels.road[p.class as keyof typeof labels.road] ?? s(p.class)],
          ['道路编号', s(p.id)],
        ],
      };
    case 'zones': {
      const level = p.level as keyof typeof labels.zone;
      return {
        kind: '管控区域',
        title: s(p.name),
        accent: palette.zone[level],
        rows: [
          ['区域等级', labels.zone[level] ?? s(p.level)],
          ['区域编号', s(p.id)],
          ...(p.time_limit_class ? [['时限等级', `${p.time_limit_class} 类`] as [string, string]] : []),
        ],
      };
    }
    case 'components': {
      const status = p.status as keyof typeof labels.component;
      return {
        kind: '城市部件',
        title: p.name ? s(p.name) : s(p.id),
        accent: palette.component[status],
        rows: [
          ['部件编码', s(p.id)],
          ['小类代码', s(p.kind_code)],
          ['部件状态', labels.component[status] ?? s(p.status)],
          ...(p.grid_code !== undefined ? [['所在网格', s(p.grid_code)] as [string, string]] : []),
          ...(p.owner_dept !== undefined ? [['权属单位', s(p.owner_dept)] as [string, string]] : []),
          ...(p.maintainer_dept !== undefined ? [['养护单位', s(p.maintainer_dept)] as [string, string]] : []),
        ],
      };
    }
  }
}
