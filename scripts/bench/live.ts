/**
 * Live stream latency: rows inserted into case_events at a steady rate (default 200/s) while 50 SSE clients
 * listen to a real API process (api/main.ts) on a real PostGIS. Latency = from the row's created_at (its INSERT
 * statement's start, PostgreSQL clock) to the moment a client has read the event (same machine clock), so it
 * includes the INSERT and its commit.
 * Baselines measured on the same rows in the same run: a polling loop (every 100 ms, as a simple console would)
 * and a bare `LISTEN` pg client without the app (the floor of the mechanism). Loopback only, bounded in time.
 */
import fs from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { createBenchDatabase } from './bench-db.ts';
import { quantile, startApiProcess, type Figure } from './harness.ts';

const CLIENTS = Number(process.env.BENCH_LIVE_CLIENTS ?? 50);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const WARMUP_S = 1;
const POLL_MS = 100;
const TOKEN = 'bench-live-display';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall-clock milliseconds with sub-ms resolution, comparable with PostgreSQL's timestamps on this machine. */
const wall = () => performance.timeOrigin + performance.now();

/** A lean SSE client (node:http, no parser beyond finding `id:` lines) noting when each event id arrived. */
function sseClient(url: string, seen: (id: number, at: number) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode}`));
      res.setEncoding('utf8');
      let tail = '';
      let ready = false;
      res.on('data', (chunk: string) => {
        const at = wall();
        const text = tail + chunk;
        const cut = text.lastIndexOf('\n\n');
        tail = cut >= 0 ? text.slice(cut + 2) : text;
        if (cut < 0) return;
        if (!ready) {
          ready = true;
          resolve(() => req.destroy());
        }
        for (let i = text.indexOf('id: '); i >= 0 && i < cut; i = text.indexOf('\nid: ', i + 1)) {
          const from = text[i] === '\n' ? i + 5 : i + 4;
          seen(Number(text.slice(from, text.indexOf('\n', from))), at);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
  });
}

const payload = JSON.stringify({ minor: '0501', kind: 'event', source: 'patrol', description: '无照游商占道经营', lon: 109.4725, lat: 24.2751, gridCode: '45020300100102', light: 'green' });

export async function run(): Promise<Figure[]> {
  const bench = await createBenchDatabase('live');
  const api = await startApiProcess(
    { DATABASE_URL: bench.url, DEMO_TOKENS: '0', API_TOKENS: JSON.stringify([{ token: TOKEN, user: 'bench', role: 'display' }]) },
    { timeoutS: 120 },
  );
  const writer = new pg.Pool({ connectionString: bench.url, max: 4 });
  const listener = new pg.Client({ connectionString: bench.url });
  const poller = new pg.Client({ connectionString: bench.url });
  const closers: (() => void)[] = [];
  let polling = true;
  try {
    const { base } = api;
    const lag = monitorEventLoopDelay({ resolution: 5 });
    const sse: number[][] = [];
    const record = (into: number[]) => (id: number, at: number) => into.push(id, at);
    for (let c = 0; c < CLIENTS; c++) {
      const samples: number[] = [];
      sse.push(samples);
      closers.push(await sseClient(`${base}/api/events`, record(samples)));
    }
    // baseline 1: a bare LISTEN client (the notification payload is the highest id of the INSERT)
    const listenSamples: number[] = [];
    await listener.connect();
    listener.on('notification', (m) => listenSamples.push(Number(m.payload), wall()));
    await listener.query('LISTEN case_events');
    // baseline 2: polling the table every 100 ms
    const pollSamples: number[] = [];
    await poller.connect();
    const pollLoop = (async () => {
      let last = Number((await poller.query('SELECT coalesce(max(id), 0) AS m FROM case_events')).rows[0].m);
      while (polling) {
        const { rows } = await poller.query<{ id: number }>('SELECT id FROM case_events WHERE id > $1 ORDER BY id', [last]);
        const at = wall();
        for (const r of rows) pollSamples.push(Number(r.id), at);
        if (rows.length) last = Number(rows[rows.length - 1].id);
        await sleep(POLL_MS);
      }
    })();

    console.error(`[bench] live: ${CLIENTS} SSE clients, ${RATE} events/s for ${SECONDS} s …`);
    const cpu0 = cpuSeconds(api.proc.pid!);
    lag.enable();
    const total = RATE * SECONDS;
    const t0 = performance.now();
    const inserts: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inserts.push(
        writer
          .query(`INSERT INTO case_events (district_code, case_id, type, actor, department_id, payload) VALUES ('450203', $1, 'case.created', 'bench', 'd1', $2)`, [`C${i}`, payload])
          .then(() => undefined),
      );
    }
    await Promise.all(inserts);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(api.proc.pid!) - cpu0;
    lag.disable();
    await sleep(1_000); // let the last events arrive
    polling = false;
    await pollLoop;

    // created_at of every row, in epoch ms; the warm-up second is left out
    const { rows: made } = await poller.query<{ id: number; ms: string }>(`SELECT id, (extract(epoch FROM created_at) * 1000)::float8::text AS ms FROM case_events ORDER BY id`);
    const created = new Map(made.slice(RATE * WARMUP_S).map((r) => [Number(r.id), Number(r.ms)]));
    const latencies = (samples: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < samples.length; i += 2) {
        const c = created.get(samples[i]);
        if (c !== undefined) out.push(samples[i + 1] - c);
      }
      return out;
    };
    const sseLat = sse.flatMap(latencies);
    const missing = sse.map((s) => created.size - latencies(s).length).reduce((a, b) => a + b, 0);
    const pollLat = latencies(pollSamples);
    const listenLat = latencies(listenSamples); // one row per INSERT here, so one notification per row
    const p = (xs: number[], q: number) => quantile(xs, q);
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.error(`[bench] live: ${made.length} events in ${elapsed.toFixed(1)} s, ${sseLat.length} SSE receipts, ${missing} missing; API CPU ${((cpu / elapsed) * 100).toFixed(0)} % of a core; bench process event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms; load average ${load}`);
    return [
      { name: `create→SSE latency p50 (${CLIENTS} clients, ${RATE} ev/s)`, value: p(sseLat, 0.5), unit: 'ms', baseline: p(pollLat, 0.5), baselineName: `polling every ${POLL_MS} ms` },
      { name: `create→SSE latency p99 (${CLIENTS} clients, ${RATE} ev/s)`, value: p(sseLat, 0.99), unit: 'ms', baseline: p(pollLat, 0.99), baselineName: `polling every ${POLL_MS} ms`, target: '≤ 100 ms', met: p(sseLat, 0.99) <= 100 && missing === 0 },
      { name: 'create→SSE latency p50 vs bare LISTEN', value: p(sseLat, 0.5), unit: 'ms', baseline: p(listenLat, 0.5), baselineName: 'LISTEN on a bare pg client' },
      { name: 'create→SSE latency p99 vs bare LISTEN', value: p(sseLat, 0.99), unit: 'ms', baseline: p(listenLat, 0.99), baselineName: 'LISTEN on a bare pg client' },
      { name: 'events not received by SSE clients', value: missing, unit: 'events' },
      { name: `API process CPU during the run`, value: (cpu / elapsed) * 100, unit: '% core' },
    ];
  } finally {
    polling = false;
    for (const close of closers) close();
    await listener.end().catch(() => undefined);
    await poller.end().catch(() => undefined);
    await writer.end();
    await api.stop();
    await bench.drop();
  }
}

/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return NaN;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./harness.ts');
  console.log(formatTable(await run()));
}
