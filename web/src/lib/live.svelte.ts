/**
 * The live stream (`GET /api/events`, Server-Sent Events): one EventSource for the whole console.
 *
 * - EventSource cannot send headers, so the token goes as `?token=`; the first connection resumes from the
 *   case feed's snapshot (`?lastEventId=`), and the browser's own reconnects send `Last-Event-ID`.
 * - A stream the browser gave up on (server answered an error, or was down when it retried) is reopened here
 *   with backoff, from the last id received: nothing is lost across API restarts.
 * - Events are handed to listeners in batches, once per animation frame (or every 250 ms while the tab is
 *   hidden and frames stop), never one by one: a burst of thousands costs one redraw.
 */
import type { LiveEvent } from './types.ts';

export const LIVE_TYPES = ['case.created', 'case.updated', 'case.light', 'zone.violation', 'case.duplicate-suggested', 'repeat.detected'] as const;

export type LiveListener = (batch: LiveEvent[]) => void;

const MAX_BACKOFF_MS = 30_000;

class LiveStream {
  status = $state<'idle' | 'connecting' | 'open' | 'retrying'>('idle');
  /** Events received since start (for the status line). */
  received = $state(0);
  lastEventId = 0;
  private es: EventSource | null = null;
  private token = '';
  private queue: LiveEvent[] = [];
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private backoff = 1000;
  private listeners = new Set<LiveListener>();

  /** (Re)connects with this token, resuming after `after`; no-op when already streaming with it. */
  start(token: string, after: number) {
    if (this.es && this.token === token) return;
    this.stop();
    this.token = token;
    this.lastEventId = after;
    this.open();
  }

  stop() {
    clearTimeout(this.retry);
    this.es?.close();
    this.es = null;
    this.status = 'idle';
  }

  subscribe(fn: LiveListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private open() {
    const q = new URLSearchParams({ token: this.token, lastEventId: String(this.lastEventId) });
    const es = new EventSource(`/api/events?${q}`);
    this.es = es;
    this.status = 'connecting';
    es.onopen = () => {
      this.status = 'open';
      this.backoff = 1000;
    };
    es.onerror = () => {
      if (es !== this.es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (error status, or refused): reopen from the last id we have.
        this.status = 'retrying';
        es.close();
        this.es = null;
        this.retry = setTimeout(() => this.open(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      } else this.status = 'retrying'; // the browser reconnects by itself, with Last-Event-ID
    };
    const onMessage = (e: MessageEvent<string>) => {
      let ev: LiveEvent;
      try {
        ev = JSON.parse(e.data) as LiveEvent;
      } catch {
        return;
      }
      // A late event (below ids already sent) comes without `id:`: the resume point stays put.
      if (e.lastEventId) this.lastEventId = Math.max(this.lastEventId, Number(e.lastEventId));
      this.queue.push(ev);
      this.schedule();
    };
    for (const t of LIVE_TYPES) es.addEventListener(t, onMessage as EventListener);
  }

  private schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.flush());
    this.timer = setTimeout(() => this.flush(), 250); // frames do not run in hidden tabs
  }

  private flush() {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = 0;
    const batch = this.queue;
    if (!batch.length) return;
    this.queue = [];
    this.received += batch.length;
    for (const fn of this.listeners) {
      try {
        fn(batch);
      } catch (err) {
        console.warn('live listener failed', err);
      }
    }
  }
}

export const live = new LiveStream();
