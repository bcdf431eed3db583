/** Human-readable addresses: "阳和大道与阳泰路交叉口东南侧", "阳泰路128号附近", or the community for back lots. */
import type { Mesh } from './mesh.ts';
import type { Network } from './roads.ts';

const DIRS = ['东', '东北', '北', '西北', '西', '西南', '南', '东南'];

export function addressAt(m: Mesh, net: Network, x: number, y: number, fallback: string, cell: number): string {
  const hit = net.nearest(x, y, 80);
  if (!hit) return `${fallback}${(cell % 28) + 1}栋附近`;
  const s = net.segments[hit.seg];
  const road = net.roads[s.road];
  for (const v of hit.t < 0.5 ? [s.a, s.b] : [s.b, s.a]) {
    const d = Math.hypot(x - m.x[v], y - m.y[v]);
    const other = (net.vertexRoads.get(v) ?? []).find((r) => r !== s.road);
    if (d < 45 && other !== undefined) {
      const dir = DIRS[((Math.round(Math.atan2(y - m.y[v], x - m.x[v]) / (Math.PI / 4)) % 8) + 8) % 8];
      return `${road.name}与${net.roads[other].name}交叉口${dir}侧`;
    }
  }
  const along = s.along + hit.t * s.len;
  const left = (m.x[s.b] - m.x[s.a]) * (y - m.y[s.a]) - (m.y[s.b] - m.y[s.a]) * (x - m.x[s.a]) > 0;
  return `${road.name}${2 * Math.round(along / 15) + (left ? 1 : 2)}号附近`;
}
