/**
 * GET /api/cases-feed[?from=ISO] — every case the map draws, as typed columns (format.ts): cases reported since
 * `from` (default: 365 days ago) plus every open case, oldest first so newer cases draw on top. Any token;
 * department staff get their own department's cases only (as GET /api/cases).
 * The live stream (`/api/events`) keeps it current from header.resumeAfter on.
 *
 * Cached per (from day, department) while no case event has been appended since and for at most CACHE_MS: every
 * intake, action and light change appends one, so a cached feed is the current one; the age limit bounds what
 * writes without events (a bulk import) can leave stale. Walls and desks reloading cost one index lookup.
 */
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/plugin.ts';
import { CASE_SOURCES } from '../cases/intake.ts';
import { CASE_STATUSES } from '../domain/workflow.ts';
import { activeStandard } from '../taxonomy/load.ts';
import { allocColumns, encodeFeed, FLAG_KEY, FLAG_REPEAT, FLAG_ZONE_VIOLATION, NONE, splitCaseId, type FeedDicts, type MinorEntry } from './format.ts';

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3600_000;
const CACHE_MS = 60_000;
const CACHE_ENTRIES = 8;
/** Events a resuming stream replays before the snapshot's newest (see FeedHeader.resumeAfter). */
const RESUME_MARGIN = 200;

const LIGHTS = ['', 'green', 'yellow', 'red'];

const ROWS_SQL = `
SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, extract(epoch FROM reported_at)::int8 AS rep,
  coalesce(extract(epoch FROM deadline)::int8, 0) AS dl, version, kind, minor, department_id, street_code,
  community_code, status, light, source, zone_violation IS NOT NULL AS zv, is_key, is_repeat
FROM cases
WHERE (reported_at >= $1 OR status NOT IN ('closed', 'voided')) AND ($2::text IS NULL OR department_id = $2)
ORDER BY reported_at, id`;

interface Row {
  id: string;
  lon: number;
  lat: number;
  rep: string;
  dl: string;
  version: number;
  kind: 'component' | 'event';
  minor: string;
  department_id: string | null;
  street_code: string | null;
  community_code: string | null;
  status: string;
  light: string | null;
  source: string;
  zv: boolean;
  is_key: boolean;
  is_repeat: boolean;
}

interface Cached {
  head: number;
  at: number;
  body: Promise<Buffer>;
}

export async function casesFeedRoutes(app: FastifyInstance) {
  const standard = activeStandard();
  const cache = new Map<string, Cached>();

  app.get<{ Querystring: { from?: string } }>(
    '/api/cases-feed',
    {
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string', format: 'date-time' } } } },
      preHandler: requireRole(),
    },
    async (req, reply) => {
      const now = Date.now();
      // Default: a year back from local midnight, so the cache key holds all day.
      const from = req.query.from ? new Date(req.query.from) : new Date(Math.floor((now + CST_MS) / DAY_MS) * DAY_MS - CST_MS - 365 * DAY_MS);
      const dept = req.actor!.role === 'department' ? (req.actor!.department ?? '') : null;
      const key = `${from.toISOString()}|${dept ?? ''}`;
      const head = Number((await app.db.pool.query<{ head: string }>(HEAD_SQL)).rows[0].head);
      let hit = cache.get(key);
      if (!hit || hit.head !== head || now - hit.at > CACHE_MS) {
        const entry: Cached = { head, at: now, body: build(from, dept) };
        cache.delete(key); // re-inserted last: the map's order is the eviction order
        cache.set(key, entry);
        if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
        entry.body.catch(() => {
          if (cache.get(key) === entry) cache.delete(key); // a failure is not cached
        });
        hit = entry;
      }
      const body = await hit.body;
      return reply.header('cache-control', 'no-store').type('application/octet-stream').send(body);
    },
  );

  async function build(from: Date, dept: string | null): Promise<Buffer> {
    const client = await app.db.pool.connect();
    let rows: Row[];
    let head: number;
    let dicts: Awaited<ReturnType<typeof readDicts>>;
    try {
      // One snapshot for the rows and the event id the stream resumes from.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      rows = (await client.query<Row>(ROWS_SQL, [from, dept])).rows;
      head = Number((await client.query<{ head: string }>(HEAD_SQL)).rows[0].head);
      dicts = await readDicts(client, standard);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    const packed = pack(rows, dicts);
    const body = encodeFeed(
      {
        count: rows.length,
        asOf: new Date().toISOString(),
        lastEventId: head,
        resumeAfter: Math.max(0, head - RESUME_MARGIN),
        from: from.toISOString(),
        dicts: packed,
      },
      columnsOf(rows, packed),
    );
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}

const HEAD_SQL = `SELECT coalesce(max(id), 0) AS head FROM case_events`;

type Client = { query: <R extends object>(sql: string, params?: unknown[]) => Promise<{ rows: R[] }> };

async function readDicts(client: Client, standard: string) {
  const [tax, deps, dist] = [
    await client.query<{ kind: 'component' | 'event'; code: string; name: string; major_name: string | null }>(
      `SELECT t.kind, t.code, t.name, m.name AS major_name FROM taxonomy t
       LEFT JOIN taxonomy m ON m.standard = t.standard AND m.kind = t.kind AND m.code = t.major_code AND m.level = 'major'
       WHERE t.standard = $1 AND t.level = 'minor' ORDER BY t.kind, t.code`,
      [standard],
    ),
    await client.query<{ id: string; name: string }>(`SELECT id, name FROM departments ORDER BY id`),
    await client.query<{ code: string; name: string; level: string; parent_code: string | null }>(
      `SELECT code, name, level, parent_code FROM districts WHERE level IN ('street', 'community') ORDER BY code`,
    ),
  ];
  return {
    taxonomy: tax.rows.map((r) => ({ kind: r.kind, code: r.code, name: r.name, majorName: r.major_name })),
    departments: deps.rows,
    streets: dist.rows.filter((d) => d.level === 'street').map((d) => ({ code: d.code, name: d.name })),
    communities: dist.rows.filter((d) => d.level === 'community').map((d) => ({ code: d.code, name: d.name, street: d.parent_code ?? '' })),
    statuses: [...CASE_STATUSES],
    lights: LIGHTS,
    sources: [...CASE_SOURCES],
  };
}

/** Dictionaries: the taxonomy's minors plus any code in use that it lacks (imported legacy codes). */
function pack(rows: Row[], d: Awaited<ReturnType<typeof readDicts>>): FeedDicts {
  const minors: MinorEntry[] = [...d.taxonomy];
  const known = new Set(minors.map((m) => `${m.kind}:${m.code}`));
  const counties = new Set<string>();
  const otherIds: string[] = [];
  for (const r of rows) {
    const split = splitCaseId(r.id);
    if (split) counties.add(split.county);
    else otherIds.push(r.id);
    if (!known.has(`${r.kind}:${r.minor}`)) {
      known.add(`${r.kind}:${r.minor}`);
      minors.push({ kind: r.kind, code: r.minor, name: null, majorName: null });
    }
  }
  const { taxonomy: _t, ...rest } = d;
  return { ...rest, counties: [...counties].sort(), otherIds, minors };
}

function columnsOf(rows: Row[], dicts: FeedDicts) {
  const index = <T>(list: T[], key: (t: T) => string) => new Map(list.map((t, i) => [key(t), i]));
  const county = index(dicts.counties, (c) => c);
  const minor = index(dicts.minors, (m) => `${m.kind}:${m.code}`);
  const dep = index(dicts.departments, (x) => x.id);
  const street = index(dicts.streets, (x) => x.code);
  const community = index(dicts.communities, (x) => x.code);
  const status = index(dicts.statuses, (x) => x);
  const light = index(dicts.lights, (x) => x);
  const source = index(dicts.sources, (x) => x);
  const c = allocColumns(rows.length);
  const ref = (m: Map<string, number>, k: string | null) => (k === null ? NONE : (m.get(k) ?? NONE));
  let other = 0;
  rows.forEach((r, i) => {
    const split = splitCaseId(r.id);
    c.idNum[i] = split ? split.idNum : other++; // otherIds were listed in row order
    c.county[i] = split ? county.get(split.county)! : NONE;
    c.lon[i] = r.lon;
    c.lat[i] = r.lat;
    c.reportedAt[i] = Number(r.rep);
    c.deadline[i] = Number(r.dl);
    c.version[i] = r.version;
    c.minor[i] = minor.get(`${r.kind}:${r.minor}`)!;
    c.department[i] = ref(dep, r.department_id);
    c.street[i] = ref(street, r.street_code);
    c.community[i] = ref(community, r.community_code);
    c.status[i] = status.get(r.status)!;
    c.light[i] = light.get(r.light ?? '')!;
    c.source[i] = source.get(r.source)!;
    c.flags[i] = (r.zv ? FLAG_ZONE_VIOLATION : 0) | (r.is_key ? FLAG_KEY : 0) | (r.is_repeat ? FLAG_REPEAT : 0);
  });
  return c;
}
