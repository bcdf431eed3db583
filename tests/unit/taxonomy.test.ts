import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatIssue, minorKey, otherMinorCode, parseTaxonomyCsv, TAXONOMY_COLUMNS, TaxonomyError, taxonomyTree, validateTaxonomy,
  type TaxonomyRow,
} from '../../api/domain/taxonomy.ts';
import { activeStandard, readTaxonomy, TAXONOMY_DIR } from '../../api/taxonomy/load.ts';

const HEADER = TAXONOMY_COLUMNS.join(',');
const LEGACY = 'CJ/T 214-2007';
const NEW = 'GB/T 47678.5-2026';

describe('shipped taxonomy files', () => {
  const rows = readTaxonomy();
  const csvFiles = fs.readdirSync(TAXONOMY_DIR).filter((f) => f.endsWith('.csv'));

  it('every CSV parses and validates on its own and together', () => {
    expect(csvFiles.length).toBeGreaterThanOrEqual(2);
    for (const f of csvFiles) {
      const { rows: r, issues } = parseTaxonomyCsv(fs.readFileSync(path.join(TAXONOMY_DIR, f), 'utf8'), f);
      expect(issues.map(formatIssue)).toEqual([]);
      expect(r.length).toBeGreaterThan(100);
      expect(validateTaxonomy(r).map(formatIssue)).toEqual([]);
    }
    expect(validateTaxonomy(rows)).toEqual([]);
  });

  it('has the six component and six event majors of the legacy standard', () => {
    const majors = (kind: string) => rows.filter((r) => r.standard === LEGACY && r.kind === kind && r.level === 'major').map((r) => `${r.code} ${r.name}`);
    expect(majors('component')).toEqual(['01 公用设施', '02 道路交通设施', '03 市容环境设施', '04 园林绿化设施', '05 房屋土地', '06 其他设施']);
    expect(majors('event')).toEqual(['01 市容环境', '02 宣传广告', '03 施工管理', '04 突发事件', '05 街面秩序', '06 其他事件']);
  });

  it('keeps the codes the rest of the project relies on', () => {
    const name = (kind: string, code: string) => rows.find((r) => r.standard === LEGACY && r.kind === kind && r.code === code)?.name;
    expect(name('component', '0101')).toBe('上水井盖');
    expect(name('component', '0102')).toBe('污水井盖');
    expect(name('component', '0103')).toBe('雨水井盖');
    expect(name('event', '0101')).toBe('私搭乱建');
    expect(name('event', '0102')).toBe('暴露垃圾');
    expect(name('event', '0103')).toBe('积存垃圾渣土');
    expect(name('event', '0104')).toBe('道路不洁');
    expect(name('event', '0201')).toBe('非法小广告');
    expect(name('event', '0501')).toBe('无照经营游商');
  });

  it('contains every category the seed bulletins name', () => {
    const legacy = rows.filter((r) => r.standard === LEGACY && r.level === 'minor');
    const seedNames: [string, 'component' | 'event'][] = [
      ['暴露垃圾', 'event'], ['道路不洁', 'event'], ['无照经营游商', 'event'], ['车辆乱停放（人行道）', 'event'],
      ['非法小广告', 'event'], ['沿街晾挂', 'event'], ['占道经营', 'event'], ['占道堆放', 'event'], ['占道广告牌', 'event'],
      ['违规标语宣传品', 'event'], ['随意丢弃建筑垃圾', 'event'], ['侵毁绿地', 'event'], ['绿地脏乱', 'event'],
      ['非装饰性树挂', 'event'], ['广告招牌破损', 'event'], ['排水管道堵塞', 'event'], ['废弃家具设备', 'event'],
      ['其他施工管理问题', 'event'], ['店外经营', 'event'], ['商业噪音', 'event'], ['私搭乱建', 'event'],
      ['违章挖掘', 'event'], ['施工未设围挡', 'event'], ['道路破损', 'event'], ['河道保洁', 'event'], ['路面塌陷', 'event'],
      ['道路积水', 'event'], ['污水管漫溢', 'event'], ['水上遇险搜救', 'event'], ['违法用地', 'event'],
      ['沿河风光带设施管理', 'event'], ['施工扰民', 'event'], ['积存垃圾渣土', 'event'], ['机动车乱停放', 'event'],
      ['非机动车乱停放', 'event'],
      ['路灯', 'component'], ['路灯井盖', 'component'], ['绿地护栏', 'component'], ['宣传栏', 'component'],
      ['公厕指示牌', 'component'], ['垃圾箱', 'component'], ['无法定位的部件', 'component'], ['通讯井盖', 'component'],
      ['通讯交接箱', 'component'], ['防撞桶', 'component'], ['交通信号灯', 'component'], ['交通护栏', 'component'],
      ['便道桩', 'component'], ['消防设施', 'component'], ['沿河景观建筑', 'component'], ['市区防洪闸站', 'component'],
      ['沿河栏杆', 'component'], ['公交站亭', 'component'], ['出租车站牌', 'component'], ['跨河桥', 'component'],
      ['交通标志牌', 'component'], ['交通信号设施', 'component'], ['公交站牌', 'component'], ['道路路牙', 'component'],
      ['缓冲垫', 'component'], ['公交站台', 'component'], ['交通控制箱', 'component'], ['树池', 'component'],
      ['重大危险源', 'component'], ['广告牌匾', 'component'],
    ];
    const missing = seedNames.filter(([n, kind]) => !legacy.some((r) => r.name === n && r.kind === kind));
    expect(missing).toEqual([]);
    expect(legacy.filter((r) => r.kind === 'component' && r.name.endsWith('井盖')).length).toBeGreaterThan(10);
  });

  it('gives every major a catch-all 其他 minor', () => {
    for (const m of rows.filter((r) => r.level === 'major')) {
      const len = m.standard === NEW ? 5 : 4;
      const other = rows.find((r) => r.standard === m.standard && r.kind === m.kind && r.code === otherMinorCode(m.code, len));
      expect(other?.name, `${m.standard} ${m.kind} ${m.code}`).toMatch(/^其他/);
    }
  });

  it('uses all three time-limit units, calendar hours for urgent safety problems', () => {
    const legacy = rows.filter((r) => r.standard === LEGACY && r.level === 'minor');
    expect(new Set(legacy.map((r) => r.timeLimit!.unit))).toEqual(new Set(['work_hours', 'work_days', 'calendar_hours']));
    const limit = (kind: string, name: string) => legacy.find((r) => r.kind === kind && r.name === name)!.timeLimit;
    expect(limit('event', '暴露垃圾')).toEqual({ value: 2, unit: 'work_hours' });
    expect(limit('component', '污水井盖')!.unit).toBe('calendar_hours');
    expect(limit('event', '私搭乱建')!.unit).toBe('work_days');
    expect(legacy.every((r) => r.registerCondition && r.closeCondition)).toBe(true);
  });

  it('GB/T 47678.5-2026 is the legacy list re-coded to 3-digit minors', () => {
    const legacy = rows.filter((r) => r.standard === LEGACY);
    const recoded = rows.filter((r) => r.standard === NEW);
    expect(recoded.length).toBe(legacy.length);
    for (const r of legacy) {
      const code = r.level === 'minor' ? `${r.code.slice(0, 2)}0${r.code.slice(2)}` : r.code;
      const n = recoded.find((x) => x.kind === r.kind && x.code === code);
      expect(n?.name, `${r.kind} ${r.code}`).toBe(r.name);
      expect(n?.timeLimit).toEqual(r.timeLimit);
    }
  });

  it('names an active standard that is shipped; TAXONOMY_STANDARD overrides it', () => {
    expect(activeStandard(TAXONOMY_DIR, {})).toBe(LEGACY);
    expect(activeStandard(TAXONOMY_DIR, { TAXONOMY_STANDARD: NEW })).toBe(NEW);
    expect(rows.some((r) => r.standard === activeStandard(TAXONOMY_DIR, {}))).toBe(true);
  });
});

describe('parseTaxonomyCsv errors', () => {
  const csv = (...lines: string[]) => [HEADER, ...lines].join('\n') + '\n';
  const issuesOf = (text: string) => parseTaxonomyCsv(text, 'x.csv').issues.map((i) => `${i.line} ${i.field}`);

  it('accepts a good file, with a multi-line quoted condition', () => {
    const { rows, issues } = parseTaxonomyCsv(
      csv('S,event,01,major,01,市容环境,,,,', 'S,event,0102,minor,01,暴露垃圾,"有暴露垃圾,\n面积大于1平方米",2,work_hours,已清除', 'S,event,0199,minor,01,其他,,1,work_days,'),
      'x.csv',
    );
    expect(issues).toEqual([]);
    expect(rows.map((r) => [r.code, r.source.line])).toEqual([['01', 2], ['0102', 3], ['0199', 5]]);
    expect(rows[1].registerCondition).toBe('有暴露垃圾,\n面积大于1平方米');
    expect(rows[2].registerCondition).toBeNull();
  });

  it('names line and field for each bad row', () => {
    const text = csv(
      'S,event,01,major,01,市容环境,,,,', // 2 ok
      'S,evnt,0102,minor,01,暴露垃圾,,2,work_hours,', // 3 kind
      'S,event,102,minor,01,暴露垃圾,,2,work_hours,', // 4 code
      'S,event,0102,minor,02,暴露垃圾,,2,work_hours,', // 5 major_code
      'S,event,0103,minor,01,积存,,0,work_hours,', // 6 value
      'S,event,0104,minor,01,道路不洁,,2,hours,', // 7 unit
      'S,event,0105,minor,01,,,2,work_hours,', // 8 name
      'S,event,0106,mid,01,绿地脏乱,,2,work_hours,', // 9 level
      'S,event,02,major,02,宣传广告,,2,work_hours,', // 10 time limit on a major
      'S,event,0107,minor,01,废弃车辆', // 11 too few fields
      ',event,0108,minor,01,废弃家具设备,,abc,work_days,', // 12 standard + value
    );
    expect(issuesOf(text)).toEqual([
      '3 kind', '4 code', '5 major_code', '6 time_limit_value', '7 time_limit_unit', '8 name', '9 level',
      '10 time_limit_value', '10 time_limit_unit', '11 row', '12 standard', '12 time_limit_value',
    ]);
  });

  it('rejects a wrong header and broken CSV syntax', () => {
    expect(issuesOf('standard,kind,code\nS,event,01\n')).toEqual(['1 header']);
    expect(issuesOf(csv('S,event,01,major,01,"市容环境,,,,'))[0]).toMatch(/ row$/);
    expect(issuesOf('')).toEqual(['1 header']);
  });

  it('reads a UTF-8 BOM header', () => {
    expect(parseTaxonomyCsv('\uFEFF' + csv('S,event,01,major,01,市容环境,,,,'), 'x.csv').issues).toEqual([]);
  });
});

describe('validateTaxonomy', () => {
  const parse = (file: string, ...lines: string[]) => parseTaxonomyCsv([HEADER, ...lines].join('\n'), file).rows;
  const base = ['S,event,01,major,01,市容环境,,,,', 'S,event,0102,minor,01,暴露垃圾,,2,work_hours,', 'S,event,0199,minor,01,其他,,1,work_days,'];

  it('finds duplicates across files, missing majors, mixed code lengths and missing catch-alls', () => {
    const rows: TaxonomyRow[] = [
      ...parse('a.csv', ...base),
      ...parse('b.csv', 'S,event,0102,minor,01,暴露垃圾,,2,work_hours,', 'S,component,0101,minor,01,上水井盖,,2,calendar_hours,', 'S,event,01103,minor,01,五位,,2,work_hours,', 'S,event,05,major,05,街面秩序,,,,'),
    ];
    const issues = validateTaxonomy(rows);
    expect(issues.map((i) => `${i.file}:${i.line} ${i.field}`)).toEqual(['b.csv:2 code', 'b.csv:3 major_code', 'b.csv:4 code', 'b.csv:5 code']);
    expect(issues[0].message).toContain('first at a.csv:3');
    expect(issues[3].message).toContain('0599');
  });

  it('the same code in another kind or standard is not a duplicate', () => {
    const rows = [...parse('a.csv', ...base), ...parse('b.csv', ...base.map((l) => l.replace(',event,', ',component,')), ...base.map((l) => l.replace(/^S,/, 'T,')))];
    expect(validateTaxonomy(rows)).toEqual([]);
  });

  it('TaxonomyError lists every problem as file:line field: message', () => {
    const err = new TaxonomyError([{ file: 'a.csv', line: 7, field: 'time_limit_unit', message: 'bad' }]);
    expect(err.message).toContain('a.csv:7 time_limit_unit: bad');
  });
});

describe('taxonomyTree', () => {
  it('groups one standard into kinds, majors and minors ordered by code', () => {
    const rows = parseTaxonomyCsv([
      HEADER,
      'S,event,01,major,01,市容环境,,,,',
      'S,event,0199,minor,01,其他,,1,work_days,',
      'S,event,0102,minor,01,暴露垃圾,条件,2,work_hours,结案',
      'S,component,01,major,01,公用设施,,,,',
      'S,component,0102,minor,01,污水井盖,,2,calendar_hours,',
      'T,event,01,major,01,别的标准,,,,',
    ].join('\n'), 'x.csv').rows;
    const tree = taxonomyTree(rows, 'S');
    expect(tree.kinds.map((k) => [k.kind, k.name])).toEqual([['component', '部件'], ['event', '事件']]);
    expect(tree.kinds[1].majors).toEqual([{
      code: '01', name: '市容环境', minors: [
        { code: '0102', name: '暴露垃圾', standard: 'S', timeLimit: { value: 2, unit: 'work_hours' }, registerCondition: '条件', closeCondition: '结案' },
        { code: '0199', name: '其他', standard: 'S', timeLimit: { value: 1, unit: 'work_days' }, registerCondition: null, closeCondition: null },
      ],
    }]);
    expect(minorKey('event', '0102')).toBe('event:0102');
    expect(otherMinorCode('05', 5)).toBe('05099');
  });
});
