import { LRUCache } from 'lru-cache';
import type pg from 'pg';

/**
 * Tile cache for the static layers. Entries are keyed by layer version (bumped by a statement trigger on every
 * write, see migration 002), read from the database at most once per `versionTtlMs`, so a write by any process —
 * an import CLI, a grid edit — is visible within that time. Live layers (cases) never go through here.
 */
export class TileCache {
  private tiles: LRUCache<string, Buffer>;
  private versions = new Map<string, number>();
  private versionsAt = 0;
  private pending: Promise<void> | null = null;

  constructor(private pool: pg.Pool, opts: { maxBytes?: number; versionTtlMs?: number } = {}) {
    this.tiles = new LRUCache({ maxSize: opts.maxBytes ?? 256 * 1024 * 1024, sizeCalculation: (b) => Math.max(1, b.length) });
    this.versionTtlMs = opts.versionTtlMs ?? 1000;
  }
  private versionTtlMs: number;

  async version(layer: string): Promise<number> {
    if (Date.now() - this.versionsAt > this.versionTtlMs) await this.refresh();
    return this.versions.get(layer) ?? 0;
  }

  get(key: string): Buffer | undefined {
    return this.tiles.get(key);
  }

  set(key: string, tile: Buffer) {
    this.tiles.set(key, tile);
  }

  /** Forget the remembered versions so the next lookup rereads them (after a write in this process). */
  invalidate() {
    this.versionsAt = 0;
  }

  private refresh(): Promise<void> {
    this.pending ??= this.pool
      .query<{ layer: string; version: number }>('SELECT layer, version FROM layer_versions')
      .then(({ rows }) => {
        this.versions = new Map(rows.map((r) => [r.layer, Number(r.version)]));
        this.versionsAt = Date.now();
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
