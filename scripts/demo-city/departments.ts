/**
 * Departments (责任单位): those named in the seed bulletins (阳和工业新区: 新区规建局, 社会事务局, 征补中心, 应急局,
 * 绩效办, 阳和街道办, 市城管执法局北部分局, 铁塔公司) plus the utilities and units other bulletins dispatch to.
 * Group A handles most cases; group B are the occasional ones (utilities, police, land office).
 */
export interface Department {
  id: string;
  name: string;
  parent_id: string | null;
  assessment_group: 'A' | 'B';
  kind: string;
}

/** Symbolic keys the generator uses; 'street' resolves to the street office of the case's street. */
export type DeptKey =
  | 'planning' | 'social' | 'land' | 'emergency' | 'performance' | 'enforcement' | 'nightSquad' | 'roadWorks' | 'streetLights'
  | 'parks' | 'sanitation' | 'toilets' | 'power' | 'water' | 'gas' | 'tower' | 'traffic' | 'bus' | 'market';

const FIXED: [DeptKey, string, DeptKey | null, 'A' | 'B', string][] = [
  ['planning', '新区规建局', null, 'A', '职能部门'],
  ['social', '社会事务局', null, 'A', '职能部门'],
  ['land', '征补中心', null, 'B', '职能部门'],
  ['emergency', '应急局', null, 'B', '职能部门'],
  ['performance', '绩效办', null, 'B', '职能部门'],
  ['enforcement', '市城管执法局北部分局', null, 'A', '执法'],
  ['nightSquad', '北部分局夜勤中队', 'enforcement', 'A', '执法'],
  ['roadWorks', '市政维修所', 'planning', 'A', '市政'],
  ['streetLights', '路灯所', 'planning', 'A', '市政'],
  ['parks', '园林所', 'planning', 'A', '园林'],
  ['sanitation', '环卫处', null, 'A', '环卫'],
  ['toilets', '公厕管理所', 'sanitation', 'A', '环卫'],
  ['power', '供电局', null, 'B', '企业'],
  ['water', '水务集团', null, 'B', '企业'],
  ['gas', '燃气公司', null, 'B', '企业'],
  ['tower', '铁塔公司', null, 'B', '企业'],
  ['traffic', '交警大队', null, 'B', '公安'],
  ['bus', '公交集团', null, 'B', '企业'],
  ['market', '市场监管所', null, 'B', '职能部门'],
];

export interface DepartmentSet {
  list: Department[];
  byKey: Record<DeptKey, Department>;
  /** street office (街道办) per street index */
  streetOffice: Department[];
}

export function buildDepartments(streetNames: string[]): DepartmentSet {
  const list: Department[] = [];
  const byKey = {} as Record<DeptKey, Department>;
  const id = () => `D${String(list.length + 1).padStart(3, '0')}`;
  for (const [key, name, parent, group, kind] of FIXED) {
    const d: Department = { id: id(), name, parent_id: parent ? byKey[parent].id : null, assessment_group: group, kind };
    list.push(d);
    byKey[key] = d;
  }
  // 阳和街道 → 阳和街道办, as the bulletins call street offices
  const streetOffice = streetNames.map((s) => {
    const d: Department = { id: id(), name: s.replace(/街道$/, '') + '街道办', parent_id: null, assessment_group: 'A', kind: '街道' };
    list.push(d);
    return d;
  });
  return { list, byKey, streetOffice };
}
