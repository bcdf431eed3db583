/**
 * The API token the console acts with, kept in localStorage. `?token=` in the page URL sets it once (how a wall
 * display is provisioned); with no token the console uses the demo display token, which works when the server
 * runs with DEMO_TOKENS=1 (the embedded default) and is read-only.
 */

export const DEMO_TOKENS = [
  { token: 'demo-operator', label: '受理员（演示）' },
  { token: 'demo-dispatcher', label: '派遣员（演示）' },
  { token: 'demo-department', label: '专业部门（演示）' },
  { token: 'demo-collector', label: '监督员（演示）' },
  { token: 'demo-analyst', label: '网格管理员（演示）' },
  { token: 'demo-manager', label: '考核科（演示）' },
  { token: 'demo-display', label: '大屏展示（演示）' },
] as const;

const KEY = 'citylens.token';
export const DEFAULT_TOKEN = 'demo-display';

function initial(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    localStorage.setItem(KEY, fromUrl);
    return fromUrl;
  }
  return localStorage.getItem(KEY) || DEFAULT_TOKEN;
}

export interface Me {
  user: string;
  role: string;
  department: string | null;
}

class Session {
  token = $state(initial());
  me = $state<Me | null>(null);
  /** Set when the API refused the token (401). */
  rejected = $state(false);

  setToken(token: string) {
    const t = token.trim();
    if (!t || t === this.token) return;
    localStorage.setItem(KEY, t);
    this.token = t;
    this.me = null;
    this.rejected = false;
  }
}

export const session = new Session();
