/**
 * District → streets → communities → blocks → unit grids, and work grids, all as unions of mesh cells.
 * Streets follow the main roads (unions of super-blocks between main lines), communities follow main and
 * secondary roads (unions of blocks), unit grids split blocks; each level tiles its parent exactly.
 */
import type { Position } from 'geojson';
import { cellCentre, cellI, cellJ, type Mesh } from './mesh.ts';
import type { Rng } from './prng.ts';
import { communityNames, personName, STREET_NAMES } from './names.ts';
import { connectedPieces, groupRegions, regionAdjacency, traceCells, voronoiSplit } from './tiling.ts';

export type LandUse = 'commercial' | 'residential' | 'public' | 'industrial' | 'green';

export interface Area {
  code: string;
  name: string;
  level: 'county' | 'street' | 'community';
  parent_code: string | null;
  cells: number[];
  geom: Position[][][];
}

export interface Block {
  idx: number;
  cells: number[];
  community: number; // index into communities
  landUse: LandUse;
  centre: [number, number];
}

export interface UnitGrid {
  code: string;
  street_code: string;
  community_code: string;
  work_grid_code: string;
  cells: number[];
  block: number;
  geom: Position[][][];
}

export interface WorkGrid {
  code: string;
  name: string;
  community_code: string;
  collector: string;
  grids: number[]; // indexes into grids
  cells: number[];
  geom: Position[][][];
}

export interface Admin {
  county: Area;
  streets: Area[];
  communities: Area[];
  blocks: Block[];
  grids: UnitGrid[];
  workGrids: WorkGrid[];
  /** per mesh cell: index of its grid / block / community / street (-1 outside the district) */
  cellGrid: Int32Array;
  cellBlock: Int32Array;
  cellCommunity: Int32Array;
  cellStreet: Int32Array;
}

export interface AdminConfig {
  countyCode: string;
  countyName: string;
  streets: number;
  communities: number; // target
  gridCells: number; // target cells per unit grid
  /** streets (by order) whose grids get 3-digit serials */
  threeDigitStreets: number[];
}

/** Interval index of a cell coordinate between the given lines (a line at vertex L separates cells L-1 and L). */
function intervalOf(lines: boolean[], n: number): Int32Array {
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && lines[i]) k++;
    out[i] = k;
  }
  return out;
}

/** Labels cells by a key; each distinct key becomes one region, and pieces of a key cut apart (by the
 *  outline) become regions of their own. */
function labelBy(m: Mesh, cells: number[], key: (c: number) => string): { label: Int32Array; count: number } {
  const label = new Int32Array(m.nx * m.ny).fill(-1);
  const ids = new Map<string, number>();
  const byRegion: number[][] = [];
  for (const c of cells) {
    const k = key(c);
    if (!ids.has(k)) { ids.set(k, ids.size); byRegion.push([]); }
    label[c] = ids.get(k)!;
    byRegion[label[c]].push(c);
  }
  let count = ids.size;
  for (const rc of byRegion) {
    connectedPieces(m, rc).slice(1).forEach((piece) => {
      for (const c of piece) label[c] = count;
      count++;
    });
  }
  return { label, count };
}

/** Merges regions smaller than `min` cells into the neighbour (allowed by `ok`) they share most edges with. */
function mergeSmall(m: Mesh, label: Int32Array, count: number, min: number, ok: (a: number, b: number) => boolean): void {
  for (let pass = 0; pass < 20; pass++) {
    const size = new Array<number>(count).fill(0);
    label.forEach((l) => { if (l >= 0) size[l]++; });
    const adj = regionAdjacency(m, label, count);
    let merged = false;
    for (let r = 0; r < count; r++) {
      if (size[r] === 0 || size[r] >= min) continue;
      const target = [...adj[r].entries()].filter(([b]) => ok(r, b) && size[b] > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      if (!target) continue;
      label.forEach((l, c) => { if (l === r) label[c] = target[0]; });
      size[target[0]] += size[r];
      size[r] = 0;
      merged = true;
      break; // adjacency changed: recompute
    }
    if (!merged) return;
  }
}

/** Compacts labels to 0..n-1 in order of first cell; returns the cell lists. */
function collect(label: Int32Array, count: number): number[][] {
  const lists = Array.from({ length: count }, () => [] as number[]);
  label.forEach((l, c) => { if (l >= 0) lists[l].push(c); });
  return lists.filter((l) => l.length > 0);
}

function centreOf(m: Mesh, cells: number[]): [number, number] {
  let sx = 0, sy = 0;
  for (const c of cells) { const [x, y] = cellCentre(m, c); sx += x; sy += y; }
  return [sx / cells.length, sy / cells.length];
}

/** Reading order on the map: north to south in bands, west to east within a band. */
function readingOrder<T>(items: T[], centre: (t: T) => [number, number], band: number): T[] {
  return [...items].sort((a, b) => {
    const [ax, ay] = centre(a), [bx, by] = centre(b);
    const ba = Math.floor(-ay / band), bb = Math.floor(-by / band);
    return ba - bb || ax - bx;
  });
}

function landUseFor(rng: Rng, distKm: number): LandUse {
  const r = rng.next();
  if (distKm < 1.3) return r < 0.5 ? 'commercial' : r < 0.72 ? 'public' : 'residential';
  if (distKm < 2.9) return r < 0.6 ? 'residential' : r < 0.75 ? 'commercial' : r < 0.85 ? 'public' : 'green';
  return r < 0.58 ? 'industrial' : r < 0.78 ? 'residential' : 'green';
}

export function buildAdmin(m: Mesh, cfg: AdminConfig, rng: Rng): Admin {
  const cells: number[] = [];
  m.inDistrict.forEach((v, c) => { if (v) cells.push(c); });
  const mainI = intervalOf(m.lineI.map((l) => l === 'main'), m.nx);
  const mainJ = intervalOf(m.lineJ.map((l) => l === 'main'), m.ny);
  const anyI = intervalOf(m.lineI.map((l) => l !== null), m.nx);
  const anyJ = intervalOf(m.lineJ.map((l) => l !== null), m.ny);

  // Super-blocks between main roads; slivers cut by the outline join a neighbour.
  const sb = labelBy(m, cells, (c) => `${mainI[cellI(m, c)]}:${mainJ[cellJ(m, c)]}`);
  mergeSmall(m, sb.label, sb.count, 20, () => true);
  const sbCells = collect(sb.label, sb.count);
  const sbLabel = new Int32Array(m.nx * m.ny).fill(-1);
  sbCells.forEach((l, k) => l.forEach((c) => { sbLabel[c] = k; }));

  // Streets: contiguous groups of super-blocks of similar size.
  const sbAdj = regionAdjacency(m, sbLabel, sbCells.length);
  const sbGroup = groupRegions(sbCells.map((l) => l.length), sbCells.map((l) => centreOf(m, l)), sbAdj, cfg.streets, rng.fork('streets'));
  const streetCellsRaw = Array.from({ length: cfg.streets }, () => [] as number[]);
  sbCells.forEach((l, k) => streetCellsRaw[sbGroup[k]].push(...l));
  const streetOrder = readingOrder(streetCellsRaw.filter((s) => s.length), (s) => centreOf(m, s), 2500);
  const cellStreet = new Int32Array(m.nx * m.ny).fill(-1);
  streetOrder.forEach((l, s) => l.forEach((c) => { cellStreet[c] = s; }));

  // Blocks between main and secondary roads, within a street.
  const bl = labelBy(m, cells, (c) => `${cellStreet[c]}:${anyI[cellI(m, c)]}:${anyJ[cellJ(m, c)]}`);
  const streetOfLabel = (l: number) => { const c = bl.label.indexOf(l); return c >= 0 ? cellStreet[c] : -1; };
  const streetOfBlock = new Map<number, number>();
  for (let l = 0; l < bl.count; l++) streetOfBlock.set(l, streetOfLabel(l));
  mergeSmall(m, bl.label, bl.count, 6, (a, b) => streetOfBlock.get(a) === streetOfBlock.get(b));
  const blockCells = collect(bl.label, bl.count);
  const blockLabel = new Int32Array(m.nx * m.ny).fill(-1);
  blockCells.forEach((l, k) => l.forEach((c) => { blockLabel[c] = k; }));

  // Communities: contiguous groups of blocks inside each street, ~equal size.
  const target = cells.length / cfg.communities;
  const names = communityNames(rng.fork('community-names'), cfg.communities * 2);
  const county: Area = { code: cfg.countyCode, name: cfg.countyName, level: 'county', parent_code: null, cells, geom: traceCells(m, cells) };
  const streets: Area[] = [];
  const communities: Area[] = [];
  const cellCommunity = new Int32Array(m.nx * m.ny).fill(-1);
  const blockCommunity = new Int32Array(blockCells.length).fill(-1);
  const blockAdj = regionAdjacency(m, blockLabel, blockCells.length);
  streetOrder.forEach((sCells, s) => {
    const code = cfg.countyCode + String(s + 1).padStart(3, '0');
    streets.push({ code, name: STREET_NAMES[s] ?? `第${s + 1}街道`, level: 'street', parent_code: cfg.countyCode, cells: sCells, geom: traceCells(m, sCells) });
    const mine = blockCells.map((_, k) => k).filter((k) => cellStreet[blockCells[k][0]] === s);
    const local = new Map(mine.map((k, idx) => [k, idx]));
    const adj = mine.map((k) => new Map([...blockAdj[k].entries()].filter(([b]) => local.has(b)).map(([b, n]) => [local.get(b)!, n])));
    const k = Math.max(1, Math.round(sCells.length / target));
    const groups = groupRegions(mine.map((b) => blockCells[b].length), mine.map((b) => centreOf(m, blockCells[b])), adj, k, rng.fork(`communities-${s}`));
    const commCells = Array.from({ length: k }, () => [] as number[]);
    const commBlocks = Array.from({ length: k }, () => [] as number[]);
    mine.forEach((b, idx) => { commCells[groups[idx]].push(...blockCells[b]); commBlocks[groups[idx]].push(b); });
    const order = readingOrder(commCells.map((c, g) => ({ c, g })).filter((x) => x.c.length), (x) => centreOf(m, x.c), 900);
    order.forEach(({ c, g }, n) => {
      const ci = communities.length;
      communities.push({
        code: code + String(n + 1).padStart(3, '0'),
        name: names[ci],
        level: 'community',
        parent_code: code,
        cells: c.sort((a, b) => a - b),
        geom: traceCells(m, c),
      });
      c.forEach((cell) => { cellCommunity[cell] = ci; });
      commBlocks[g].forEach((b) => { blockCommunity[b] = ci; });
    });
  });

  // Land use by distance from the centre of the district (the 管委会 sits near the middle).
  const [cx, cy] = centreOf(m, cells);
  const luRng = rng.fork('land-use');
  const blocks: Block[] = blockCells.map((bc, idx) => {
    const centre = centreOf(m, bc);
    return { idx, cells: bc, community: blockCommunity[idx], centre, landUse: landUseFor(luRng, Math.hypot(centre[0] - cx, centre[1] - cy) / 1000) };
  });

  // Unit grids: each block split into compact parts of ~gridCells cells.
  const gRng = rng.fork('grids');
  const rawGrids: { cells: number[]; block: number }[] = [];
  for (const b of blocks) {
    const k = Math.max(1, Math.round(b.cells.length / cfg.gridCells));
    for (const part of voronoiSplit(m, b.cells, k, gRng)) rawGrids.push({ cells: part.sort((a, c) => a - c), block: b.idx });
  }
  const grids: UnitGrid[] = [];
  const workGrids: WorkGrid[] = [];
  const cellGrid = new Int32Array(m.nx * m.ny).fill(-1);
  const wRng = rng.fork('work-grids');
  communities.forEach((comm, ci) => {
    const streetIdx = streets.findIndex((s) => s.code === comm.parent_code);
    const digits = cfg.threeDigitStreets.includes(streetIdx) ? 3 : 2;
    const mine = readingOrder(rawGrids.filter((g) => blocks[g.block].community === ci), (g) => centreOf(m, g.cells), 300);
    if (mine.length >= 10 ** digits) throw new Error(`community ${comm.code} has ${mine.length} grids: too many for ${digits}-digit serials`);
    const first = grids.length;
    mine.forEach((g, n) => {
      g.cells.forEach((c) => { cellGrid[c] = grids.length; });
      grids.push({
        code: comm.code + String(n + 1).padStart(digits, '0'),
        street_code: comm.parent_code!,
        community_code: comm.code,
        work_grid_code: '',
        cells: g.cells,
        block: g.block,
        geom: traceCells(m, g.cells),
      });
    });
    // Work grids: contiguous groups of ~6 unit grids (4–8), one collector each.
    const idxs = mine.map((_, n) => first + n);
    const local = new Int32Array(m.nx * m.ny).fill(-1);
    idxs.forEach((gi, n) => grids[gi].cells.forEach((c) => { local[c] = n; }));
    const adj = regionAdjacency(m, local, idxs.length);
    const k = Math.max(1, Math.round(idxs.length / 6));
    const groups = groupRegions(idxs.map((gi) => grids[gi].cells.length), idxs.map((gi) => centreOf(m, grids[gi].cells)), adj, k, wRng);
    const members = Array.from({ length: k }, () => [] as number[]);
    groups.forEach((g, n) => members[g].push(idxs[n]));
    readingOrder(members.filter((x) => x.length), (x) => centreOf(m, x.flatMap((gi) => grids[gi].cells)), 600).forEach((gs, n) => {
      const code = `${comm.code}W${String(n + 1).padStart(2, '0')}`;
      const wc = gs.flatMap((gi) => grids[gi].cells).sort((a, b) => a - b);
      gs.forEach((gi) => { grids[gi].work_grid_code = code; });
      workGrids.push({ code, name: `${comm.name}第${n + 1}责任网格`, community_code: comm.code, collector: personName(wRng), grids: gs.sort((a, b) => a - b), cells: wc, geom: traceCells(m, wc) });
    });
  });
  return { county, streets, communities, blocks, grids, workGrids, cellGrid, cellBlock: blockLabel, cellCommunity, cellStreet };
}
