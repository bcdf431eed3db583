/**
 * The shared jittered mesh every polygon and road is built from. Vertices sit on a gently warped, rotated
 * lattice; each cell is the quad of four neighbouring vertices. Because grids, communities, streets, the district
 * and roads all reuse these exact (rounded) vertices, neighbours share edges bit for bit and the tiling holds by
 * construction.
 */
import { localFrame, round7, toXY, type LocalFrame } from './projection.ts';
import type { Rng } from './prng.ts';

export interface MeshConfig {
  center: [number, number];
  nx: number; // cells west→east
  ny: number; // cells south→north
  cell: number; // metres
  rotationDeg: number;
}

/** Road class of a whole mesh line; roads on these lines stay smooth (vertices jitter only along the line). */
export type LineClass = 'main' | 'secondary' | null;

export interface Mesh {
  cfg: MeshConfig;
  frame: LocalFrame;
  nx: number;
  ny: number;
  /** vertex (i, j), i ∈ 0..nx, j ∈ 0..ny, at index j*(nx+1)+i: rounded lon/lat and their metric position */
  lon: Float64Array;
  lat: Float64Array;
  x: Float64Array;
  y: Float64Array;
  /** cell (i, j) at index j*nx+i */
  inDistrict: Uint8Array;
  lineI: LineClass[]; // vertical lines (constant i), length nx+1
  lineJ: LineClass[]; // horizontal lines (constant j), length ny+1
}

export const vid = (m: Pick<Mesh, 'nx'>, i: number, j: number) => j * (m.nx + 1) + i;
export const cid = (m: Pick<Mesh, 'nx'>, i: number, j: number) => j * m.nx + i;
export const cellI = (m: Pick<Mesh, 'nx'>, c: number) => c % m.nx;
export const cellJ = (m: Pick<Mesh, 'nx'>, c: number) => Math.floor(c / m.nx);

/** The four corner vertex ids of a cell, counter-clockwise from its south-west corner. */
export function cellCorners(m: Pick<Mesh, 'nx'>, c: number): [number, number, number, number] {
  const i = cellI(m, c), j = cellJ(m, c);
  return [vid(m, i, j), vid(m, i + 1, j), vid(m, i + 1, j + 1), vid(m, i, j + 1)];
}

/** 4-neighbours of a cell in the order of its edges (south, east, north, west); -1 off the mesh. */
export function cellNeighbours(m: Pick<Mesh, 'nx' | 'ny'>, c: number): [number, number, number, number] {
  const i = cellI(m, c), j = cellJ(m, c);
  return [j > 0 ? c - m.nx : -1, i < m.nx - 1 ? c + 1 : -1, j < m.ny - 1 ? c + m.nx : -1, i > 0 ? c - 1 : -1];
}

/** Main lines every 9–11 cells, one secondary line between consecutive mains (and beyond the outer mains). */
function chooseLines(n: number, rng: Rng): LineClass[] {
  const lines: LineClass[] = new Array(n + 1).fill(null);
  const mains: number[] = [];
  for (let p = rng.int(5, 7); p < n - 3; p += rng.int(9, 11)) mains.push(p);
  for (const p of mains) lines[p] = 'main';
  const bounds = [0, ...mains, n];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const a = bounds[k], b = bounds[k + 1];
    if (b - a < 6) continue;
    const mid = Math.round((a + b) / 2) + rng.int(-1, 1);
    if (mid > a + 2 && mid < b - 2) lines[mid] = 'secondary';
  }
  return lines;
}

/** Noisy rounded-rectangle outline with a river bend cutting the west side; hole-free and 4-connected. */
function districtCells(nx: number, ny: number, rng: Rng): Uint8Array {
  const ph = [rng.uniform(0, 6.28), rng.uniform(0, 6.28), rng.uniform(0, 6.28)];
  const inside = new Uint8Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const u = ((i + 0.5) / nx) * 2 - 1, v = ((j + 0.5) / ny) * 2 - 1;
      const r = Math.pow(Math.pow(Math.abs(u), 3) + Math.pow(Math.abs(v), 3), 1 / 3);
      const a = Math.atan2(v, u);
      const limit = 0.98 + 0.05 * Math.sin(3 * a + ph[0]) + 0.03 * Math.sin(5 * a + ph[1]);
      const river = u < -0.8 + 0.12 * Math.sin(3.2 * v + ph[2]) && v > -0.3; // the river bank bites the north-west
      inside[j * nx + i] = r < limit && !river ? 1 : 0;
    }
  }
  // Keep the largest 4-connected piece, then fill holes (outside cells not 4-reachable from the frame):
  // a hole-free, connected district cannot pinch at a vertex, so every boundary ring is simple.
  const comp = new Int32Array(nx * ny).fill(-1);
  let best = -1, bestSize = 0;
  for (let s = 0; s < nx * ny; s++) {
    if (!inside[s] || comp[s] >= 0) continue;
    let size = 0;
    const stack = [s];
    comp[s] = s;
    while (stack.length) {
      const c = stack.pop()!;
      size++;
      for (const n of cellNeighbours({ nx, ny }, c)) if (n >= 0 && inside[n] && comp[n] < 0) { comp[n] = s; stack.push(n); }
    }
    if (size > bestSize) { bestSize = size; best = s; }
  }
  const outside = new Uint8Array(nx * ny);
  const stack: number[] = [];
  for (let c = 0; c < nx * ny; c++) {
    const i = c % nx, j = Math.floor(c / nx);
    if (comp[c] !== best && (i === 0 || j === 0 || i === nx - 1 || j === ny - 1)) { outside[c] = 1; stack.push(c); }
  }
  while (stack.length) {
    const c = stack.pop()!;
    for (const n of cellNeighbours({ nx, ny }, c)) if (n >= 0 && !outside[n] && comp[n] !== best) { outside[n] = 1; stack.push(n); }
  }
  const result = new Uint8Array(nx * ny);
  for (let c = 0; c < nx * ny; c++) result[c] = outside[c] ? 0 : 1;
  return result;
}

export function buildMesh(cfg: MeshConfig, rng: Rng): Mesh {
  const { nx, ny, cell } = cfg;
  const frame = localFrame(cfg.center[0], cfg.center[1]);
  const lineI = chooseLines(nx, rng.fork('lines-i'));
  const lineJ = chooseLines(ny, rng.fork('lines-j'));
  const jr = rng.fork('jitter');
  const w = rng.fork('warp');
  const [p1, p2] = [w.uniform(0, 6.28), w.uniform(0, 6.28)];
  const W = nx * cell, H = ny * cell;
  const th = (cfg.rotationDeg * Math.PI) / 180;
  // Smooth warp (x shifts with y, y with x): lines bend gently, the map stays one-to-one (Jacobian ≈ 1).
  const place = (a: number, b: number): [number, number] => {
    const x0 = a * cell - W / 2, y0 = b * cell - H / 2;
    const x1 = x0 + 80 * Math.sin((2 * Math.PI * y0) / 7000 + p1);
    const y1 = y0 + 60 * Math.sin((2 * Math.PI * x0) / 9000 + p2);
    return [x1 * Math.cos(th) - y1 * Math.sin(th), x1 * Math.sin(th) + y1 * Math.cos(th)];
  };
  const nv = (nx + 1) * (ny + 1);
  const px = new Float64Array(nv), py = new Float64Array(nv);
  for (let j = 0; j <= ny; j++) {
    for (let i = 0; i <= nx; i++) {
      // Jitter in lattice space; a vertex on a road line only slides along it, so the road stays smooth.
      const di = lineI[i] ? 0 : jr.uniform(-0.2, 0.2);
      const dj = lineJ[j] ? 0 : jr.uniform(-0.2, 0.2);
      [px[j * (nx + 1) + i], py[j * (nx + 1) + i]] = place(i + di, j + dj);
    }
  }
  const inDistrict = districtCells(nx, ny, rng.fork('outline'));
  chamferOutline(nx, ny, inDistrict, px, py);
  const lon = new Float64Array(nv), lat = new Float64Array(nv), x = new Float64Array(nv), y = new Float64Array(nv);
  for (let v = 0; v < nv; v++) {
    lon[v] = round7(frame.lon0 + px[v] / frame.mx);
    lat[v] = round7(frame.lat0 + py[v] / frame.my);
    [x[v], y[v]] = toXY(frame, lon[v], lat[v]);
  }
  return { cfg, frame, nx, ny, lon, lat, x, y, inDistrict, lineI, lineJ };
}

/**
 * Softens the cell staircase of the district outline: a convex corner (one district cell at the vertex)
 * moves towards that cell's opposite corner, a concave one (three district cells) towards the far corner of the
 * missing cell. Moving a quad's corner less than half-way along its diagonal keeps the quad convex, and every
 * cell sharing the vertex moves with it, so the tiling is untouched.
 */
function chamferOutline(nx: number, ny: number, inside: Uint8Array, px: Float64Array, py: Float64Array): void {
  const T = 0.36;
  const at = (i: number, j: number) => (i >= 0 && j >= 0 && i < nx && j < ny ? inside[j * nx + i] : 0);
  const v = (i: number, j: number) => j * (nx + 1) + i;
  const moves: [number, number, number][] = [];
  for (let j = 1; j < ny; j++) {
    for (let i = 1; i < nx; i++) {
      // the four cells around vertex (i, j), with the diagonal offset of each cell's far corner
      const around: [number, number, number][] = [[at(i, j), 1, 1], [at(i - 1, j), -1, 1], [at(i - 1, j - 1), -1, -1], [at(i, j - 1), 1, -1]];
      const k = around.filter((a) => a[0]).length;
      if (k !== 1 && k !== 3) continue;
      const [, di, dj] = around.find((a) => (k === 1 ? a[0] : !a[0]))!;
      const far = v(i + di, j + dj), me = v(i, j);
      moves.push([me, px[me] + T * (px[far] - px[me]), py[me] + T * (py[far] - py[me])]);
    }
  }
  for (const [me, x, y] of moves) { px[me] = x; py[me] = y; }
}

/** Centre of a cell in metres (mean of its corners). */
export function cellCentre(m: Mesh, c: number): [number, number] {
  const k = cellCorners(m, c);
  return [(m.x[k[0]] + m.x[k[1]] + m.x[k[2]] + m.x[k[3]]) / 4, (m.y[k[0]] + m.y[k[1]] + m.y[k[2]] + m.y[k[3]]) / 4];
}
