// Rate arithmetic against the seeds' printed tables: each rate from its printed numerator and denominator.
import { describe, expect, it } from 'vitest';
import { emptyCounts, figures, percent, rate, round, sumCounts, type Counts } from '../../api/domain/assessment/metrics.ts';
import { formatCell, formatPercent } from '../../api/assessment/bulletin/table.ts';

const counts = (c: Partial<Counts>): Counts => ({ ...emptyCounts(), ...c });

describe('seed 003 (昆明经开区 2022-05, 市级案件): 按期结案率 = 按期结案数 / 立案数, 结案率 = 结案数 / 立案数', () => {
  // department, registered, closed on time, closed late, open on time, open overdue, printed 按期结案率, printed 结案率
  const table: [string, number, number, number, number, number, string, string][] = [
    ['规划建设局', 33, 19, 14, 0, 0, '57.58%', '100.00%'],
    ['工业和科技局', 8, 1, 7, 0, 0, '12.50%', '100.00%'],
    ['城市管理局', 419, 339, 77, 0, 3, '80.91%', '99.28%'],
    ['洁城环卫', 74, 74, 0, 0, 0, '100.00%', '100.00%'],
    ['塞通环卫', 208, 203, 4, 0, 1, '97.60%', '99.52%'],
    ['阿拉街道', 611, 587, 23, 0, 1, '96.07%', '99.84%'],
    ['洛羊街道', 564, 542, 21, 0, 1, '96.10%', '99.82%'],
  ];
  it.each(table)('%s', (_name, reg, onTime, late, openOnTime, openLate, onTimeRate, closureRate) => {
    expect(onTime + late + openOnTime + openLate).toBe(reg); // the seed's four columns partition 立案数
    const f = figures(counts({ registered: reg, dueToClose: reg, closed: onTime + late, closedOnTime: onTime, closedLate: late }));
    expect(f.onTimeClosureRate).toEqual({ value: onTime / reg, numerator: onTime, denominator: reg });
    expect(percent(f.onTimeClosureRate)).toBe(onTimeRate);
    expect(percent(f.closureRate)).toBe(closureRate);
  });
  it('three printed values are truncated, not rounded, in the seed: we round half away from zero', () => {
    // seed prints 97.59 % (203/208 = 97.596…), 99.83 % (610/611 = 99.836…), 96.09 % (542/564 = 96.099…),
    // but 57.58 % for 19/33 = 57.5757… — the seed's own rounding is not consistent; ours is.
    expect(percent(rate(203, 208))).toBe('97.60%');
    expect(percent(rate(610, 611))).toBe('99.84%');
    expect(percent(rate(542, 564))).toBe('96.10%');
    expect(percent(rate(19, 33))).toBe('57.58%');
  });
});

describe('seed 001 (达州 2021-09): 处置率, 结案率, 按期结案率 from printed counts', () => {
  // unit, 应处置, 处置, 处置率, 应结案, 结案, 结案率, 按期结案, 按期结案率
  const rows: [string, number, number, string, number, number, string, number, string][] = [
    ['巡查上报', 4137, 4080, '98.62%', 4136, 4080, '98.65%', NaN, ''],
    ['一中队', 1344, 1344, '100.00%', 1344, 1344, '100.00%', 1296, '96.43%'],
    ['二中队', 637, 637, '100.00%', 637, 637, '100.00%', 548, '86.03%'],
    ['三中队', 1223, 1223, '100.00%', 1223, 1223, '100.00%', 1056, '86.35%'],
    ['四中队', 2, 2, '100.00%', 2, 2, '100.00%', 1, '50.00%'],
    ['五中队', 252, 252, '100.00%', 252, 252, '100.00%', 218, '86.51%'],
    ['老城区卫生管理所', 83, 83, '100.00%', 83, 83, '100.00%', 66, '79.52%'],
    ['市环卫处合计', 200, 198, '99.00%', 199, 198, '99.50%', 181, '90.95%'],
    ['总计', 3848, 3846, '99.95%', 3847, 3846, '99.97%', 3479, '90.43%'],
  ];
  it.each(rows)('%s', (_u, dh, h, hr, dc, c, cr, ot, otr) => {
    const f = figures(counts({ dueToHandle: dh, handled: h, dueToClose: dc, closed: c, closedOnTime: Number.isNaN(ot) ? 0 : ot }));
    expect(percent(f.handlingRate)).toBe(hr);
    expect(percent(f.closureRate)).toBe(cr);
    if (!Number.isNaN(ot)) expect(percent(f.onTimeClosureRate)).toBe(otr);
  });

  it('the 一大队 合计 row is the sum of its squads, rates recomputed from the sums (not averaged)', () => {
    const squads = [[1344, 1296], [637, 548], [1223, 1056], [2, 1], [252, 218], [0, 0]].map(([d, ot]) =>
      counts({ dueToHandle: d, handled: d, dueToClose: d, closed: d, closedOnTime: ot }));
    const total = figures(sumCounts(squads));
    expect(total.dueToClose).toBe(3458);
    expect(total.closedOnTime).toBe(3119);
    expect(percent(total.onTimeClosureRate)).toBe('90.20%');
  });

  it('夜勤中队 with nothing due has no rate (printed blank), not 0 % or 100 %', () => {
    const f = figures(counts({}));
    expect(f.closureRate).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(percent(f.closureRate)).toBe('—');
    expect(formatCell(f.closureRate.value, 'percent')).toBe('—');
  });
});

describe('seed 000 (柳州阳和 2023-01): 应结案 577, 结案 577 → 结案率 100 %, 按期结案率 100 %', () => {
  it('prints 100 %', () => {
    const f = figures(counts({ registered: 587, dueToClose: 577, closed: 577, closedOnTime: 577 }));
    expect(percent(f.closureRate)).toBe('100.00%');
    expect(percent(f.onTimeClosureRate)).toBe('100.00%');
  });
});

describe('seed 004 definitions: every rate names its numerator and denominator', () => {
  it('返工率 = 返工数/应结案数, 延期率 = 延期数/应处置数, 重复案件率 = 重复案件数/应处置数', () => {
    const f = figures(counts({ dueToHandle: 200, dueToClose: 190, reworked: 19, extended: 4, repeatCases: 10, redispatched: 2 }));
    expect(f.reworkRate).toEqual({ value: 0.1, numerator: 19, denominator: 190 });
    expect(f.extensionRate).toEqual({ value: 0.02, numerator: 4, denominator: 200 });
    expect(f.repeatRate).toEqual({ value: 0.05, numerator: 10, denominator: 200 });
    expect(f.redispatchRate).toEqual({ value: 0.01, numerator: 2, denominator: 200 });
  });
});

describe('rounding and formatting', () => {
  it('rounds half away from zero through binary fractions', () => {
    expect(round(1.005, 2)).toBe(1.01);
    expect(round(-1.005, 2)).toBe(-1.01);
    expect(round(2.675, 2)).toBe(2.68);
    expect(round(0.125, 2)).toBe(0.13);
    expect(formatPercent(0.0005)).toBe('0.05%');
    expect(formatCell(-0.0929, 'change')).toBe('-9.29%');
    expect(formatCell(0.0577, 'change')).toBe('+5.77%');
  });
});
