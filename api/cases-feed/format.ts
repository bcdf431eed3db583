/**
 * The case feed's binary form (`GET /api/cases-feed`): every case the map draws, as columns the browser hands to
 * deck.gl as typed arrays without per-case objects. Shared by the server (encode) and the web app (decode); pure,
 * no imports, no Node APIs.
 *
 * Layout: "CLF1" · uint32 header length · header JSON (UTF-8) · columns, each a little-endian typed array of
 * `count` values starting at a multiple of 8 bytes, in the order of FEED_COLUMNS. Dictionary columns hold an
 * index into the header's lists; NONE (0xffff) is "no value".
 */

export const FEED_MAGIC = 'CLF1';
export const NONE = 0xffff;

const ARRAYS = {
  f64: Float64Array,
  f32: Float32Array,
  u32: Uint32Array,
  u16: Uint16Array,
  u8: Uint8Array,
} as const;
type ColumnType = keyof typeof ARRAYS;

/**
 * Column name → element type. A case id is county (dicts.counties[county]) + idNum padded to 13 digits; an id of
 * another form (imported from a legacy system) has county NONE and is dicts.otherIds[idNum].
 */
export const FEED_COLUMNS = {
  idNum: 'f64', // yyyymmdd·serial of the id as a number (13 digits < 2^53)
  county: 'u16',
  lon: 'f32', // WGS84; float32 is ~1 m here, plenty for drawing
  lat: 'f32',
  reportedAt: 'u32', // epoch seconds
  deadline: 'u32', // epoch seconds, 0 = none
  version: 'u32',
  minor: 'u16', // dicts.minors
  department: 'u16', // dicts.departments
  street: 'u16', // dicts.streets
  community: 'u16', // dicts.communities
  status: 'u8', // dicts.statuses
  light: 'u8', // dicts.lights (0 = none)
  source: 'u8', // dicts.sources
  flags: 'u8', // FLAG_*
} as const satisfies Record<string, ColumnType>;

export const FLAG_ZONE_VIOLATION = 1;
export const FLAG_KEY = 2;
/** a repeat case (重复案件): its repeat group reached the threshold (cases.is_repeat) */
export const FLAG_REPEAT = 4;

export type FeedColumnName = keyof typeof FEED_COLUMNS;
type ArrayOf<T extends ColumnType> = InstanceType<(typeof ARRAYS)[T]>;
export type FeedColumns = { [K in FeedColumnName]: ArrayOf<(typeof FEED_COLUMNS)[K]> };

export interface MinorEntry {
  kind: 'component' | 'event';
  code: string;
  name: string | null;
  majorName: string | null;
}

export interface FeedDicts {
  counties: string[];
  otherIds: string[];
  minors: MinorEntry[];
  departments: { id: string; name: string }[];
  streets: { code: string; name: string }[];
  communities: { code: string; name: string; street: string }[];
  statuses: string[];
  lights: string[]; // index 0 is '' (no light)
  sources: string[];
}

export interface FeedHeader {
  count: number;
  /** When the snapshot was read. */
  asOf: string;
  /** Newest case_events id visible to the snapshot. */
  lastEventId: number;
  /**
   * Where a live stream should resume (Last-Event-ID): a little before lastEventId, because event ids are taken
   * before commit and a transaction still open at the snapshot may hold lower ids. Replayed events are
   * recognised by case version and applied once.
   */
  resumeAfter: number;
  /** Cases reported since this instant, plus every open case. */
  from: string;
  dicts: FeedDicts;
  /** The columns in the order they follow the header (always FEED_COLUMNS' order). */
  columns: FeedColumnName[];
}

export const caseId = (dicts: FeedDicts, county: number, idNum: number) =>
  county === NONE ? dicts.otherIds[idNum] : dicts.counties[county] + String(idNum).padStart(13, '0');

/** Splits a standard 19-digit case id (county + yyyymmdd + serial) into county and number; null for others. */
export function splitCaseId(id: string): { county: string; idNum: number } | null {
  return /^\d{19}$/.test(id) ? { county: id.slice(0, 6), idNum: Number(id.slice(6)) } : null;
}

export function allocColumns(capacity: number): FeedColumns {
  const out = {} as Record<string, unknown>;
  for (const [name, type] of Object.entries(FEED_COLUMNS)) out[name] = new ARRAYS[type as ColumnType](capacity);
  return out as FeedColumns;
}

/** Copies the first `count` values of each column into new arrays of `capacity` (growing a live store). */
export function growColumns(cols: FeedColumns, count: number, capacity: number): FeedColumns {
  const out = allocColumns(capacity);
  for (const name of Object.keys(FEED_COLUMNS) as FeedColumnName[]) (out[name] as Uint8Array).set((cols[name] as Uint8Array).subarray(0, count));
  return out;
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeFeed(header: Omit<FeedHeader, 'columns'>, cols: FeedColumns): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, columns: Object.keys(FEED_COLUMNS) }));
  const names = Object.keys(FEED_COLUMNS) as FeedColumnName[];
  let size = align8(8 + json.byteLength);
  for (const n of names) size = align8(size + header.count * ARRAYS[FEED_COLUMNS[n]].BYTES_PER_ELEMENT);
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(FEED_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.byteLength, true);
  out.set(json, 8);
  let at = align8(8 + json.byteLength);
  for (const n of names) {
    const src = cols[n] as Uint8Array;
    const bytes = header.count * src.BYTES_PER_ELEMENT;
    out.set(new Uint8Array(src.buffer, src.byteOffset, bytes), at);
    at = align8(at + bytes);
  }
  return out;
}

/** Columns are views on `buf` (no copy). Throws on a buffer that is not a feed. */
export function decodeFeed(buf: ArrayBuffer): { header: FeedHeader; columns: FeedColumns } {
  const bytes = new Uint8Array(buf);
  if (buf.byteLength < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== FEED_MAGIC) throw new Error('not a case feed (bad magic)');
  const len = new DataView(buf).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as FeedHeader;
  const out = {} as Record<string, unknown>;
  let at = align8(8 + len);
  for (const name of header.columns) {
    const Ctor = ARRAYS[FEED_COLUMNS[name]];
    if (!Ctor) throw new Error(`case feed: unknown column ${name}`);
    out[name] = new Ctor(buf, at, header.count);
    at = align8(at + header.count * Ctor.BYTES_PER_ELEMENT);
  }
  return { header, columns: out as FeedColumns };
}
