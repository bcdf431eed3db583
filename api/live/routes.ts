import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/plugin.ts';
import { liveConfigOf } from './config.ts';
import { LiveHub } from './hub.ts';
import { readRange } from './source.ts';
import { formatEvent, SseClient, type Filter } from './sse.ts';

interface EventsQuery {
  token?: string;
  lastEventId?: string;
  district?: string;
  department?: string;
  types?: string;
}

const list = (s: string | undefined): string[] | null => {
  const xs = (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  return xs.length ? [...new Set(xs)] : null;
};

/**
 * GET /api/events — the live stream of `case_events` as Server-Sent Events.
 *
 * - `id:` is the case_events id, `event:` its type, `data:` {id, type, caseId, districtCode, departmentId, actor,
 *   payload, createdAt}.
 * - `Last-Event-ID` (header, as EventSource sends on reconnect, or `?lastEventId=`) replays every event after it
 *   from the table, also after an API restart; without it the stream starts from now.
 * - Filters: `district`, `department`, `types` (comma-separated lists).
 * - Auth: `Authorization: Bearer <token>`, or `?token=<token>` because a browser's EventSource cannot send
 *   headers. Department staff receive only their own department's events.
 * GET /api/events/status — the hub of this process (clients, watermark, listening) for operators.
 */
export async function liveRoutes(app: FastifyInstance) {
  const cfg = liveConfigOf(app);
  const hub = new LiveHub(app.db, cfg, app.log);
  const replays = new Set<Promise<void>>();

  // Fastify's close() waits for open responses: end the streams first.
  app.addHook('preClose', async () => {
    await hub.stop();
    await Promise.allSettled([...replays]);
  });

  app.get<{ Querystring: EventsQuery }>(
    '/api/events',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            token: { type: 'string', maxLength: 512 },
            lastEventId: { type: 'string', pattern: '^[0-9]{1,15}$' },
            district: { type: 'string', maxLength: 2000 },
            department: { type: 'string', maxLength: 2000 },
            types: { type: 'string', maxLength: 2000 },
          },
        },
      },
    },
    async (req, reply) => {
      // the auth hook resolved the bearer header or ?token= (EventSource cannot send headers); unknown → 401 there
      const actor = req.actor;
      if (!actor) {
        return reply.status(401).send({ error: 'unauthorized', message: 'this stream needs an API token: Authorization: Bearer <token>, or ?token=<token> for EventSource' });
      }
      const header = req.headers['last-event-id'];
      const rawLast = (Array.isArray(header) ? header[0] : header)?.trim() || req.query.lastEventId;
      if (rawLast !== undefined && !/^[0-9]{1,15}$/.test(rawLast)) {
        return reply.status(400).send({ error: 'bad_request', message: `Last-Event-ID must be an event id (a non-negative integer), got "${rawLast.slice(0, 40)}"` });
      }
      const filter: Filter = { districts: list(req.query.district), departments: list(req.query.department), types: list(req.query.types) };
      if (actor.role === 'department') {
        const own = actor.department ?? '';
        if (filter.departments && filter.departments.some((d) => d !== own)) {
          return reply.status(403).send({ error: 'forbidden', message: `department staff receive only their own department's events (${own || 'none'})` });
        }
        filter.departments = [own];
      }
      await hub.start();
      return stream(req, reply, filter, rawLast === undefined ? null : Number(rawLast));
    },
  );

  app.get('/api/events/status', { preHandler: requireRole() }, async () => hub.status());

  function stream(req: FastifyRequest, reply: FastifyReply, filter: Filter, after: number | null) {
    reply.hijack();
    const res = reply.raw;
    req.raw.socket.setNoDelay(true);
    req.raw.socket.setTimeout(0);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no', // nginx: pass events through at once
    });
    const client = new SseClient(res, filter, cfg.clientBufferBytes, (c, why) => hub.dropped(c, why));
    client.mode = after === null ? 'live' : 'catchup';
    client.after = after ?? 0;
    const now = hub.subscribe(client);
    res.once('close', () => hub.unsubscribe(client));
    res.write(`retry: ${cfg.retryMs}\n: citylens live ${after === null ? `from now (after ${now})` : `replaying after ${after}`}\n\n`);
    if (after === null) return;
    const p = (async () => {
      try {
        // Catch up from the table until level with the hub. The hub moves on meanwhile; when it keeps moving,
        // queue its live events and read the last stretch once (the queue is bounded like any client's buffer).
        let from = after;
        let target: number | null = null; // fixed once live events queue: they are the ones above it
        for (let chases = 0; !client.closed; ) {
          const upTo: number = target ?? hub.watermark();
          if (from >= upTo) break; // checked and switched live in one tick: nothing slips between table and hub
          if (target === null && chases >= 5) {
            client.mode = 'queue';
            target = upTo;
          }
          const rows = await readRange(app.db.pool, from, upTo, filter, cfg.batch);
          if (rows.length && !(await client.replay(rows.map((r) => formatEvent(r)).join('')))) return;
          if (rows.length === cfg.batch) from = rows[rows.length - 1].id;
          else {
            from = upTo;
            chases++; // reached where the hub was; it may have moved on meanwhile
          }
        }
        client.goLive();
      } catch (err) {
        req.log.error({ err }, 'live: replay failed');
        client.end();
      }
    })();
    replays.add(p);
    void p.finally(() => replays.delete(p));
  }
}
