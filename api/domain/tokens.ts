import { ROLES, type Actor, type Role } from './workflow.ts';

export type { Actor, Role };

/** The fixed demo tokens (DEMO_TOKENS=1); `demo-department` is bound to a demo department at start. */
export const DEMO_TOKENS: Record<string, Actor> = {
  'demo-collector': { user: '演示监督员', role: 'collector' },
  'demo-operator': { user: '演示受理员', role: 'operator' },
  'demo-dispatcher': { user: '演示派遣员', role: 'dispatcher' },
  'demo-department': { user: '演示部门人员', role: 'department', department: null },
  'demo-analyst': { user: '演示网格管理员', role: 'analyst' },
  'demo-manager': { user: '演示考核科', role: 'manager' },
  'demo-display': { user: '指挥中心大屏', role: 'display' },
};

/**
 * Parses a token list `[{ "token", "user", "role", "department"? }]` (API_TOKENS env or TOKENS_FILE);
 * throws an Error naming the entry and field.
 */
export function parseTokens(json: unknown): Map<string, Actor> {
  if (!Array.isArray(json)) throw new Error('token list must be a JSON array of {token, user, role, department?}');
  const out = new Map<string, Actor>();
  json.forEach((e, i) => {
    const where = `tokens[${i}]`;
    if (!e || typeof e !== 'object') throw new Error(`${where} must be an object`);
    const { token, user, role, department } = e as Record<string, unknown>;
    if (typeof token !== 'string' || token.length < 8) throw new Error(`${where}.token must be a string of at least 8 characters`);
    if (typeof user !== 'string' || !user) throw new Error(`${where}.user must be a non-empty string`);
    if (!ROLES.includes(role as Role)) throw new Error(`${where}.role "${String(role)}" must be one of ${ROLES.join(', ')}`);
    if (role === 'department' && (typeof department !== 'string' || !department)) throw new Error(`${where}.department is required for role department`);
    if (out.has(token)) throw new Error(`${where}.token is listed twice`);
    out.set(token, { user, role: role as Role, department: role === 'department' ? (department as string) : null });
  });
  return out;
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}
