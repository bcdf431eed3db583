/**
 * An in-process columnar copy of the cases the hotspot analyses read (pure: no I/O). One row per case, in typed
 * arrays: the point in the analysis CRS, the report time, the voided flag, and the category / organisation / place
 * columns dictionary-coded (code 0 = null). Ids map to rows through an open-addressing hash over the ids' UTF-8
 * bytes kept in one buffer: no per-row JavaScript object, so a million cases cost tens of megabytes, not hundreds.
 * Rows are upserted by id; a deleted case is not removed (the loader reloads everything then, see source.ts).
 */

/** The dictionary-coded columns, in the order of a row's values after [id, x, y, t, voided]. */
export const CODED = ['kind', 'major', 'minor', 'source', 'department', 'district', 'street', 'community'] as const;
export type Coded = (typeof CODED)[number];

/** A row as the loader reads it: id, x, y (analysis CRS), reported_at (ms), voided, then the CODED columns. */
export type CaseRowValues = [string, number | null, number | null, number, boolean, ...(string | null)[]];

/** Strings ↔ small integer codes; code 0 is null. The codes widen from 16 to 32 bits past 65 535 values. */
export class DictColumn {
  readonly values: (string | null)[] = [null];
  private map = new Map<string, number>();
  codes: Uint16Array | Uint32Array;

  constructor(capacity: number) {
    this.codes = new Uint16Array(capacity);
  }

  codeOf(v: string | null): number {
    if (v === null) return 0;
    let c = this.map.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.map.set(v, c);
      if (c > 0xffff && this.codes instanceof Uint16Array) this.codes = Uint32Array.from(this.codes);
    }
    return c;
  }

  /** The code of `v` if some row ever had it, else -1 (a filter value no case has). */
  find(v: string): number {
    return this.map.get(v) ?? -1;
  }

  /** 1 at the codes of `values` (a filter). */
  mask(values: readonly string[]): Uint8Array {
    const m = new Uint8Array(this.values.length);
    for (const v of values) {
      const c = this.find(v);
      if (c >= 0) m[c] = 1;
    }
    return m;
  }

  grow(capacity: number): void {
    this.codes = grown(this.codes, capacity);
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** id → row: open addressing (linear probing) over FNV-1a hashes of the ids' UTF-8 bytes, stored end to end. */
export class IdIndex {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** bytes of row r: start[r] … start[r + 1] */
  private start = new Uint32Array(1025);
  private hashes = new Uint32Array(1024);
  private table = new Int32Array(2048).fill(-1);
  private scratch = new Uint8Array(256);
  private encoder = new TextEncoder();
  size = 0;

  private encode(id: string): number {
    if (this.scratch.length < id.length * 3) this.scratch = new Uint8Array(id.length * 3);
    return this.encoder.encodeInto(id, this.scratch).written!;
  }

  private static hash(b: Uint8Array, n: number): number {
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
    return h >>> 0;
  }

  private equals(row: number, n: number): boolean {
    const s = this.start[row];
    if (this.start[row + 1] - s !== n) return false;
    for (let i = 0; i < n; i++) if (this.bytes[s + i] !== this.scratch[i]) return false;
    return true;
  }

  /** The row of `id`, or -1. */
  get(id: string): number {
    const n = this.encode(id);
    const h = IdIndex.hash(this.scratch, n);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const r = this.table[slot];
      if (r < 0) return -1;
      if (this.hashes[r] === h && this.equals(r, n)) return r;
    }
  }

  /** The row of `id`, added as the next row when it is new. */
  getOrAdd(id: string): number {
    const n = this.encode(id);
    const h = IdIndex.hash(this.scratch, n);
    const mask = this.table.length - 1;
    let slot = h & mask;
    for (; ; slot = (slot + 1) & mask) {
      const r = this.table[slot];
      if (r < 0) break;
      if (this.hashes[r] === h && this.equals(r, n)) return r;
    }
    const row = this.size++;
    if (this.used + n > this.bytes.length) this.bytes = grown(this.bytes, Math.max(2 * this.bytes.length, this.used + n));
    if (row + 2 > this.start.length) this.start = grown(this.start, 2 * this.start.length);
    if (row + 1 > this.hashes.length) this.hashes = grown(this.hashes, 2 * this.hashes.length);
    this.bytes.set(this.scratch.subarray(0, n), this.used);
    this.start[row] = this.used;
    this.used += n;
    this.start[row + 1] = this.used;
    this.hashes[row] = h;
    if (2 * this.size > this.table.length) {
      this.rehash(2 * this.table.length);
    } else {
      this.table[slot] = row;
    }
    return row;
  }

  private rehash(capacity: number): void {
    this.table = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let r = 0; r < this.size; r++) {
      let slot = this.hashes[r] & mask;
      while (this.table[slot] >= 0) slot = (slot + 1) & mask;
      this.table[slot] = r;
    }
  }

  get bytesHeld(): number {
    return this.bytes.byteLength + this.start.byteLength + this.hashes.byteLength + this.table.byteLength;
  }
}

function grown<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, capacity: number): T {
  const next = new (a.constructor as new (n: number) => T)(capacity);
  next.set(a);
  return next;
}

export class CaseColumns {
  /** rows in use */
  size = 0;
  private capacity: number;
  x: Float64Array;
  y: Float64Array;
  /** reported_at, ms since the epoch (fractions keep microseconds) */
  t: Float64Array;
  voided: Uint8Array;
  readonly dict: Record<Coded, DictColumn>;
  readonly ids = new IdIndex();

  constructor(capacity = 1024) {
    this.capacity = Math.max(16, capacity);
    this.x = new Float64Array(this.capacity);
    this.y = new Float64Array(this.capacity);
    this.t = new Float64Array(this.capacity);
    this.voided = new Uint8Array(this.capacity);
    this.dict = Object.fromEntries(CODED.map((c) => [c, new DictColumn(this.capacity)])) as Record<Coded, DictColumn>;
  }

  /** Inserts the case or overwrites its row; returns the row. A missing point is NaN (no cell takes it). */
  upsert(v: CaseRowValues): number {
    const row = this.ids.getOrAdd(v[0]);
    if (row >= this.capacity) this.grow(2 * this.capacity);
    if (row >= this.size) this.size = row + 1;
    this.x[row] = v[1] ?? NaN;
    this.y[row] = v[2] ?? NaN;
    this.t[row] = v[3];
    this.voided[row] = v[4] ? 1 : 0;
    for (let k = 0; k < CODED.length; k++) {
      const d = this.dict[CODED[k]];
      d.codes[row] = d.codeOf((v[5 + k] as string | null) ?? null);
    }
    return row;
  }

  private grow(capacity: number): void {
    this.capacity = capacity;
    this.x = grown(this.x, capacity);
    this.y = grown(this.y, capacity);
    this.t = grown(this.t, capacity);
    this.voided = grown(this.voided, capacity);
    for (const c of CODED) this.dict[c].grow(capacity);
  }

  /** Memory held by the typed arrays (the dictionaries' few strings aside). */
  get bytes(): number {
    let b = this.x.byteLength + this.y.byteLength + this.t.byteLength + this.voided.byteLength + this.ids.bytesHeld;
    for (const c of CODED) b += this.dict[c].codes.byteLength;
    return b;
  }
}
