import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/connect.ts';
import type { LiveConfig } from './config.ts';
import { initialState, step, withoutForeign, xid32, type SeqState } from './sequencer.ts';
import { readEvents, readForeignXids, readHead, type LiveEvent } from './source.ts';
import { formatEvent, matches, type SseClient } from './sse.ts';
import { dedicatedListener, pooledListener, type WakeSource } from './wake.ts';

/** At start, transactions still open may fill ids this far below the newest one (see sequencer.ts). */
const START_WINDOW = 10_000;

export interface HubStatus {
  clients: number;
  lastId: number | null;
  listening: boolean;
  wake: 'listen' | 'pooled-listen';
  heldGap: { from: number; to: number; ms: number } | null;
  watches: number;
  reads: number;
  delivered: number;
  late: number;
  dropped: number;
}

/**
 * One per API process: wakes on NOTIFY, reads new rows once per wake-up (however many clients), and fans them
 * out to the SSE clients through their filters. Each API process runs its own hub, so any of them can serve
 * the stream.
 */
export class LiveHub {
  private state: SeqState | null = null;
  private clients = new Set<SseClient>();
  private wake: WakeSource | null = null;
  private starting: Promise<void> | null = null;
  private reading: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private recheck: { timer: NodeJS.Timeout; due: number } | null = null;
  private counts = { reads: 0, delivered: 0, late: 0, dropped: 0 };
  /** xids (32-bit) known to run in other databases, and those already looked up */
  private foreign = new Set<string>();
  private lookedUp = new Set<string>();

  constructor(
    private db: Database,
    private cfg: LiveConfig,
    private log: FastifyBaseLogger,
  ) {}

  /** Starts on first use (idempotent): reads the newest id, then listens. */
  start(): Promise<void> {
    this.starting ??= this.doStart().catch((err) => {
      this.starting = null; // let the next client try again
      throw err;
    });
    return this.starting;
  }

  /** Registers a client; it receives every event with an id above the returned watermark (and late ones). */
  subscribe(c: SseClient): number {
    this.clients.add(c);
    return this.watermark();
  }

  /** The highest id sent to live clients in order. */
  watermark(): number {
    if (!this.state) throw new Error('live hub not started');
    return this.state.last;
  }

  unsubscribe(c: SseClient): void {
    this.clients.delete(c);
  }

  dropped(c: SseClient, why: string): void {
    this.clients.delete(c);
    this.counts.dropped++;
    this.log.info({ why }, 'live: SSE client dropped');
  }

  status(): HubStatus {
    const held = this.state?.held;
    return {
      clients: this.clients.size,
      lastId: this.state?.last ?? null,
      listening: this.wake?.connected ?? false,
      wake: this.db.kind === 'embedded' ? 'pooled-listen' : 'listen',
      heldGap: held ? { from: held.from, to: held.to, ms: Date.now() - held.since } : null,
      watches: this.state?.watches.length ?? 0,
      ...this.counts,
    };
  }

  /** Ends every stream (Fastify's close() would wait for them) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.recheck) clearTimeout(this.recheck.timer);
    for (const c of this.clients) c.end();
    this.clients.clear();
    await this.starting?.catch(() => undefined);
    await this.wake?.stop();
    await this.reading;
  }

  private async doStart(): Promise<void> {
    const head = await readHead(this.db.pool);
    this.state = initialState(head.maxId, head.snapshot, START_WINDOW);
    const handlers = {
      onWake: () => this.pump(),
      onConnect: () => this.pump(), // back-fill: notifications sent while not listening are lost
      onError: (err: Error) => this.log.warn({ err: err.message }, 'live: LISTEN connection lost, reconnecting'),
    };
    this.wake =
      this.db.kind === 'embedded'
        ? pooledListener(this.db.pool, handlers)
        : dedicatedListener(this.db.pool.options as pg.ClientConfig, handlers);
    await this.wake.start();
    if (this.stopped) return void (await this.wake.stop());
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.cfg.pollMs > 0) every(this.cfg.pollMs, () => this.pump());
    every(this.cfg.heartbeatMs, () => {
      for (const c of this.clients) if (c.mode === 'live') c.send(': ping\n\n');
    });
  }

  /** Schedules a read; wake-ups during a read coalesce into one more read. */
  private pump(): void {
    if (this.stopped || !this.state) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.reading = this.readLoop().finally(() => {
      this.reading = null;
    });
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        this.dirty = false;
        const state = this.state!;
        const r = await readEvents(this.db.pool, state, this.cfg.batch);
        if (this.stopped) return;
        this.counts.reads++;
        const s = step(state, { ...r, now: Date.now(), limit: this.cfg.batch, gapWaitMs: this.cfg.gapWaitMs, foreign: this.foreign });
        this.state = s.state;
        if (await this.dropForeign()) s.more = true;
        if (s.abandoned) {
          this.log.warn({ gap: [s.abandoned.from, s.abandoned.to], xids: s.abandoned.xids }, 'live: delivering past an id gap whose transactions are still open; their events will arrive late');
        }
        this.fanOut(s.late, true);
        this.fanOut(s.deliver, false);
        if (s.recheckMs !== null) this.scheduleRecheck(s.recheckMs);
        if (!this.dirty && !s.more) return;
      }
    } catch (err) {
      if (this.stopped) return;
      this.log.error({ err }, 'live: reading case_events failed; retrying');
      this.scheduleRecheck(1_000);
    }
  }

  /**
   * A held gap waits for transactions the server was running; on a shared server many belong to other databases
   * and cannot own our ids. Look up the ones not seen before (pg_stat_activity, once per transaction) and stop
   * waiting for those. True when the hold changed.
   */
  private async dropForeign(): Promise<boolean> {
    const held = this.state?.held;
    const unknown = held ? [...held.xids, ...held.slow].map(xid32).filter((x) => !this.lookedUp.has(x)) : [];
    if (!unknown.length) return false;
    const running = await readForeignXids(this.db.pool);
    if (this.lookedUp.size > 10_000) this.lookedUp.clear();
    if (this.foreign.size > 10_000) this.foreign.clear();
    for (const x of unknown) this.lookedUp.add(x);
    for (const x of running) this.foreign.add(x);
    const next = withoutForeign(this.state!, this.foreign);
    if (next === this.state) return false;
    this.state = next;
    return true;
  }

  private scheduleRecheck(ms: number): void {
    const due = Date.now() + ms;
    if (this.stopped || (this.recheck && this.recheck.due <= due)) return;
    if (this.recheck) clearTimeout(this.recheck.timer);
    const timer = setTimeout(() => {
      this.recheck = null;
      this.pump();
    }, ms);
    this.recheck = { timer, due };
  }

  private fanOut(events: LiveEvent[], late: boolean): void {
    if (!events.length) return;
    if (late) this.counts.late += events.length;
    else this.counts.delivered += events.length;
    if (!this.clients.size) return;
    const chunks = events.map((e) => formatEvent(e, late));
    let all: string | null = null; // shared by every client without a filter
    for (const c of this.clients) {
      if (c.mode === 'catchup' && !late) continue; // its replay reads these from the table
      const f = c.filter;
      // a client resuming from an id the hub has not reached yet skips what it already has (late rows are new to all)
      const skip = !late && c.after >= events[0].id;
      if (!f.districts && !f.departments && !f.types && !skip) c.send((all ??= chunks.join('')));
      else c.send(chunks.filter((_, i) => (late || events[i].id > c.after) && matches(f, events[i])).join(''));
    }
  }
}
