/**
 * Every case the map draws, as typed columns (the binary case feed) kept current by the live stream. No per-case
 * objects: 60k cases are a few MB of typed arrays. Svelte sees one counter (`version`), bumped once per batch
 * of changes, never the arrays themselves.
 *
 * Replayed events (the stream resumes a little before the feed's snapshot) are applied once: a case is created
 * only if unknown, an update only if its version is newer, a light change only if newer or, at the same version,
 * further along green → yellow → red (the sweeper only ever advances a light).
 */
import {
  allocColumns,
  caseId,
  decodeFeed,
  FLAG_KEY,
  FLAG_REPEAT,
  FLAG_ZONE_VIOLATION,
  growColumns,
  NONE,
  splitCaseId,
  type FeedColumns,
  type FeedDicts,
  type MinorEntry,
} from '../../../../api/cases-feed/format.ts';
import { api } from '../../lib/api.ts';
import type { LiveEvent } from '../../lib/types.ts';

export const LIGHT_NONE = 0;
export const LIGHT_GREEN = 1;
export const LIGHT_YELLOW = 2;
export const LIGHT_RED = 3;

/** A case created while we watch, for the pulse animation and the tour. */
export interface Fresh {
  row: number;
  at: number; // performance.now() when it arrived
}

const EMPTY_DICTS: FeedDicts = { counties: [], otherIds: [], minors: [], departments: [], streets: [], communities: [], statuses: [], lights: ['', 'green', 'yellow', 'red'], sources: [] };

class CaseStore {
  /** Bumped after every change to the columns; readers derive from it. */
  version = $state(0);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);

  cols: FeedColumns = allocColumns(0);
  dicts: FeedDicts = EMPTY_DICTS;
  count = 0;
  /** Where the live stream resumes (the feed's snapshot, minus a margin). */
  resumeAfter = 0;
  /** Newest event id the snapshot covered: events above it are news. */
  snapshotEventId = 0;
  /** Cases created while watching, newest last; bounded. */
  fresh: Fresh[] = [];

  private rowOf = new Map<string, number>();
  private idx = {
    county: new Map<string, number>(),
    minor: new Map<string, number>(),
    department: new Map<string, number>(),
    street: new Map<string, number>(),
    community: new Map<string, number>(),
    status: new Map<string, number>(),
    light: new Map<string, number>(),
    source: new Map<string, number>(),
  };
  private inflight: Promise<void> | null = null;

  /** Loads the feed once (again after `reload`). */
  load(): Promise<void> {
    this.inflight ??= this.fetch().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async fetch() {
    this.loading = true;
    try {
      const { header, columns } = decodeFeed(await api.casesFeed());
      this.dicts = header.dicts;
      this.count = header.count;
      // Room to grow: live cases are appended without reallocating for a good while.
      this.cols = growColumns(columns, header.count, Math.ceil(header.count * 1.1) + 1024);
      this.resumeAfter = header.resumeAfter;
      this.snapshotEventId = header.lastEventId;
      this.reindex();
      this.fresh = [];
      this.error = null;
      this.loaded = true;
      this.version++;
    } catch (err) {
      this.error = (err as Error).message;
      throw err;
    } finally {
      this.loading = false;
    }
  }

  private reindex() {
    const d = this.dicts;
    const map = <T>(list: T[], key: (t: T) => string) => new Map(list.map((t, i) => [key(t), i]));
    this.idx = {
      county: map(d.counties, (c) => c),
      minor: map(d.minors, (m) => `${m.kind}:${m.code}`),
      department: map(d.departments, (x) => x.id),
      street: map(d.streets, (x) => x.code),
      community: map(d.communities, (x) => x.code),
      status: map(d.statuses, (x) => x),
      light: map(d.lights, (x) => x),
      source: map(d.sources, (x) => x),
    };
    this.rowOf = new Map();
    for (let i = 0; i < this.count; i++) this.rowOf.set(this.id(i), i);
  }

  id(row: number): string {
    return caseId(this.dicts, this.cols.county[row], this.cols.idNum[row]);
  }

  row(id: string): number | undefined {
    return this.rowOf.get(id);
  }

  minor(row: number): MinorEntry {
    return this.dicts.minors[this.cols.minor[row]];
  }

  status(row: number): string {
    return this.dicts.statuses[this.cols.status[row]];
  }

  light(row: number): string {
    return this.dicts.lights[this.cols.light[row]];
  }

  source(row: number): string {
    return this.dicts.sources[this.cols.source[row]];
  }

  streetName(row: number): string {
    const s = this.cols.street[row];
    return s === NONE ? '' : (this.dicts.streets[s]?.name ?? '');
  }

  communityName(row: number): string {
    const c = this.cols.community[row];
    return c === NONE ? '' : (this.dicts.communities[c]?.name ?? '');
  }

  departmentName(id: string | null): string {
    return id ? (this.dicts.departments.find((d) => d.id === id)?.name ?? id) : '';
  }

  position(row: number): [number, number] {
    return [this.cols.lon[row], this.cols.lat[row]];
  }

  /** Applies a batch of live events; true when any case changed (the caller then bumps nothing: done here). */
  apply(batch: LiveEvent[], now = performance.now()): boolean {
    if (!this.loaded) return false;
    let changed = false;
    for (const ev of batch) {
      if (ev.type === 'case.created') changed = this.create(ev, now) || changed;
      else if (ev.type === 'case.updated') changed = this.update(ev) || changed;
      else if (ev.type === 'case.light') changed = this.relight(ev) || changed;
      else if (ev.type === 'repeat.detected') changed = this.repeated(ev) || changed;
    }
    if (changed) this.version++;
    return changed;
  }

  private ref(kind: keyof CaseStore['idx'], key: string | null | undefined, add?: () => void): number {
    if (key === null || key === undefined || key === '') return kind === 'light' ? LIGHT_NONE : NONE;
    let i = this.idx[kind].get(key);
    if (i === undefined && add) {
      add();
      i = this.idx[kind].size;
      this.idx[kind].set(key, i);
    }
    return i ?? NONE;
  }

  private create(ev: LiveEvent, now: number): boolean {
    const p = ev.payload;
    const id = String(p.id ?? ev.caseId);
    if (this.rowOf.has(id) || typeof p.lon !== 'number' || typeof p.lat !== 'number') return false;
    if (this.count === this.cols.idNum.length) this.cols = growColumns(this.cols, this.count, this.count * 2 + 1024);
    const c = this.cols;
    const i = this.count;
    const split = splitCaseId(id);
    if (split) {
      c.county[i] = this.ref('county', split.county, () => this.dicts.counties.push(split.county));
      c.idNum[i] = split.idNum;
    } else {
      c.county[i] = NONE;
      c.idNum[i] = this.dicts.otherIds.push(id) - 1;
    }
    c.lon[i] = p.lon;
    c.lat[i] = p.lat;
    c.reportedAt[i] = Math.floor(Date.parse(p.reportedAt ?? ev.createdAt) / 1000);
    c.deadline[i] = p.deadline ? Math.floor(Date.parse(p.deadline) / 1000) : 0;
    c.version[i] = p.version ?? 1;
    c.minor[i] = this.ref('minor', `${p.kind}:${p.minor}`, () => this.dicts.minors.push({ kind: p.kind, code: p.minor, name: null, majorName: null }));
    c.department[i] = this.ref('department', p.departmentId ?? ev.departmentId, () => this.dicts.departments.push({ id: p.departmentId, name: p.departmentId }));
    c.street[i] = this.ref('street', p.streetCode);
    c.community[i] = this.ref('community', p.communityCode);
    c.status[i] = this.ref('status', p.status ?? 'reported');
    c.light[i] = this.ref('light', p.light);
    c.source[i] = this.ref('source', p.source);
    c.flags[i] = (p.zoneViolation ? FLAG_ZONE_VIOLATION : 0) | (p.isKey ? FLAG_KEY : 0) | (p.isRepeat ? FLAG_REPEAT : 0);
    this.count++;
    this.rowOf.set(id, i);
    if (ev.id > this.snapshotEventId) {
      this.fresh.push({ row: i, at: now });
      if (this.fresh.length > 200) this.fresh.splice(0, this.fresh.length - 200);
    }
    return true;
  }

  private update(ev: LiveEvent): boolean {
    const i = ev.caseId ? this.rowOf.get(ev.caseId) : undefined;
    const p = ev.payload;
    if (i === undefined || typeof p.version !== 'number' || p.version <= this.cols.version[i]) return false;
    const c = this.cols;
    c.version[i] = p.version;
    if (p.to) c.status[i] = this.ref('status', p.to);
    if ('light' in p) c.light[i] = this.ref('light', p.light);
    if ('deadline' in p) c.deadline[i] = p.deadline ? Math.floor(Date.parse(p.deadline) / 1000) : 0;
    if (ev.departmentId !== undefined) {
      c.department[i] = this.ref('department', ev.departmentId, () => this.dicts.departments.push({ id: ev.departmentId!, name: ev.departmentId! }));
    }
    return true;
  }

  private relight(ev: LiveEvent): boolean {
    const i = ev.caseId ? this.rowOf.get(ev.caseId) : undefined;
    const p = ev.payload;
    if (i === undefined) return false;
    const c = this.cols;
    const v = typeof p.version === 'number' ? p.version : c.version[i];
    const to = this.ref('light', p.to);
    if (v < c.version[i] || (v === c.version[i] && to <= c.light[i])) return false;
    c.version[i] = v;
    c.light[i] = to;
    if (p.status) c.status[i] = this.ref('status', p.status);
    return true;
  }

  /** A repeat group reached its threshold: every member is a repeat case now (members not loaded are skipped). */
  private repeated(ev: LiveEvent): boolean {
    const members: unknown = ev.payload?.members;
    if (!Array.isArray(members)) return false;
    let changed = false;
    for (const id of members) {
      const i = this.rowOf.get(String(id));
      if (i === undefined || this.cols.flags[i] & FLAG_REPEAT) continue;
      this.cols.flags[i] |= FLAG_REPEAT;
      changed = true;
    }
    return changed;
  }

  isRepeat(row: number): boolean {
    return (this.cols.flags[row] & FLAG_REPEAT) !== 0;
  }

  /** Drops fresh entries older than `ms`. */
  expireFresh(now: number, ms: number) {
    let k = 0;
    while (k < this.fresh.length && now - this.fresh[k].at > ms) k++;
    if (k) this.fresh.splice(0, k);
  }
}

export const caseStore = new CaseStore();
