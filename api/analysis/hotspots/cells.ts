/**
 * Cell lattices for hotspot analysis, in a metric CRS (pure; the SQL in `cellKeySql` must agree with
 * `cellOf` and is checked against it by the integration tests).
 *
 * Square, size s: cell (col, row) covers [col·s, (col+1)·s) × [row·s, (row+1)·s); centroid
 * ((col+½)·s, (row+½)·s). "Float-exact": col is the integer with col·s ≤ x < (col+1)·s evaluated in
 * double arithmetic, so a point on a cell edge belongs to the cell to its right / above.
 *
 * Hexagon, spacing d (distance between the centres of adjacent cells = between opposite sides):
 * pointy-top hexagons (a vertex points north), axial index (q, r) as in Red Blob Games' "Hexagonal
 * Grids": centre x = d·(q + r/2), y = d·(√3/2)·r. Rows r run west–east and step north by d·√3/2;
 * each row is shifted half a cell east of the one below it. Circumradius (edge length) d/√3, area
 * (√3/2)·d². Cell (0, 0) is centred on the CRS origin. A point belongs to the hexagon with the nearest
 * centre (cube rounding); on an edge, the rounding rule of SQL `round(float8)` (half to even) decides.
 */

export type CellKind = 'square' | 'hex';

export const SQRT3 = Math.sqrt(3);

/** A float8 SQL literal that parses back to exactly `v` (JS prints the shortest round-trip form). */
const f8 = (v: number) => `${v}::float8`;

/** Index of a cell: (col, row) for squares, (q, r) for hexagons — both stored as [a, b]. */
export type CellIndex = [number, number];

/** Rounds half to even, like PostgreSQL round(double precision) (C rint). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** floor(x/s), corrected so that col·s ≤ x < (col+1)·s holds in double arithmetic. */
export function squareIndex(x: number, s: number): number {
  let c = Math.floor(x / s);
  if (c * s > x) c -= 1;
  else if ((c + 1) * s <= x) c += 1;
  return c;
}

/** Axial (q, r) of the pointy-top hexagon with spacing d containing (x, y). */
export function hexIndex(x: number, y: number, d: number): CellIndex {
  const rf = y / (d * (SQRT3 / 2));
  const qf = x / d - rf / 2;
  const sf = -qf - rf;
  let q = roundHalfEven(qf);
  let r = roundHalfEven(rf);
  const s = roundHalfEven(sf);
  const dq = Math.abs(q - qf);
  const dr = Math.abs(r - rf);
  const ds = Math.abs(s - sf);
  if (dq > dr && dq > ds) q = -r - s;
  else if (dr > ds) r = -q - s;
  return [q, r];
}

/** The cell containing (x, y). */
export function cellOf(kind: CellKind, x: number, y: number, size: number): CellIndex {
  return kind === 'square' ? [squareIndex(x, size), squareIndex(y, size)] : hexIndex(x, y, size);
}

/** Centroid of a cell. */
export function cellCentre(kind: CellKind, a: number, b: number, size: number): [number, number] {
  return kind === 'square' ? [(a + 0.5) * size, (b + 0.5) * size] : [size * (a + b / 2), size * (SQRT3 / 2) * b];
}

/** Area of one cell in m². */
export function cellArea(kind: CellKind, size: number): number {
  return kind === 'square' ? size * size : (SQRT3 / 2) * size * size;
}

/** Vertex offsets of a pointy-top hexagon of spacing 1 from its centre, counter-clockwise from 30°. */
export const HEX_OFFSETS: readonly [number, number][] = [
  [0.5, 0.5 / SQRT3],
  [0, 1 / SQRT3],
  [-0.5, 0.5 / SQRT3],
  [-0.5, -0.5 / SQRT3],
  [0, -1 / SQRT3],
  [0.5, -0.5 / SQRT3],
];

/** Ring of a cell (closed, counter-clockwise), in the metric CRS. */
export function cellRing(kind: CellKind, a: number, b: number, size: number): [number, number][] {
  if (kind === 'square') {
    const x0 = a * size, y0 = b * size, x1 = (a + 1) * size, y1 = (b + 1) * size;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
  }
  const [cx, cy] = cellCentre('hex', a, b, size);
  // pointy-top: vertices at 30°, 90° (north), 150° … ; written as the same offsets SQL uses (cellGeomSql)
  const ring: [number, number][] = HEX_OFFSETS.map(([dx, dy]) => [cx + dx * size, cy + dy * size]);
  ring.push(ring[0]);
  return ring;
}

/**
 * The cells sharing an edge with (a, b): 4 for squares (rook — corner contact does not make
 * two hotspot cells one area), 6 for hexagons.
 */
export function edgeNeighbours(kind: CellKind, a: number, b: number): CellIndex[] {
  if (kind === 'square') return [[a + 1, b], [a - 1, b], [a, b + 1], [a, b - 1]];
  return [[a + 1, b], [a - 1, b], [a, b + 1], [a, b - 1], [a + 1, b - 1], [a - 1, b + 1]];
}

/**
 * A number key for a cell index, distinct for |a| < 2^26 and |b| < 2^25 (33 000 km of northing at
 * 1 m cells: every cell of any projected CRS with cellSize ≥ 1 m), and exact (< 2^53).
 */
export function cellKey(a: number, b: number): number {
  return a * 67108864 + b;
}

/**
 * The bigint key SQL uses for a cell: a·2654435761 + b (unique for |a| < 2^26, |b| < 2^25, and far from
 * overflowing). Not (a << 32) | b: PostgreSQL hashes a bigint by folding its high half onto its low
 * half, so such keys collide whenever a XOR b does — and a lattice has few distinct a XOR b. Hash
 * joins and hashed IN-lists on them degenerated into long chains (seconds for a few thousand cells);
 * multiplying by an odd constant near 2^32·0.618 spreads them.
 */
export const SQL_KEY_FACTOR = 2654435761n;

export function sqlKey(a: number, b: number): string {
  return (BigInt(a) * SQL_KEY_FACTOR + BigInt(b)).toString();
}

/** SQL of the same key for int expressions a, b. */
export function sqlKeyExpr(a: string, b: string): string {
  return `(${a}::bigint * ${SQL_KEY_FACTOR} + ${b})`;
}

/**
 * SQL expressions for the cell index of a point with float8 coordinate columns `x`, `y` (metric CRS);
 * `size` is a bound parameter reference (e.g. `$3::float8`). The square form applies the same
 * float-exact correction as `squareIndex`; the hex form reads the LATERAL `h` of hexLateralSql.
 */
export function cellIndexSql(kind: CellKind, x: string, y: string, size: string): { a: string; b: string } {
  if (kind === 'square') {
    const idx = (v: string) =>
      `(floor(${v} / ${size}) - (floor(${v} / ${size}) * ${size} > ${v})::int + ((floor(${v} / ${size}) + 1) * ${size} <= ${v})::int)::int`;
    return { a: idx(x), b: idx(y) };
  }
  // cube rounding (hexIndex): replace the component that rounded furthest
  const q = `(CASE WHEN h.dq > h.dr AND h.dq > h.ds THEN -h.rr - h.rs ELSE h.rq END)::int`;
  const r = `(CASE WHEN h.dq > h.dr AND h.dq > h.ds THEN h.rr WHEN h.dr > h.ds THEN -h.rq - h.rs ELSE h.rr END)::int`;
  return { a: q, b: r };
}

/** LATERAL subquery `h` with the rounded cube coordinates of point (x, y) for hexagons of spacing `size`. */
export function hexLateralSql(x: string, y: string, size: string): string {
  const rf = `(${y} / (${size} * ${f8(SQRT3 / 2)}))`;
  const qf = `(${x} / ${size} - ${rf} / 2)`;
  return `CROSS JOIN LATERAL (SELECT rq, rr, rs, abs(rq - qf) AS dq, abs(rr - rf) AS dr, abs(rs - (-qf - rf)) AS ds
      FROM (SELECT round(qf) AS rq, round(rf) AS rr, round(-qf - rf) AS rs, qf, rf
            FROM (SELECT ${qf} AS qf, ${rf} AS rf) f) g) h`;
}

/**
 * SQL expression (a function call, usable as `CROSS JOIN LATERAL <expr> AS e`) of the polygon of
 * cell (a, b) — `a`, `b` int expressions, `size` a float8 expression — in `srid`, computed with the
 * same double operations as cellRing so shared edges of neighbouring cells coincide.
 */
export function cellGeomSql(kind: CellKind, a: string, b: string, size: string, srid: string): string {
  if (kind === 'square') {
    return `ST_MakeEnvelope(${a} * ${size}, ${b} * ${size}, (${a} + 1) * ${size}, (${b} + 1) * ${size}, ${srid})`;
  }
  const cx = `(${size} * (${a} + ${b}::float8 / 2))`;
  const cy = `(${size} * ${f8(SQRT3 / 2)} * ${b})`;
  const pts = [...HEX_OFFSETS, HEX_OFFSETS[0]].map(([dx, dy]) => `ST_MakePoint(${cx} + ${f8(dx)} * ${size}, ${cy} + ${f8(dy)} * ${size})`);
  return `ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY[${pts.join(', ')}])), ${srid})`;
}

/** How the response's cell index reads, for `parameters.layout`. */
export function layoutNote(kind: CellKind): Record<string, unknown> {
  return kind === 'square'
    ? { index: ['col', 'row'], rule: 'cell (col, row) covers [col·s, (col+1)·s) × [row·s, (row+1)·s) in srid, s = cellSize' }
    : {
        index: ['q', 'r'],
        orientation: 'pointy-top',
        rule: 'axial (q, r): centre x = s·(q + r/2), y = s·(√3/2)·r in srid, s = cellSize = distance between adjacent centres (across flats); edge length s/√3; a point belongs to the nearest centre',
      };
}
