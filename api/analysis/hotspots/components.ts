/**
 * Hotspot areas: groups of contiguous significant cells (pure). Contiguous = sharing an edge (see
 * cells.ts edgeNeighbours), so every area merges into one polygon (holes allowed).
 */
import { cellKey, edgeNeighbours, type CellKind } from './cells.ts';

export interface LatticeIndex {
  kind: CellKind;
  a: Int32Array;
  b: Int32Array;
  /** cellKey(a, b) → position */
  index: Map<number, number>;
}

/** Builds the key → position map of a lattice. */
export function indexCells(a: ArrayLike<number>, b: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < a.length; i++) m.set(cellKey(a[i], b[i]), i);
  return m;
}

/**
 * Connected groups of cells with bin ≥ minBin, each a list of cell positions in ascending order;
 * groups ordered by their smallest position (deterministic).
 */
export function hotComponents(lattice: LatticeIndex, bin: ArrayLike<number>, minBin = 2): number[][] {
  const n = lattice.a.length;
  const seen = new Uint8Array(n);
  const groups: number[][] = [];
  for (let start = 0; start < n; start++) {
    if (seen[start] || bin[start] < minBin) continue;
    const group: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      group.push(i);
      for (const [na, nb] of edgeNeighbours(lattice.kind, lattice.a[i], lattice.b[i])) {
        const j = lattice.index.get(cellKey(na, nb));
        if (j === undefined || seen[j] || bin[j] < minBin) continue;
        seen[j] = 1;
        stack.push(j);
      }
    }
    groups.push(group.sort((x, y) => x - y));
  }
  return groups;
}
