import pg from 'pg';

export const CHANNEL = 'case_events';

/** Something that calls `onWake` when case_events rows may have been committed. */
export interface WakeSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

export interface WakeHandlers {
  /** a notification arrived */
  onWake(): void;
  /** (re)connected: notifications sent while disconnected are lost, so the caller reads the table */
  onConnect(): void;
  onError(err: Error): void;
}

/**
 * Real PostgreSQL: a dedicated connection holding `LISTEN` (a pooled one would be handed to other queries and
 * closed when idle). Reconnects with exponential backoff for as long as the hub runs.
 */
export function dedicatedListener(options: pg.ClientConfig, h: WakeHandlers, backoff = { firstMs: 100, maxMs: 5_000 }): WakeSource {
  let client: pg.Client | null = null;
  let stopped = false;
  let connected = false;
  let delay = backoff.firstMs;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ ...options, keepAlive: true });
    client = c;
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = null;
      connected = false;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (stopped) return;
      if (err) h.onError(err);
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(backoff.maxMs, delay * 2);
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('LISTEN connection ended')));
    c.on('notification', (m) => m.channel === CHANNEL && h.onWake());
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    if (client !== c) return;
    connected = true;
    delay = backoff.firstMs;
    h.onConnect();
  };

  return {
    get connected() {
      return connected;
    },
    async start() {
      await connect();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      connected = false;
      if (c) {
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
      }
    },
  };
}

/**
 * Embedded PGlite: the whole database is ONE session behind a pool of one connection, so a dedicated LISTEN
 * connection would wait for that session forever. LISTEN there is session state that outlives the pool's
 * connections (the bridge keeps the PGlite session), and PostgreSQL delivers a session's own notifications
 * at commit: every pooled client, present and future, is watched for them.
 */
export function pooledListener(pool: pg.Pool, h: WakeHandlers): WakeSource {
  const clients = new Set<pg.PoolClient>();
  const onNotification = (m: pg.Notification) => m.channel === CHANNEL && h.onWake();
  const attach = (c: pg.PoolClient) => {
    if (clients.has(c)) return;
    clients.add(c);
    c.on('notification', onNotification);
    c.once('end', () => clients.delete(c));
  };
  let started = false;
  return {
    get connected() {
      return started;
    },
    async start() {
      pool.on('connect', attach);
      const c = await pool.connect();
      try {
        attach(c);
        await c.query(`LISTEN ${CHANNEL}`);
      } finally {
        c.release();
      }
      started = true;
      h.onConnect();
    },
    async stop() {
      started = false;
      pool.off('connect', attach);
      for (const c of clients) c.off('notification', onNotification);
      clients.clear();
      // no UNLISTEN: other apps in this process may share the session and still listen
    },
  };
}
