/**
 * What the cases are about and who handles them. Weights follow the seed bulletins: 阳和工业新区 (seed 000)
 * registers ~13 % component cases (公共设施 > 市容环境设施 > 园林 > 交通) and, among events, 市容环境 > 其他 >
 * 宣传广告 > 施工管理 > 街面秩序 > 突发; seed 001 ranks 无照经营游商 and 店外经营 top. Names must exist in the
 * taxonomy file; codes are looked up there.
 */
import type { DeptKey } from './departments.ts';
import type { CaseSource } from './cases.ts';

export type Profile = 'vending' | 'parking' | 'litter' | 'hanging' | 'ads' | 'signboard' | 'construction' | 'emergency' | 'green' | 'other';
export type DeptChoice = [DeptKey | 'street', number][];

const ENF: DeptChoice = [['enforcement', 0.85], ['street', 0.15]];

/** [minor name, weight per 1000 event cases, where it happens, who handles it] */
export const EVENT_MIX: [string, number, Profile, DeptChoice][] = [
  // 市容环境
  ['暴露垃圾', 110, 'litter', [['enforcement', 0.55], ['sanitation', 0.25], ['street', 0.2]]],
  ['道路不洁', 95, 'litter', [['enforcement', 0.5], ['sanitation', 0.35], ['street', 0.15]]],
  ['积存垃圾渣土', 25, 'litter', [['sanitation', 0.5], ['enforcement', 0.3], ['street', 0.2]]],
  ['绿地脏乱', 18, 'green', [['parks', 0.6], ['enforcement', 0.4]]],
  ['废弃家具设备', 12, 'litter', [['street', 0.7], ['sanitation', 0.3]]],
  ['非装饰性树挂', 8, 'hanging', [['enforcement', 0.6], ['parks', 0.4]]],
  ['随意丢弃建筑垃圾', 25, 'construction', [['enforcement', 0.7], ['street', 0.3]]],
  ['侵毁绿地', 8, 'green', [['parks', 0.5], ['enforcement', 0.5]]],
  ['道路遗撒', 10, 'construction', [['enforcement', 0.6], ['sanitation', 0.4]]],
  ['焚烧垃圾树叶', 4, 'litter', [['enforcement', 0.7], ['street', 0.3]]],
  ['动物尸体', 2, 'litter', [['sanitation', 1]]],
  ['油烟污染', 3, 'other', [['enforcement', 1]]],
  ['私搭乱建', 4, 'other', [['enforcement', 0.5], ['planning', 0.5]]],
  ['废弃车辆', 3, 'parking', [['traffic', 0.6], ['enforcement', 0.4]]],
  ['道路破损', 4, 'emergency', [['roadWorks', 1]]],
  ['其他市容环境问题', 4, 'other', [['street', 0.6], ['enforcement', 0.4]]],
  // 宣传广告
  ['非法小广告', 100, 'ads', [['enforcement', 0.6], ['street', 0.4]]],
  ['违规标语宣传品', 15, 'ads', ENF],
  ['占道广告牌', 20, 'signboard', ENF],
  ['广告招牌破损', 15, 'signboard', [['planning', 0.7], ['street', 0.3]]],
  ['违章张贴悬挂广告牌匾', 5, 'signboard', ENF],
  ['街头散发广告', 3, 'ads', ENF],
  ['其他宣传广告问题', 2, 'ads', ENF],
  // 施工管理
  ['施工废弃料', 25, 'construction', [['planning', 0.6], ['enforcement', 0.4]]],
  ['施工占道', 20, 'construction', [['planning', 0.6], ['enforcement', 0.4]]],
  ['工地扬尘', 20, 'construction', [['planning', 0.7], ['enforcement', 0.3]]],
  ['施工未设围挡', 15, 'construction', [['planning', 0.8], ['enforcement', 0.2]]],
  ['其他施工管理问题', 20, 'construction', [['planning', 0.6], ['enforcement', 0.4]]],
  ['施工扰民', 5, 'construction', [['enforcement', 0.7], ['planning', 0.3]]],
  ['无证掘路', 3, 'construction', [['planning', 1]]],
  ['违章挖掘', 2, 'construction', [['planning', 1]]],
  // 突发事件
  ['道路积水', 4, 'emergency', [['water', 0.7], ['emergency', 0.3]]],
  ['排水管道堵塞', 5, 'emergency', [['water', 1]]],
  ['下水道堵塞或破损', 2, 'emergency', [['water', 1]]],
  ['自来水管破裂', 2, 'emergency', [['water', 1]]],
  ['路面塌陷', 1, 'emergency', [['roadWorks', 0.7], ['emergency', 0.3]]],
  ['架空线缆损坏', 1, 'emergency', [['tower', 0.6], ['power', 0.4]]],
  // 街面秩序
  ['无照经营游商', 70, 'vending', [['enforcement', 0.8], ['street', 0.15], ['market', 0.05]]],
  ['车辆乱停放（人行道）', 45, 'parking', [['enforcement', 0.7], ['traffic', 0.3]]],
  ['机动车乱停放', 10, 'parking', [['traffic', 0.6], ['enforcement', 0.4]]],
  ['非机动车乱停放', 10, 'parking', [['enforcement', 0.6], ['street', 0.4]]],
  ['占道经营', 40, 'vending', ENF],
  ['店外经营', 35, 'vending', ENF],
  ['沿街晾挂', 30, 'hanging', [['street', 0.5], ['enforcement', 0.5]]],
  ['占道堆放', 12, 'vending', ENF],
  ['乱堆物堆料', 8, 'litter', [['street', 0.5], ['enforcement', 0.5]]],
  ['商业噪音', 6, 'vending', [['enforcement', 1]]],
  ['露天烧烤', 5, 'vending', [['enforcement', 1]]],
  ['占道废品收购', 3, 'vending', ENF],
  ['流浪乞讨', 2, 'vending', [['social', 1]]],
  ['黑车拉客', 2, 'parking', [['traffic', 1]]],
  // 其他事件
  ['其他事件', 80, 'other', [['street', 0.6], ['social', 0.15], ['planning', 0.25]]],
  ['违法用地', 3, 'other', [['land', 0.7], ['planning', 0.3]]],
  ['危旧房屋', 4, 'other', [['planning', 0.6], ['street', 0.4]]],
];

/** [component minor name, weight]: what breaks, by how often the bulletins report it. */
export const COMPONENT_MIX: [string, number][] = [
  ['污水井盖', 8], ['雨水井盖', 10], ['上水井盖', 5], ['电力井盖', 4], ['通讯井盖', 5], ['路灯井盖', 3], ['燃气井盖', 1.5],
  ['雨水箅子', 8], ['路灯', 15], ['消防设施', 3], ['报刊亭', 1], ['立杆', 2], ['通讯交接箱', 2], ['变压器（箱）', 0.5],
  ['电力设施', 0.5], ['垃圾箱', 20], ['广告牌匾', 6], ['公厕指示牌', 2], ['公共厕所', 1.5], ['灯箱霓虹灯', 2], ['行道树', 5],
  ['绿地护栏', 3], ['树池', 2], ['护树设施', 1], ['街头座椅', 1], ['交通标志牌', 2], ['公交站亭', 2], ['交通护栏', 2],
  ['路名牌', 1], ['便道桩', 1.5], ['交通信号灯', 0.5], ['公交站牌', 0.5], ['宣传栏', 4], ['监控电子眼', 0.3],
];

export const COMPONENT_SHARE = 0.13;

/** 问题来源: mostly 监督员巡查 (seed 000: 563 of 577; seed 001: all). */
export const SOURCE_MIX: [CaseSource, number][] = [
  ['patrol', 0.9], ['hotline', 0.04], ['wechat', 0.025], ['video', 0.015], ['follow-up', 0.008], ['web', 0.006], ['leader', 0.003], ['media', 0.003],
];

/** Citizens complain about different things than collectors find (seed 001: 12345 is mostly noise and building). */
export const SOURCE_TILT: Partial<Record<CaseSource, Record<string, number>>> = {
  hotline: { 商业噪音: 8, 油烟污染: 8, 施工扰民: 10, 私搭乱建: 6, 占道经营: 2, 无照经营游商: 1.5, 非法小广告: 0.3, 道路不洁: 0.5, component: 0.5 },
  wechat: { 商业噪音: 5, 油烟污染: 5, 施工扰民: 6, 私搭乱建: 4, 占道经营: 2, 非法小广告: 0.5, component: 0.7 },
  web: { 私搭乱建: 5, 施工扰民: 5, 油烟污染: 4, component: 0.7 },
  video: { '车辆乱停放（人行道）': 3, 占道经营: 2, 无照经营游商: 2, 店外经营: 2, 非法小广告: 0.2, 沿街晾挂: 0.5, component: 0.2 },
  media: { 私搭乱建: 4, 道路破损: 4, 施工扰民: 4, component: 1.5 },
  leader: { 暴露垃圾: 2, 道路不洁: 2, 私搭乱建: 3, component: 1 },
};

/** Share of a department's cases closed after the deadline (utilities and land office are slower). */
export const LATE: Record<DeptKey | 'street', number> = {
  planning: 0.08, social: 0.05, land: 0.15, emergency: 0.06, performance: 0.05, enforcement: 0.035, nightSquad: 0.04, roadWorks: 0.07,
  streetLights: 0.05, parks: 0.06, sanitation: 0.03, toilets: 0.04, power: 0.11, water: 0.08, gas: 0.06, tower: 0.13, traffic: 0.09,
  bus: 0.1, market: 0.07, street: 0.03,
};

export const PHRASES: Record<string, string[]> = {
  暴露垃圾: ['有暴露垃圾未及时清理', '垃圾桶旁散落生活垃圾', '绿化带内有暴露垃圾', '路边堆放袋装垃圾'],
  道路不洁: ['路面有污渍和杂物，保洁不到位', '人行道上纸屑烟头未清扫', '路面油污明显', '路面有泥土，需清扫'],
  积存垃圾渣土: ['空地积存垃圾渣土', '路边积存建筑渣土未清运'],
  无照经营游商: ['有流动商贩推车叫卖', '游商占道摆卖水果', '有三轮车流动售卖早餐', '流动摊贩聚集摆卖'],
  '车辆乱停放（人行道）': ['多辆机动车停放在人行道上', '小汽车占用人行道停放，影响通行', '车辆压占盲道停放'],
  占道经营: ['商户占用人行道摆摊经营', '摊点占道经营，影响行人通行', '夜市摊点超范围占道'],
  店外经营: ['店铺超出门窗外摆卖经营', '餐馆在店外摆放桌椅经营', '修车店在店外作业'],
  非法小广告: ['电线杆上张贴非法小广告', '墙面有喷涂的办证小广告', '公交站亭张贴小广告'],
  沿街晾挂: ['沿街晾晒衣物被褥', '在行道树间拉绳晾挂衣物', '临街护栏上晾晒衣物'],
  随意丢弃建筑垃圾: ['路边随意倾倒建筑垃圾', '空地有偷倒的装修垃圾'],
  施工废弃料: ['工地外堆放施工废弃料', '施工废料未及时清运'],
  施工占道: ['施工材料占用人行道', '施工围挡超出许可范围'],
  工地扬尘: ['工地裸土未覆盖，扬尘明显', '工地出入口车辆带泥上路'],
  广告招牌破损: ['店铺招牌破损有坠落隐患', '广告牌面脱落'],
  占道广告牌: ['商户在人行道摆放广告牌', '门前摆放落地广告牌'],
};

export const COMPONENT_DEFECTS: Record<string, string[]> = {
  井盖: ['破损', '缺失', '松动异响', '下沉', '移位'],
  雨水箅子: ['破损', '堵塞', '缺失'],
  路灯: ['不亮', '灯杆倾斜', '灯罩破损', '白天常亮'],
  垃圾箱: ['破损', '满溢', '缺失', '倾倒'],
  行道树: ['倒伏', '枯死', '树枝断裂', '歪斜'],
  公交站亭: ['玻璃破碎', '顶棚破损', '灯箱不亮'],
  宣传栏: ['破损', '面板脱落', '内容过期'],
  交通标志牌: ['倾斜', '被遮挡', '破损'],
};
