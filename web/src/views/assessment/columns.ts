/**
 * Columns of the metrics table: what each count and rate is, in the words of api/domain/assessment/metrics.ts
 * (the header's tooltip), and whether a rise is bad (返工, 超期 …) so the change is coloured the right way.
 */
import type { Breakdown, CountKey, RateKey } from './types.ts';

export type MetricColumn =
  | { key: CountKey; kind: 'count'; label: string; title: string; badUp?: boolean }
  | { key: RateKey; kind: 'rate'; label: string; title: string; num: string; den: string; badUp?: boolean };

export const METRIC_COLUMNS: MetricColumn[] = [
  { key: 'reported', kind: 'count', label: '上报', title: '上报数：本期上报的案件（含作废）' },
  { key: 'accepted', kind: 'count', label: '受理', title: '受理数：本期受理的案件' },
  { key: 'registered', kind: 'count', label: '立案', title: '立案数：本期立案且期末未作废的案件' },
  { key: 'dueToHandle', kind: 'count', label: '应处置', title: '应处置数：处置期限或实际处置时间在本期的案件；延期、挂账案件计入立案当期' },
  { key: 'handled', kind: 'count', label: '处置', title: '处置数：应处置案件中期末前已处置的，及延期、挂账案件本期处置的' },
  { key: 'handlingRate', kind: 'rate', label: '处置率', title: '处置率 = 处置数 / 应处置数', num: '处置数', den: '应处置数' },
  { key: 'onTimeHandlingRate', kind: 'rate', label: '按期处置率', title: '按期处置率 = 按期处置数 / 应处置数', num: '按期处置数', den: '应处置数' },
  { key: 'dueToClose', kind: 'count', label: '应结案', title: '应结案数（考核口径）：结案期限或实际结案时间在本期的案件；延期、挂账案件计入立案当期。与大屏“本月立案”口径的应结案数不同' },
  { key: 'closed', kind: 'count', label: '结案', title: '结案数：应结案案件中期末前已结案的，及延期、挂账案件本期结案的' },
  { key: 'closedOnTime', kind: 'count', label: '按期结案', title: '按期结案数：结案时间不晚于处置期限的结案案件' },
  { key: 'closureRate', kind: 'rate', label: '结案率', title: '结案率 = 结案数 / 应结案数', num: '结案数', den: '应结案数' },
  { key: 'onTimeClosureRate', kind: 'rate', label: '按期结案率', title: '按期结案率 = 按期结案数 / 应结案数', num: '按期结案数', den: '应结案数' },
  { key: 'reworkRate', kind: 'rate', label: '返工率', title: '返工率 = 返工数 / 应结案数（核查不通过退回重办的案件）', num: '返工数', den: '应结案数', badUp: true },
  { key: 'redispatchRate', kind: 'rate', label: '二次派遣率', title: '二次派遣率 = 二次派遣数 / 应处置数（二次派遣或回退过的案件）', num: '二次派遣数', den: '应处置数', badUp: true },
  { key: 'extensionRate', kind: 'rate', label: '延期率', title: '延期率 = 延期数 / 应处置数', num: '延期数', den: '应处置数', badUp: true },
  { key: 'suspended', kind: 'count', label: '挂账', title: '挂账数：应处置案件中挂账过的', badUp: true },
  { key: 'repeatRate', kind: 'rate', label: '重复案件率', title: '重复案件率 = 重复案件数（反复发案）/ 应处置数', num: '重复案件数', den: '应处置数', badUp: true },
  { key: 'keyCases', kind: 'count', label: '重点案件', title: '重点案件数：本期立案的重点案件' },
  { key: 'mediaCases', kind: 'count', label: '媒体曝光', title: '媒体曝光数：本期立案、来源为媒体曝光的案件', badUp: true },
  { key: 'zoneProhibited', kind: 'count', label: '严禁区', title: '严禁区违规数：本期立案、在严禁区内违规的案件', badUp: true },
  { key: 'zoneRestricted', kind: 'count', label: '限制区', title: '限制管理区违规数：本期立案、在限制管理区时段外违规的案件', badUp: true },
  { key: 'overdueOpen', kind: 'count', label: '超期未结', title: '超期未结案数（期末存量）：期末已过处置期限、未结案、未挂账的案件', badUp: true },
];

export const BREAKDOWN_LABEL: Record<Breakdown, string> = {
  department: '责任单位',
  district: '区县',
  street: '街道',
  grid: '单元网格',
  source: '问题来源',
};

/** Chinese names of the counts (deduction reasons in the scores' tooltips). */
export const COUNT_LABEL: Record<CountKey, string> = {
  reported: '上报数', accepted: '受理数', registered: '立案数', voided: '作废数', dueToHandle: '应处置数', handled: '处置数',
  handledOnTime: '按期处置数', dueToClose: '应结案数', closed: '结案数', closedOnTime: '按期结案数', closedLate: '超期结案数',
  unclosed: '应结未结数', reworked: '返工数', redispatched: '二次派遣数', extended: '延期数', suspended: '挂账数',
  repeatCases: '反复发案数', keyCases: '重点案件数', mediaCases: '媒体曝光数', timeWindowCases: '时段案件数',
  zoneProhibited: '严禁区违规数', zoneRestricted: '限制管理区违规数', overdueOpen: '超期未结案数', openAtEnd: '累计未结案数',
};
