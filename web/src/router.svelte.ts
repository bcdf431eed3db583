/**
 * Hash router: `#/wall`, `#/cases` … Hash routes need no server fallback (the API serves one index.html) and
 * survive a reload on a wall display.
 */
export interface RouteDef {
  path: string;
  title: string;
  /** Built yet? Unbuilt routes show a 建设中 placeholder and a badge in the nav. */
  ready: boolean;
}

export const ROUTES: RouteDef[] = [
  { path: '/', title: '地图总览', ready: true },
  { path: '/wall', title: '指挥大屏', ready: true },
  { path: '/cases', title: '案件受理', ready: true },
  { path: '/grids', title: '网格管理', ready: true },
  { path: '/hotspots', title: '热点分析', ready: true },
  { path: '/assessment', title: '考核评价', ready: true },
];

function current(): string {
  const p = location.hash.replace(/^#/, '').split('?')[0] || '/';
  return ROUTES.some((r) => r.path === p) ? p : '/';
}

class Router {
  path = $state(current());
  route = $derived(ROUTES.find((r) => r.path === this.path)!);

  constructor() {
    window.addEventListener('hashchange', () => (this.path = current()));
  }
}

export const router = new Router();
export const href = (path: string) => `#${path}`;
