/**
 * The wall's figures (GET /api/stats/*) and the case feed (GET /api/cases-feed), on the embedded PGlite and on
 * the PostgreSQL server (TEST_DATABASE_URL): a hand-made set of cases around every boundary of the definitions
 * in api/stats/queries.ts with the numbers worked out by hand, and — on the server — the demo city against
 * plain direct SQL written independently here.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFeed, caseId } from '../../api/cases-feed/format.ts';
import { loadDemoCity } from '../../api/demo/load.ts';
import { reportingPeriods } from '../../api/domain/periods.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { caseApp, client, loadMiniCity, TOKENS } from '../helpers/cases.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';

const AS_OF = '2026-03-15T10:00:00+08:00';
const at = (s: string) => `2026-${s}:00+08:00`; // "03-15T08:00" → ISO with +08:00

/** id serial, fields. Times "MM-DDTHH:MM" (China Standard Time). */
const CASES: [number, Record<string, string | null>][] = [
  // today: reported, registered, overdue (deadline 09:00 < 10:00), red now
  [1, { status: 'dispatched', reported: '03-15T08:00', registered: '03-15T08:10', deadline: '03-15T09:00', light: 'red', community: '450203001001' }],
  // today: closed on time
  [2, { status: 'closed', reported: '03-15T09:00', registered: '03-15T09:05', closed: '03-15T09:50', deadline: '03-15T12:00' }],
  // today: reported, voided before registration
  [3, { status: 'voided', reported: '03-15T09:30', voided: '03-15T09:40' }],
  // after the as-of instant: counted nowhere
  [4, { status: 'reported', reported: '03-15T10:30' }],
  // yesterday before 10:00: closed late (09:30 > 09:00)
  [5, { status: 'closed', reported: '03-14T08:00', registered: '03-14T08:30', closed: '03-14T09:30', deadline: '03-14T09:00' }],
  // yesterday after 10:00: this month only; not due yet
  [6, { status: 'dispatched', reported: '03-14T11:00', registered: '03-14T11:10', deadline: '03-20T12:00', light: 'green', community: '450203001002' }],
  // suspended past its deadline: not due, not overdue
  [7, { status: 'suspended', reported: '03-02T09:00', registered: '03-02T10:00', deadline: '03-03T10:00', light: 'yellow' }],
  // last month, inside the compared stretch (to 02-15 10:00): due, closed only in March
  [8, { status: 'closed', reported: '02-10T08:00', registered: '02-10T09:00', closed: '03-05T10:00', deadline: '02-11T09:00' }],
  // last month after the compared stretch; a component
  [9, { status: 'closed', reported: '02-20T08:00', registered: '02-20T09:00', closed: '02-21T09:00', deadline: '02-22T09:00', kind: 'component', minor: '0101' }],
  // registered, then voided: not in the cohort
  [10, { status: 'voided', reported: '03-03T08:00', registered: '03-03T09:00', voided: '03-03T10:00' }],
  // another department, another minor and source
  [11, { status: 'dispatched', reported: '03-10T08:00', registered: '03-10T09:00', deadline: '03-16T09:00', light: 'green', minor: '0501', source: 'hotline', department: 'd2' }],
  // January, open and red ever since
  [12, { status: 'dispatched', reported: '01-05T08:00', registered: '01-05T09:00', deadline: '01-06T09:00', light: 'red' }],
];

async function insertCases(t: TestDatabase) {
  for (const [n, c] of CASES) {
    const day = c.reported!.slice(0, 5).replace('-', '');
    const ts = (k: string) => (c[k] ? at(c[k]!) : null);
    await t.db.pool.query(
      `INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, street_code, community_code,
         reported_at, registered_at, closed_at, voided_at, deadline, light, geom)
       VALUES ($1, '450203', $2, $3, left($4, 2), $4, $5, $6, '450203001', $7, $8, $9, $10, $11, $12, $13,
         ST_SetSRID(ST_MakePoint(109.46 + $14 * 0.001, 24.26), 4326))`,
      [
        `4502032026${day}${String(n).padStart(5, '0')}`, c.source ?? 'patrol', c.kind ?? 'event', c.minor ?? '0102', c.status,
        c.department ?? 'd1', c.community ?? '450203001001', ts('reported'), ts('registered'), ts('closed'), ts('voided'), ts('deadline'), c.light ?? null, n,
      ],
    );
  }
}

const rate = (numerator: number, denominator: number) => ({ value: denominator ? numerator / denominator : null, numerator, denominator });

describe.each([{ name: 'embedded PGlite', embedded: true }, ...(serverUrl ? [{ name: 'PostgreSQL server', embedded: false }] : [])])(
  'stats API on $name',
  ({ embedded }) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadMiniCity(t.db.pool);
    await insertCases(t);
    app = await caseApp(t);
    api = client(app);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('counts the KPIs of today and this month as defined, against the same stretch before', async () => {
    const r = await api.get(`/api/stats/kpis?at=${encodeURIComponent(AS_OF)}`);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const p = reportingPeriods(new Date(AS_OF));
    expect(r.body.asOf).toBe('2026-03-15T02:00:00.000Z');
    expect(r.body.timeZone).toBe('Asia/Shanghai');
    const fig = (from: Date, to: Date, f: { reported: number; registered: number; closed: number; due: number; onTime: number; overdueOpen: number }) => ({
      from: from.toISOString(),
      to: to.toISOString(),
      ...f,
      closureRate: rate(f.closed, f.due),
      onTimeRate: rate(f.onTime, f.due),
    });
    expect(r.body.today).toEqual({
      current: fig(p.today.current.from, p.today.current.to, { reported: 3, registered: 2, closed: 1, due: 2, onTime: 1, overdueOpen: 2 }),
      previous: fig(p.today.previous.from, p.today.previous.to, { reported: 1, registered: 1, closed: 1, due: 1, onTime: 0, overdueOpen: 1 }),
    });
    expect(r.body.month).toEqual({
      current: fig(p.month.current.from, p.month.current.to, { reported: 8, registered: 6, closed: 2, due: 3, onTime: 1, overdueOpen: 2 }),
      previous: fig(p.month.previous.from, p.month.previous.to, { reported: 1, registered: 1, closed: 0, due: 1, onTime: 0, overdueOpen: 2 }),
    });
    expect(p.month.previous.to.toISOString()).toBe(new Date('2026-02-15T10:00:00+08:00').toISOString());
  });

  it('ranks the minors, splits the sources and the communities of this month', async () => {
    const q = `?at=${encodeURIComponent(AS_OF)}`;
    const top = (await api.get(`/api/stats/top-minors${q}`)).body;
    expect(top.event).toEqual([
      { kind: 'event', code: '0102', name: '暴露垃圾', rank: 1, current: 5, previous: 1, change: 4 },
      { kind: 'event', code: '0501', name: '无照经营游商', rank: 2, current: 1, previous: 0, change: null },
    ]);
    expect(top.component).toEqual([]);
    const src = (await api.get(`/api/stats/sources${q}`)).body.sources;
    expect(src.map((s: { source: string }) => s.source)).toEqual(['patrol', 'hotline', 'wechat', 'web', 'video', 'leader', 'media', 'follow-up']);
    expect(src.slice(0, 2)).toEqual([
      { source: 'patrol', current: 5, previous: 1, share: 5 / 6 },
      { source: 'hotline', current: 1, previous: 0, share: 1 / 6 },
    ]);
    const streets = (await api.get(`/api/stats/districts${q}`)).body;
    expect(streets.level).toBe('street');
    // open now: 1, 4 (reported), 6, 7 (suspended), 11, 12; red: 1, 12
    expect(streets.districts).toEqual([{ code: '450203001', name: '阳和街道', current: 6, previous: 1, open: 6, red: 2 }]);
    const communities = (await api.get(`/api/stats/districts${q}&level=community`)).body.districts;
    expect(communities).toEqual([
      { code: '450203001001', name: '西社区', current: 5, previous: 1, open: 5, red: 2 },
      { code: '450203001002', name: '东社区', current: 1, previous: 0, open: 1, red: 0 },
    ]);
    const wall = (await api.get(`/api/stats/wall${q}`)).body;
    expect(wall.kpis.month.current.reported).toBe(8);
    expect(wall.topMinors.event[0].code).toBe('0102');
    expect(wall.sources[0].current).toBe(5);
    expect(wall.districts[0].open).toBe(6);
  });

  it('counts only their own department for department staff, and refuses bad input', async () => {
    const r = await api.get(`/api/stats/kpis?at=${encodeURIComponent(AS_OF)}`, TOKENS.department2);
    expect(r.body.month.current).toMatchObject({ reported: 1, registered: 1, closed: 0, due: 0, overdueOpen: 0 });
    expect((await api.get(`/api/stats/kpis`, null)).status).toBe(401);
    expect((await api.get(`/api/stats/kpis?at=yesterday`)).status).toBe(400);
    expect((await api.get(`/api/stats/top-minors?n=99`)).status).toBe(400);
    expect((await api.get(`/api/stats/districts?level=county`)).status).toBe(400);
  });

  it('serves every case as a binary feed that follows new events', async () => {
    const res = await app.inject({ url: '/api/cases-feed?from=2025-01-01T00:00:00Z', headers: { authorization: `Bearer ${TOKENS.display}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const buf = res.rawPayload;
    const { header, columns } = decodeFeed(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    expect(header.count).toBe(CASES.length);
    const ids = Array.from({ length: header.count }, (_, i) => caseId(header.dicts, columns.county[i], columns.idNum[i]));
    const { rows } = await t.db.pool.query<{ id: string; status: string; light: string | null; lon: number; rep: string }>(
      `SELECT id, status, light, ST_X(geom) AS lon, extract(epoch FROM reported_at)::int8 AS rep FROM cases ORDER BY reported_at, id`,
    );
    expect(ids).toEqual(rows.map((r) => r.id)); // oldest first
    rows.forEach((r, i) => {
      expect(header.dicts.statuses[columns.status[i]]).toBe(r.status);
      expect(header.dicts.lights[columns.light[i]]).toBe(r.light ?? '');
      expect(columns.lon[i]).toBeCloseTo(r.lon, 5);
      expect(columns.reportedAt[i]).toBe(Number(r.rep));
    });
    const d2 = header.dicts.departments.findIndex((d) => d.id === 'd2');
    expect(Array.from(columns.department).filter((d) => d === d2)).toHaveLength(1);
    // Default window: a year back from today, plus open cases — the January red case is open, so it is in.
    const dflt = decodeFeed(toArrayBuffer((await app.inject({ url: '/api/cases-feed', headers: { authorization: `Bearer ${TOKENS.display}` } })).rawPayload));
    expect(dflt.header.resumeAfter).toBeLessThanOrEqual(dflt.header.lastEventId);

    // Department staff: their own cases only.
    const own = decodeFeed(toArrayBuffer((await app.inject({ url: '/api/cases-feed?from=2025-01-01T00:00:00Z', headers: { authorization: `Bearer ${TOKENS.department2}` } })).rawPayload));
    expect(own.header.count).toBe(1);

    // A new case appends an event: the cached feed is rebuilt and has it.
    const created = await api.report({ source: 'patrol', kind: 'event', minor: '0102', description: 'feed', lon: 109.46, lat: 24.262 });
    expect(created.status).toBe(201);
    const after = decodeFeed(toArrayBuffer((await app.inject({ url: '/api/cases-feed?from=2025-01-01T00:00:00Z', headers: { authorization: `Bearer ${TOKENS.display}` } })).rawPayload));
    expect(after.header.count).toBe(CASES.length + 1);
    expect(after.header.lastEventId).toBeGreaterThan(header.lastEventId);
    const last = after.header.count - 1;
    expect(caseId(after.header.dicts, after.columns.county[last], after.columns.idNum[last])).toBe(created.body.id);
    expect((await app.inject({ url: '/api/cases-feed' })).statusCode).toBe(401);
  });
  },
);

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

describe.skipIf(!serverUrl)('stats API on the demo city equals direct SQL (PostgreSQL server)', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;
  const asOf = '2026-11-20T16:00:00+08:00';

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadTaxonomy(t.db.pool);
    await loadDemoCity(t.db.pool);
    app = await caseApp(t);
    api = client(app);
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  /** The definitions, spelled out once more as the plainest SQL: one count per figure. */
  async function direct(from: Date, to: Date, live: boolean) {
    const one = async (where: string) => Number((await t.db.pool.query(`SELECT count(*) AS n FROM cases WHERE ${where}`, [from, to])).rows[0].n);
    const cohort = `registered_at >= $1 AND registered_at < $2 AND (voided_at IS NULL OR voided_at >= $2)`;
    const closed = `closed_at IS NOT NULL AND closed_at < $2`;
    const registered = await one(cohort);
    const closedN = await one(`${cohort} AND ${closed}`);
    const due = await one(`${cohort} AND (${closed} OR (deadline < $2 AND status <> 'suspended'))`);
    const onTime = await one(`${cohort} AND ${closed} AND closed_at <= deadline`);
    return {
      reported: await one(`reported_at >= $1 AND reported_at < $2`),
      registered,
      closed: closedN,
      due,
      onTime,
      closureRate: rate(closedN, due),
      onTimeRate: rate(onTime, due),
      overdueOpen: live
        ? await one(`status NOT IN ('closed', 'voided') AND light = 'red' AND $1::timestamptz IS NOT NULL AND $2::timestamptz IS NOT NULL`)
        : await one(`registered_at < $2 AND deadline < $2 AND status <> 'suspended' AND (closed_at IS NULL OR closed_at >= $2)
            AND (voided_at IS NULL OR voided_at >= $2) AND $1::timestamptz IS NOT NULL`),
    };
  }

  it('KPIs of 2026-11-20 16:00', async () => {
    const r = (await api.get(`/api/stats/kpis?at=${encodeURIComponent(asOf)}`)).body;
    for (const scope of ['today', 'month'] as const) {
      for (const which of ['current', 'previous'] as const) {
        const got = r[scope][which];
        const want = await direct(new Date(got.from), new Date(got.to), which === 'current');
        expect({ ...got, from: undefined, to: undefined }, `${scope}.${which}`).toEqual({ ...want, from: undefined, to: undefined });
      }
    }
    expect(r.month.current.reported).toBeGreaterThan(3000);
    expect(r.month.current.closureRate.value).toBeGreaterThan(0.9);
  });

  it('top minors, sources and streets of November 2026', async () => {
    const wall = (await api.get(`/api/stats/wall?at=${encodeURIComponent(asOf)}`)).body;
    const p = wall.period;
    const rows = async (sql: string) => (await t.db.pool.query(sql, [p.current.from, p.current.to])).rows;
    const minors = await rows(`SELECT kind, minor, count(*)::int AS n FROM cases WHERE status <> 'voided' AND reported_at >= $1 AND reported_at < $2
      GROUP BY kind, minor ORDER BY kind, n DESC, minor`);
    for (const kind of ['event', 'component'] as const) {
      expect(wall.topMinors[kind].map((m: { code: string; current: number }) => [m.code, m.current])).toEqual(
        minors.filter((m) => m.kind === kind).slice(0, 5).map((m) => [m.minor, m.n]),
      );
    }
    const sources = await rows(`SELECT source, count(*)::int AS n FROM cases WHERE status <> 'voided' AND reported_at >= $1 AND reported_at < $2 GROUP BY source`);
    for (const s of wall.sources) expect(s.current, s.source).toBe(sources.find((x) => x.source === s.source)?.n ?? 0);
    const streets = await rows(`SELECT street_code, count(*)::int AS n FROM cases WHERE status <> 'voided' AND reported_at >= $1 AND reported_at < $2 GROUP BY street_code`);
    expect(wall.districts).toHaveLength(5);
    for (const d of wall.districts) expect(d.current, d.name).toBe(streets.find((x) => x.street_code === d.code)?.n ?? 0);
  });
});
