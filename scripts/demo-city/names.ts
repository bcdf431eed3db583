/** Chinese names for the demo city: places and roads in the style of 柳州, people for collectors. */
import type { Rng } from './prng.ts';

export const STREET_NAMES = ['阳和街道', '古亭街道', '双冲街道', '龙湾街道', '新圩街道', '官塘街道', '白沙街道'];

const COMMUNITY_STEMS = [
  '阳和', '古亭', '双冲', '龙湾', '新圩', '阳光', '和平', '幸福', '康宁', '新民', '长塘', '锦绣', '瑞丰', '兴业', '泰和',
  '明珠', '翠苑', '桂园', '东环', '南岸', '凤凰', '杨柳', '望江', '荔园', '金桥', '丰华', '润和', '官塘', '欣悦', '雅儒',
  '荣军', '春晖', '龙泉', '福源', '嘉和', '华林', '紫荆', '沙塘', '柳岸', '燕子', '文昌', '阳泰', '恒丰', '德润', '绿城',
  '枫林', '梧桐', '鹏飞', '云顶', '汇景',
];

/** Main avenues first (the brief's 阳和大道 and 柳东大道), then others. */
const MAIN_ROADS = ['阳和大道', '柳东大道', '古亭大道', '双冲大道', '官塘大道', '东环大道', '新柳大道', '阳和南路', '龙湾大道', '凤凰大道', '文昌大道', '沙塘大道'];
const SECONDARY_STEMS = ['阳泰', '阳惠', '阳兴', '阳旭', '新和', '和康', '兴业', '长塘', '福源', '翠苑', '泰和', '锦华', '瑞丰', '嘉和', '恒丰', '金桥', '丰华', '紫荆', '华林', '德润', '荣和', '润泽', '鹏程', '盛世', '汇通', '望江', '欣荣', '春晖'];
const ALLEY_STEMS = [
  '福寿', '长青', '兴隆', '平安', '吉祥', '如意', '书香', '学府', '桂花', '茶园', '竹林', '荷塘', '石榴', '柳荫', '芳草', '杏花',
  '梅园', '榕树', '仁和', '安居', '乐业', '丰收', '太平', '永安', '新村', '朝阳', '晨光', '花园', '果园', '菜园', '井边', '塘边',
  '古井', '老街', '工匠', '铁匠', '米行', '盐行', '布行', '糖厂', '机修', '五金', '庆丰', '同心', '红星', '育才', '东风', '前进',
];
const ALLEY_SUFFIX = ['巷', '街', '里', '弄'];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蓝莫廖蒙卢陆潘'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文斌海燕晓东宁慧鹏飞婷俊峰'.split('');

export function communityNames(rng: Rng, n: number): string[] {
  const stems = rng.shuffle([...COMMUNITY_STEMS]);
  return Array.from({ length: n }, (_, k) => `${stems[k % stems.length]}${k >= stems.length ? Math.floor(k / stems.length) + 1 : ''}社区`);
}

/** A road-name factory that never repeats a name. */
export class RoadNamer {
  private main = 0;
  private used = new Set<string>();
  private secondary: string[];
  private alley: string[];

  constructor(rng: Rng) {
    this.secondary = rng.shuffle([...SECONDARY_STEMS]);
    // 福寿巷, 福寿街 … then numbered lanes off the same name (福寿一巷, 福寿二巷), as old quarters have them
    const numbered = ALLEY_STEMS.flatMap((s) => ['一巷', '二巷', '三巷'].map((x) => s + x));
    this.alley = [...rng.shuffle(ALLEY_STEMS.flatMap((s) => ALLEY_SUFFIX.map((x) => s + x))), ...rng.shuffle(numbered)];
  }

  private unique(base: string): string {
    let name = base, k = 2;
    while (this.used.has(name)) name = `${base}${k++}`;
    this.used.add(name);
    return name;
  }

  mainRoad(): string {
    const n = MAIN_ROADS[this.main % MAIN_ROADS.length];
    this.main++;
    return this.unique(n);
  }

  /** Secondary roads run across the avenues as 路 (north–south) or 街 (east–west). */
  secondaryRoad(northSouth: boolean): string {
    const stem = this.secondary.shift() ?? '新建';
    return this.unique(stem + (northSouth ? '路' : '街'));
  }

  alleyRoad(): string {
    return this.unique(this.alley.shift() ?? '无名巷');
  }
}

export function personName(rng: Rng): string {
  const given = rng.chance(0.6) ? rng.pick(GIVEN) + rng.pick(GIVEN) : rng.pick(GIVEN);
  return rng.pick(SURNAMES) + given;
}
