import type { ServerResponse } from 'node:http';
import type { LiveEvent, ReplayFilter } from './source.ts';

/**
 * One SSE message. A late event (an id below ones already sent) goes without `id:`, so the browser's resume point
 * (its Last-Event-ID) stays at the highest id it has; the id is still in `data`.
 */
export function formatEvent(ev: LiveEvent, late = false): string {
  const type = ev.type.replace(/[\r\n]/g, ' '); // a line break would end the field
  return `${late ? '' : `id: ${ev.id}\n`}event: ${type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export interface Filter extends ReplayFilter {}

export function matches(f: Filter, ev: LiveEvent): boolean {
  if (f.districts && !f.districts.includes(ev.districtCode)) return false;
  if (f.departments && (ev.departmentId === null || !f.departments.includes(ev.departmentId))) return false;
  if (f.types && !f.types.includes(ev.type)) return false;
  return true;
}

/**
 * A connected SSE client. A client that resumes from Last-Event-ID first catches up from the table (the hub's
 * live events are not sent to it meanwhile: the replay reads them too), then briefly queues live events while
 * it reads the last stretch, then goes live. Bounded: when more than `maxBytes` wait unsent (socket buffer or
 * queue), the client is dropped; it reconnects with Last-Event-ID and replays what it missed.
 */
export class SseClient {
  mode: 'catchup' | 'queue' | 'live' = 'live';
  /** Last-Event-ID: live events up to it were (or will be, by the replay) sent already */
  after = 0;
  closed = false;
  private queue: string[] = [];
  private queued = 0;

  constructor(
    readonly res: ServerResponse,
    readonly filter: Filter,
    private maxBytes: number,
    private onDrop: (c: SseClient, why: string) => void,
  ) {
    res.once('close', () => this.end());
  }

  /** Live traffic (events, heartbeats), queued until the replay is over. */
  send(chunk: string): void {
    if (this.closed || !chunk) return;
    if (this.mode !== 'live') {
      this.queue.push(chunk);
      this.queued += Buffer.byteLength(chunk);
      if (this.queued > this.maxBytes) this.drop('live events piled up during the replay');
      return;
    }
    this.write(chunk);
  }

  /** Replay traffic: resolves when the socket can take more (backpressure), false once the client is gone. */
  async replay(chunk: string): Promise<boolean> {
    if (this.closed) return false;
    if (!this.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
    return !this.closed;
  }

  /** The replay is over: flush what queued behind it and go live. */
  goLive(): void {
    this.mode = 'live';
    const chunk = this.queue.join('');
    this.queue = [];
    this.queued = 0;
    if (chunk) this.write(chunk);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): void {
    this.res.write(chunk);
    if (this.res.writableLength > this.maxBytes) this.drop('client too slow');
  }

  private drop(why: string): void {
    this.onDrop(this, why);
    this.closed = true;
    this.queue = [];
    this.res.destroy(); // ending would wait for the unsent backlog to flush
  }
}
