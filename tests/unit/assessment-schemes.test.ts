// Scoring schemes on hand-computed fixtures, and the seed 000 tables reproduced from their printed numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchemes, SCHEMES_DIR } from '../../api/assessment/config.ts';
import { emptyCounts, figures, type Counts } from '../../api/domain/assessment/metrics.ts';
import { parseScheme, SchemeError, type Scheme } from '../../api/domain/assessment/scheme.ts';
import { meanOfMonths, scoreUnits, type ManualInputs, type ScoreUnit } from '../../api/domain/assessment/score.ts';

const schemes = loadSchemes();
const get = (id: string): Scheme => schemes.get(id)!;
const unit = (id: string, group: string | null, c: Partial<Counts>): ScoreUnit => ({ id, name: id, group, figures: figures({ ...emptyCounts(), ...c }) });
const inputs = (o: Record<string, Record<string, number>>): ManualInputs =>
  new Map(Object.entries(o).map(([u, items]) => [u, new Map(Object.entries(items).map(([k, value]) => [k, { value }]))]));
const item = (s: ReturnType<typeof scoreUnits>[number], id: string) => s.items.find((i) => i.id === id)!.score;
/** Sum of printed two-decimal numbers without float drift. */
const sum2 = (xs: number[]) => Math.round(xs.reduce((a, b) => a + Math.round(b * 100), 0)) / 100;

describe('the shipped presets', () => {
  it('are all valid and named by their file', () => {
    expect([...schemes.keys()].sort()).toEqual(['county-interim', 'hengyang', 'liuzhou-2023', 'zj-county']);
  });
  it('liuzhou-2023 has the 14 items of seed 000 附件1, 100 points in each group', () => {
    const s = get('liuzhou-2023');
    expect(s.items.map((i) => i.name)).toEqual(['案件未处理', '案件超时处理', '二次派遣', '案件返工', '反复发案', '延期率', '继续办理', '媒体曝光', '重点案件考核', '时段案件', '市容秩序等级区域考核', '高效处置', '市局督查', '平台工作']);
    for (const g of ['A', 'B']) {
      const [perfect] = scoreUnits(s, [unit('u', g, { registered: 10, dueToHandle: 10, handled: 10, handledOnTime: 10, dueToClose: 10, closed: 10, closedOnTime: 10 })]);
      expect(perfect.total).toBe(100);
    }
  });
});

describe('zj-county: 按期结案率×60 + 结案率×20 + 完好率×10 + 其他评价 10', () => {
  const s = get('zj-county');
  const u = unit('d1', 'A', { registered: 100, dueToClose: 100, closed: 98, closedOnTime: 90, reworked: 5 });
  it('hand-computed: 54 + 19.6 + 9.5 + 10 = 93.10 while 其他评价 is not entered (default full)', () => {
    const [r] = scoreUnits(s, [u]);
    expect(r.items.map((i) => i.score)).toEqual([54, 19.6, 9.5, 10]);
    expect(r.total).toBe(93.1);
    expect(r.items[3].detail).toMatchObject({ type: 'manual', entered: false, value: 10 });
  });
  it('an entered 其他评价 of 7.5 gives 90.60', () => {
    const [r] = scoreUnits(s, [u], inputs({ d1: { other: 7.5 } }));
    expect(r.total).toBe(90.6);
    expect(r.items[3].detail).toMatchObject({ entered: true, value: 7.5 });
  });
  it('a rate over 100 % (第十一条 credits) earns no more than its weight', () => {
    const [r] = scoreUnits(s, [unit('d1', 'A', { registered: 10, dueToClose: 10, closed: 12, closedOnTime: 12 })]);
    expect(r.total).toBe(100);
  });
});

describe('county-interim: 处置率 70 + 按期处置率 30 + 工作量比率 9 − 返工率 × 20', () => {
  const s = get('county-interim');
  const units = [
    unit('big', 'A', { registered: 200, dueToHandle: 200, handled: 200, handledOnTime: 180, reworked: 10 }),
    unit('small', 'A', { registered: 50, dueToHandle: 50, handled: 45, handledOnTime: 40, reworked: 9 }),
    unit('none', 'B', {}),
  ];
  const [big, small, none] = scoreUnits(s, units);
  it('hand-computed scores', () => {
    // big: 70 + 30×0.9 + 9×200/200 − 20×10/200 = 70 + 27 + 9 − 1 = 105
    expect(big.items.map((i) => i.score)).toEqual([70, 27, 9, -1]);
    expect(big.total).toBe(105);
    // small: 70×0.9 + 30×0.8 + 9×45/200 − 20×9/45 = 63 + 24 + 2.03 − 4 = 85.03
    expect(small.items.map((i) => i.score)).toEqual([63, 24, 2.03, -4]);
    expect(small.total).toBe(85.03);
  });
  it('返工率 deducts at most 20', () => {
    const [r] = scoreUnits(s, [unit('x', 'A', { registered: 3, dueToHandle: 3, handled: 1, handledOnTime: 1, reworked: 3 })]);
    expect(item(r, 'rework')).toBe(-20);
  });
  it('ranks within groups; a unit without cases is not ranked', () => {
    expect([big.rank, small.rank]).toEqual([1, 2]);
    expect(none.ranked).toBe(false);
    expect(none.reason).toContain('不参加排名');
  });
});

describe('hengyang: (100 + 加分 − 扣分) × 10 %, never negative; yearly = mean of the months', () => {
  const s = get('hengyang');
  it('hand-computed month', () => {
    // cases: 0.1×12 late + 0.5×2 unclosed + 0.2×3 reworked + 0.1×1 redispatched = 1.2 + 1 + 0.6 + 0.1 = 2.9
    const u = unit('d', 'A', { registered: 100, dueToClose: 100, closed: 98, closedLate: 12, unclosed: 2, reworked: 3, redispatched: 1 });
    const [r] = scoreUnits(s, [u], inputs({ d: { discipline: 4, bonus: 1.5 } }));
    expect(item(r, 'cases')).toBe(-2.9);
    expect(item(r, 'discipline')).toBe(-4);
    expect(item(r, 'bonus')).toBe(1.5);
    expect(r.sum).toBe(94.6); // 100 − 2.9 − 4 + 1.5
    expect(r.total).toBe(9.46);
  });
  it('100 points are the most that can be lost: the month is 0, not negative', () => {
    const [r] = scoreUnits(s, [unit('d', 'A', { registered: 1 })], inputs({ d: { cameras: 60, muck: 70 } }));
    expect(r.sum).toBe(-30);
    expect(r.total).toBe(0);
  });
  it('yearly score is the mean of the monthly totals (÷ number of months)', () => {
    const months = [40, 0, 10].map((d) => scoreUnits(s, [unit('d', 'A', { registered: 5 })], inputs({ d: { equipment: d } })));
    expect(months.map((m) => m[0].total)).toEqual([6, 10, 9]);
    const [y] = meanOfMonths(s, months, new Map([['d', 15]]));
    expect(y.total).toBe(8.33); // (6 + 10 + 9) / 3
    expect(y.ranked).toBe(true);
  });
});

describe('liuzhou-2023 reproduces 阳和工业新区 in seed 000 附件1 (B组) from the bulletin\'s counts', () => {
  // 一: 应结案 577, 结案 577, 按期 100 %; 立案 587. 三: 反复发案 23, 重点案件 89, 时段案件 19, 市容秩序 45 (严禁区 24 + 限制管理区 21).
  const yanghe = unit('阳和工业新区', 'B', {
    registered: 587, dueToHandle: 577, handled: 577, handledOnTime: 577, dueToClose: 577, closed: 577, closedOnTime: 577,
    repeatCases: 23, keyCases: 89, timeWindowCases: 19, zoneProhibited: 24, zoneRestricted: 21,
  });
  const [r] = scoreUnits(get('liuzhou-2023'), [yanghe]);
  it('item scores as printed: 20 15 10 10 2.88 5 5 2 3.06 4.84 6.08 3 5 2', () => {
    expect(r.items.map((i) => i.score)).toEqual([20, 15, 10, 10, 2.88, 5, 5, 2, 3.06, 4.84, 6.08, 3, 5, 2]);
  });
  it('deductions as printed in 三: 反复发案 扣 0.12, 重点案件 1.94, 时段案件 0.16, 市容秩序等级 3.92', () => {
    const deducted = (id: string) => Math.round(r.items.find((i) => i.id === id)!.detail.type === 'deduction'
      ? (r.items.find((i) => i.id === id)!.detail as { penalty: number }).penalty * 100 : NaN) / 100;
    expect([deducted('repeat'), deducted('key'), deducted('time-window'), deducted('zone')]).toEqual([0.12, 1.94, 0.16, 3.92]);
  });
  it('composite 93.86, as printed', () => {
    expect(r.total).toBe(93.86);
  });
});

describe('seed 000 tables: item scores sum to each unit\'s composite; ranking within group; ≤ 6 cases not ranked', () => {
  /** A scheme whose items are the printed columns, entered by hand (the seed prints scores, not counts). */
  const manualScheme = (items: [string, number][], within: 'group' | 'all'): Scheme => parseScheme({
    id: 'seed-000', name: 'seed 000', ranking: { within, minCases: 7, caseMetric: 'registered' },
    items: items.map(([name, max], i) => ({ id: `i${i}`, name, type: 'manual', max, default: 0 })),
  }, 'fixture');
  const run = (s: Scheme, rows: [string, string | null, number, number[]][]) => {
    const units = rows.map(([name, g, reg]) => unit(name, g, { registered: reg }));
    const inp = inputs(Object.fromEntries(rows.map(([name, , , scores]) => [name, Object.fromEntries(scores.map((v, i) => [`i${i}`, v]))])));
    return new Map(scoreUnits(s, units, inp).map((x) => [x.unit.id, x]));
  };

  it('附件2 (阳和工业新区 departments)', () => {
    const s = manualScheme([['案件未处理', 20], ['案件超时处理', 15], ['二次派遣', 10], ['案件返工', 15], ['反复案', 3], ['延期率', 5], ['媒体曝光', 2], ['重点考核', 10], ['时段案件', 5], ['市容等级区域考核', 10], ['高效处置', 3], ['平台工作', 2]], 'all');
    const printed: [string, string | null, number, number[], number, number | null][] = [
      ['阳和街道办', 'all', 173, [20, 15, 10, 15, 3, 5, 2, 8.02, 5, 6.01, 3, 2], 94.03, 1],
      ['市城管执法局北部分局', 'all', 317, [20, 15, 10, 15, 3, 5, 2, 8.2, 4.7, 6.06, 3, 2], 93.96, 2],
      ['规建局', 'all', 93, [20, 15, 10, 15, 3, 4.94, 2, 7.84, 5, 6, 3, 2], 93.78, 3],
      ['社会事务局', 'all', 4, [20, 15, 10, 15, 3, 5, 2, 8, 5, 6.01, 3, 2], 94.01, null],
    ];
    const out = run(s, printed.map(([n, g, reg, sc]) => [n, g, reg, sc]));
    for (const [name, , , scores, composite, rank] of printed) {
      const r = out.get(name)!;
      expect(sum2(scores), name).toBe(composite);
      expect(r.total, name).toBe(composite);
      expect(r.rank, name).toBe(rank);
    }
    expect(out.get('社会事务局')!.ranked).toBe(false); // 立案数 4 ≤ 6, although its 94.01 would rank first
    expect(out.get('社会事务局')!.reason).toBe('立案数4件（6件及以下）不参加排名');
  });

  it('附件1 (城区, groups A and B with their own maxima)', () => {
    const s = manualScheme([['案件未处理', 20], ['案件超时处理', 15], ['二次派遣', 10], ['案件返工', 10], ['反复发案', 5], ['延期率', 5], ['继续办理', 5], ['媒体曝光', 2], ['重点案件考核', 5], ['时段案件', 5], ['市容秩序等级区域考核', 10], ['高效处置', 3], ['市局督查', 5], ['平台工作', 2]], 'group');
    const printed: [string, string, number, number[], number, number][] = [
      ['城中区', 'A', 2311, [18, 15, 10, 10, 4.81, 5, 4.99, 2, 3.1, 4.77, 6, 3, 5, 2], 93.67, 1],
      ['柳北区', 'A', 2506, [18, 15, 10, 10, 4.79, 5, 4.96, 2, 3.06, 4.72, 5.78, 3, 5, 2], 93.31, 2],
      ['柳南区', 'A', 3141, [18, 15, 10, 9.7, 4.74, 4.99, 4.96, 2, 3.14, 4.64, 6.11, 3, 4.8, 2], 93.08, 3],
      ['鱼峰区', 'A', 2943, [18, 15, 10, 9.9, 4.76, 5, 4.99, 2, 2.86, 4.69, 5.87, 2.85, 5, 2], 92.92, 4],
      ['柳东新区', 'B', 534, [20, 15, 10, 10, 2.87, 5, 4.99, 2, 3.64, 4.65, 6.08, 3, 5, 2], 94.23, 1],
      ['阳和工业新区', 'B', 587, [20, 15, 10, 10, 2.88, 5, 5, 2, 3.06, 4.84, 6.08, 3, 5, 2], 93.86, 2],
      ['柳江区', 'B', 893, [20, 15, 10, 9.8, 2.95, 5, 4.87, 2, 1.7, 4.42, 5.86, 3, 5, 2], 91.6, 3],
    ];
    const out = run(s, printed.map(([n, g, reg, sc]) => [n, g, reg, sc]));
    for (const [name, , , scores, composite, rank] of printed) {
      expect(sum2(scores), name).toBe(composite);
      expect(out.get(name)!.total, name).toBe(composite);
      expect(out.get(name)!.rank, name).toBe(rank);
    }
  });

  it('equal composites share a rank (1, 1, 3)', () => {
    const s = manualScheme([['x', 10]], 'all');
    const out = run(s, [['a', null, 10, [9]], ['b', null, 10, [9]], ['c', null, 10, [8]]]);
    expect(['a', 'b', 'c'].map((n) => out.get(n)!.rank)).toEqual([1, 1, 3]);
  });
});

describe('scheme validation names the file and the field', () => {
  const base = { id: 'x', name: 'x', items: [{ id: 'a', name: 'a', type: 'rate', rate: 'closureRate', weight: 10 }] };
  const error = (json: unknown) => {
    try {
      parseScheme(json, 'geodata/schemes/x.json');
    } catch (err) {
      expect(err).toBeInstanceOf(SchemeError);
      return (err as Error).message;
    }
    return 'no error';
  };
  it.each([
    [{ ...base, items: [{ ...base.items[0], rate: 'closingRate' }] }, 'geodata/schemes/x.json: items[0].rate must be a rate metric'],
    [{ ...base, items: [{ id: 'a', name: 'a', type: 'deduction', max: 5, perCase: [{ metric: 'repeats', points: 1 }] }] }, 'items[0].perCase[0].metric must be a count metric'],
    [{ ...base, items: [{ id: 'a', name: 'a', type: 'deduction', max: 5 }] }, 'items[0] needs perCase or perRate'],
    [{ ...base, items: [base.items[0], base.items[0]] }, 'items[1].id "a" is used twice'],
    [{ ...base, items: [{ ...base.items[0], type: 'formula' }] }, 'items[0].type must be one of'],
    [{ ...base, items: [{ ...base.items[0], weight: -1 }] }, 'items[0].weight must be a number ≥ 0'],
    [{ ...base, items: [{ id: 'a', name: 'a', type: 'manual', max: { A: 'x' } }] }, 'items[0].max.A must be a number'],
    [{ ...base, ranking: { minCases: 6.5 } }, 'ranking.minCases must be a whole number'],
    [{ ...base, total: { floor: 10, cap: 5 } }, 'total.floor must not exceed total.cap'],
    [{ ...base, by: 'city' }, 'by must be one of department'],
    [{ ...base, items: [] }, 'items must list at least one item'],
    [{ ...base, wieght: 1 }, 'wieght is not a scheme field'],
    [{ ...base, id: 'Bad Id' }, 'id must be lower-case'],
    [[], '(root) must be an object'],
  ])('%#', (json, message) => {
    expect(error(json)).toContain(message);
  });

  it('loading a folder checks that the file name is the id, and reports bad JSON with the file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-schemes-'));
    try {
      fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify({ ...base, id: 'other' }));
      expect(() => loadSchemes(dir)).toThrow(/good\.json: id "other" must match the file name/);
      fs.writeFileSync(path.join(dir, 'good.json'), '{ "id": ');
      expect(() => loadSchemes(dir)).toThrow(/good\.json: \(file\) is not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(fs.existsSync(SCHEMES_DIR)).toBe(true);
  });
});
