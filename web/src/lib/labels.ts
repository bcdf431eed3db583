/** Chinese names of the API's codes, and number/time formatting in China Standard Time. */

export const STATUS_LABEL: Record<string, string> = {
  reported: '待受理',
  accepted: '已受理',
  registered: '已立案',
  dispatched: '处置中',
  handled: '已处置',
  verified: '已核查',
  closed: '已结案',
  voided: '已作废',
  suspended: '挂账',
};

export const SOURCE_LABEL: Record<string, string> = {
  patrol: '监督员巡查',
  hotline: '12345热线',
  wechat: '微信举报',
  web: '网站上报',
  video: '视频发现',
  leader: '领导交办',
  media: '媒体曝光',
  'follow-up': '跟踪案件',
};

export const LIGHT_LABEL: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯', '': '未亮灯' };

export const KIND_LABEL: Record<string, string> = { event: '事件', component: '部件' };

export const ACTION_LABEL: Record<string, string> = {
  accept: '受理',
  register: '立案',
  dispatch: '派遣',
  handle: '处置反馈',
  'verify-pass': '核查通过',
  'verify-fail': '核查不通过（返工）',
  redispatch: '二次派遣',
  return: '回退',
  extend: '延期',
  suspend: '挂账',
  resume: '恢复办理',
  void: '作废',
  close: '结案',
};

export const EVENT_LABEL: Record<string, string> = {
  'case.created': '新案件',
  'case.updated': '案件流转',
  'case.light': '亮灯变化',
  'zone.violation': '区域违规',
  'case.duplicate-suggested': '疑似重复',
  'repeat.detected': '反复发案',
};

export const ROLE_LABEL: Record<string, string> = {
  collector: '监督员',
  operator: '受理员',
  dispatcher: '派遣员',
  department: '专业部门',
  analyst: '网格管理员',
  manager: '考核科',
  display: '大屏展示',
};

export const ROAD_LABEL: Record<string, string> = { main: '主干道', secondary: '次干道', alley: '背街小巷' };
export const ZONE_LABEL: Record<string, string> = { prohibited: '严禁区', restricted: '限制管理区', key: '重点区域' };
export const UNIT_LABEL: Record<string, string> = { work_hours: '工作小时', work_days: '工作日', calendar_hours: '小时' };

const CST = 8 * 3600_000;
const pad = (n: number) => String(n).padStart(2, '0');
const cst = (t: Date | string | number) => new Date(new Date(t).getTime() + CST);

/** "11-20 16:05" in China Standard Time, whatever the browser's zone. */
export function shortTime(t: Date | string | number): string {
  const d = cst(t);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "2026-11-20 16:05:09" in China Standard Time. */
export function fullTime(t: Date | string | number): string {
  const d = cst(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function clock(t: Date | number): string {
  const d = cst(t);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function dateLabel(t: Date | number): string {
  const d = cst(t);
  const week = '日一二三四五六'[d.getUTCDay()];
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 星期${week}`;
}

export const int = (n: number) => n.toLocaleString('zh-CN');
export const pct = (v: number | null, digits = 1) => (v === null ? '—' : `${(v * 100).toFixed(digits)}%`);

/** "↑12.5%" / "↓3.0%" / "持平" / "—" (no base). */
export function change(current: number, previous: number): { text: string; dir: 'up' | 'down' | 'flat' | 'none' } {
  if (!previous) return { text: current ? '新增' : '—', dir: current ? 'up' : 'none' };
  const c = (current - previous) / previous;
  if (Math.abs(c) < 0.0005) return { text: '持平', dir: 'flat' };
  return { text: `${c > 0 ? '↑' : '↓'}${Math.abs(c * 100).toFixed(1)}%`, dir: c > 0 ? 'up' : 'down' };
}
