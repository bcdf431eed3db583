/**
 * Caches of the hotspot analyses.
 *
 * Results (the response JSON) are keyed by the parameters and the data version: the sum of the
 * per-backend change counters of `cases` (migration 006) and the versions of the districts and zones
 * layers (migration 002). The version is read before anything else, in its own statement: whatever the
 * analysis then reads is at least that new, so an entry can be newer than its key but never older —
 * after any committed change the key moves on and the next request recomputes.
 * Study areas and their lattices depend only on the layers, so they are kept across case changes.
 * Concurrent identical requests share one computation.
 */
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { Db } from './cases-sql.ts';
import type { CellKind } from './cells.ts';
import { areaLabel, ParamError, type AreaSpec } from './params.ts';
import { loadLattice, loadStudyArea, type Lattice, type StudyArea } from './study-area.ts';

export interface DataVersion {
  cases: string;
  layers: string;
}

export async function dataVersion(pool: pg.Pool): Promise<DataVersion> {
  const { rows } = await pool.query<{ cases: string; layers: string | null }>(
    `SELECT (SELECT coalesce(sum(changes), 0) FROM case_change_counts)::text AS cases,
            (SELECT string_agg(layer || ':' || version, ',' ORDER BY layer) FROM layer_versions WHERE layer IN ('districts', 'zones')) AS layers`,
  );
  return { cases: rows[0].cases, layers: rows[0].layers ?? '' };
}

export class AnalysisCache {
  private results: LRUCache<string, string>;
  private areas = new LRUCache<string, StudyArea>({ max: 64 });
  private lattices: LRUCache<string, Lattice>;
  private inflight = new Map<string, Promise<string>>();

  constructor(maxBytes: number) {
    this.results = new LRUCache({ maxSize: Math.max(1, Math.floor(maxBytes / 2)), sizeCalculation: (s) => Math.max(1, 2 * s.length) });
    this.lattices = new LRUCache({ maxSize: Math.max(1, Math.floor(maxBytes / 2)), sizeCalculation: (l) => Math.max(1, l.bytes) });
  }

  /** The cached result for `key`, or the one being computed for it, or a new computation. */
  async result(key: string, compute: () => Promise<string>): Promise<{ body: string; hit: boolean }> {
    const cached = this.results.get(key);
    if (cached !== undefined) return { body: cached, hit: true };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = compute()
        .then((body) => {
          this.results.set(key, body);
          return body;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return { body: await pending, hit: false };
  }

  async studyArea(db: Db, area: AreaSpec, srid: number, version: DataVersion): Promise<StudyArea> {
    const key = `${areaLabel(area)}|${srid}|${version.layers}`;
    let a = this.areas.get(key);
    if (!a) {
      a = await loadStudyArea(db, area, srid);
      this.areas.set(key, a);
    }
    return a;
  }

  async lattice(db: Db, area: StudyArea, kind: CellKind, size: number, maxCells: number, version: DataVersion): Promise<Lattice> {
    const key = `${area.label}|${area.srid}|${kind}|${size}|${version.layers}`;
    let l = this.lattices.get(key);
    if (!l) {
      l = await loadLattice(db, area, kind, size, maxCells);
      this.lattices.set(key, l);
    }
    // a cached lattice may come from a request with a higher limit (emerging lowers it by the number of steps)
    if (l.a.length > maxCells) {
      throw new ParamError('cellSize', `${size} m gives ${l.a.length} cells over ${area.label}; the limit here is ${maxCells}: use a larger cellSize`);
    }
    return l;
  }

  clear(): void {
    this.results.clear();
    this.areas.clear();
    this.lattices.clear();
  }
}
