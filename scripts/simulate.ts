/**
 * npm run simulate -- --rate <cases per second> [--url http://127.0.0.1:8080] [--duration <s>] [--pace <factor>] [--seed <n>]
 *
 * A morning in the command centre, through the HTTP API only: new cases arrive at random (Poisson, `--rate` a
 * second) at places of the city (along its roads and inside its unit grids, read from /api/layers), with the
 * category mix of the seed bulletins; each open case then moves on through the workflow with the demo tokens —
 * accept → register → dispatch → handle → verify → close — after realistic, compressed delays, with the odd void
 * (duplicate report), extension, suspension and rework (verify-fail). `--pace 2` makes every step take twice as
 * long, `--pace 0.1` ten times faster. Prints a line a minute; stops after `--duration` seconds or on Ctrl-C
 * (SIGINT), leaving the cases where they are. Needs the API with DEMO_TOKENS=1 (the embedded default).
 */
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run simulate -- --rate <cases per second> [--url http://127.0.0.1:8080] [--duration <seconds>] [--pace <factor>] [--seed <n>]';

// Weights per 1,000 cases, after the seed bulletins (市容环境 > 宣传广告 > 街面秩序 > 施工 > 部件); names are looked
// up in /api/taxonomy, so the codes are whatever standard the server runs.
const MIX: [kind: 'event' | 'component', name: string, weight: number, nearRoad: boolean][] = [
  ['event', '暴露垃圾', 110, false], ['event', '道路不洁', 95, true], ['event', '非法小广告', 100, true],
  ['event', '无照经营游商', 70, true], ['event', '车辆乱停放（人行道）', 45, true], ['event', '店外经营', 40, true],
  ['event', '占道经营', 30, true], ['event', '积存垃圾渣土', 25, false], ['event', '施工废弃料', 25, false],
  ['event', '工地扬尘', 20, false], ['event', '占道广告牌', 20, true], ['event', '绿地脏乱', 18, false],
  ['event', '废弃家具设备', 12, false], ['event', '乱堆物堆料', 15, false], ['event', '道路积水', 4, true],
  ['event', '其他事件', 10, false], ['component', '路灯', 15, true], ['component', '垃圾箱', 15, true],
  ['component', '雨水井盖', 10, true], ['component', '污水井盖', 10, true], ['component', '上水井盖', 8, true],
  ['component', '行道树', 8, true], ['component', '交通标志牌', 5, true],
];
const SOURCES: [string, number][] = [['patrol', 62], ['hotline', 18], ['wechat', 9], ['video', 6], ['web', 3], ['leader', 1], ['media', 1]];
const DESCRIPTIONS: Record<string, string> = { patrol: '监督员巡查发现', hotline: '市民来电反映', wechat: '市民微信举报', video: '视频巡查发现', web: '网站留言反映', leader: '领导交办', media: '媒体曝光' };

/** Mean delay (seconds, at pace 1) before each next step: a compressed morning. */
const DELAY = { accept: 20, register: 30, dispatch: 45, handle: 300, verify: 120, close: 30, resume: 180 };

const TOKEN = { collector: 'demo-collector', operator: 'demo-operator', dispatcher: 'demo-dispatcher', department: 'demo-department' } as const;

type Status = 'reported' | 'accepted' | 'registered' | 'dispatched' | 'handled' | 'verified' | 'closed' | 'voided' | 'suspended';
interface SimCase { id: string; version: number; status: Status; duplicates: string[]; extended: boolean; reworked: boolean }

// ------------------------------------------------------------------------------------------------ helpers

/** mulberry32: reproducible runs with --seed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pos = [number, number];
type Ring = Pos[];

function pointInRing([x, y]: Pos, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function parseCli() {
  const { values } = parseArgs({
    options: { rate: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:8080' }, duration: { type: 'string' }, pace: { type: 'string', default: '1' }, seed: { type: 'string' } },
  });
  const num = (name: string, v: string | undefined, ok: (n: number) => boolean) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || !ok(n)) throw new Error(`--${name} must be ${name === 'seed' ? 'an integer' : 'a positive number'}, got ${v ?? 'nothing'}`);
    return n;
  };
  return {
    rate: num('rate', values.rate, (n) => n > 0 && n <= 10_000),
    url: values.url!.replace(/\/$/, ''),
    duration: values.duration === undefined ? Infinity : num('duration', values.duration, (n) => n > 0),
    pace: num('pace', values.pace, (n) => n > 0),
    seed: values.seed === undefined ? Date.now() % 2 ** 31 : num('seed', values.seed, Number.isInteger),
  };
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: { error?: string; message?: string; currentVersion?: number; status?: Status }) {
    super(`${status} ${body.error ?? ''}: ${body.message ?? ''}`);
  }
}

// ------------------------------------------------------------------------------------------------ simulator

async function main() {
  let opts: ReturnType<typeof parseCli>;
  try {
    opts = parseCli();
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const rnd = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const pickWeighted = <T>(xs: readonly T[], weight: (x: T) => number): T => {
    let r = rnd() * xs.reduce((s, x) => s + weight(x), 0);
    for (const x of xs) if ((r -= weight(x)) <= 0) return x;
    return xs[xs.length - 1];
  };
  const expDelay = (meanS: number) => -Math.log(1 - rnd()) * meanS * 1000 * opts.pace;

  async function call<T>(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown): Promise<T> {
    const res = await fetch(`${opts.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = res.status === 204 ? null : await res.json().catch(() => ({}));
    if (!res.ok) throw new HttpError(res.status, json ?? {});
    return json as T;
  }

  // What the city looks like, over HTTP like any client.
  let department: string | null;
  try {
    const me = await call<{ department: string | null }>('GET', '/api/me', TOKEN.department);
    department = me.department;
  } catch (err) {
    const msg = err instanceof HttpError && err.status === 401 ? 'the demo tokens are refused: start the API with DEMO_TOKENS=1' : `cannot reach ${opts.url}: ${(err as Error).message}`;
    console.error(`error: ${msg}`);
    process.exit(1);
  }
  if (!department) {
    console.error('error: demo-department is bound to no department (the database has none)');
    process.exit(1);
  }
  const taxonomy = await call<{ kinds: { kind: string; majors: { minors: { code: string; name: string }[] }[] }[] }>('GET', '/api/taxonomy', TOKEN.collector);
  const codeOf = new Map(taxonomy.kinds.flatMap((k) => k.majors.flatMap((m) => m.minors.map((n) => [`${k.kind}:${n.name}`, n.code] as const))));
  const mix = MIX.flatMap(([kind, name, w, nearRoad]) => (codeOf.has(`${kind}:${name}`) ? [{ kind, minor: codeOf.get(`${kind}:${name}`)!, w, nearRoad }] : []));
  if (!mix.length) throw new Error('none of the simulated categories is in the server taxonomy');

  async function layer(name: string, max: number): Promise<{ geometry: { type: string; coordinates: unknown } }[]> {
    const out: { geometry: { type: string; coordinates: unknown } }[] = [];
    let next: string | undefined = `/api/layers/${name}?limit=2000`;
    while (next && out.length < max) {
      const page: { features: typeof out; next?: string; links?: { rel: string; href: string }[] } = await call('GET', next, TOKEN.collector);
      out.push(...page.features);
      const link = page.next ?? page.links?.find((l) => l.rel === 'next')?.href;
      next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    return out;
  }
  const grids = (await layer('grids', 20_000)).flatMap((f) => {
    const polys = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Ring[][];
    return polys.map((p) => p[0]);
  });
  const segments = (await layer('roads', 20_000)).flatMap((f) => {
    const lines = (f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates) as Pos[][];
    return lines.flatMap((l) => l.slice(1).map((b, i) => [l[i], b] as [Pos, Pos]));
  });
  if (!grids.length) {
    console.error('error: the city has no unit grids (load the demo city first)');
    process.exit(1);
  }

  /** A point in a random unit grid, or a few metres beside a random road segment. */
  function place(nearRoad: boolean): Pos {
    if (nearRoad && segments.length) {
      const [a, b] = pick(segments);
      const t = rnd();
      const mPerDegLat = 111_320;
      const mPerDegLon = mPerDegLat * Math.cos((a[1] * Math.PI) / 180);
      const dx = (b[0] - a[0]) * mPerDegLon, dy = (b[1] - a[1]) * mPerDegLat;
      const len = Math.hypot(dx, dy) || 1;
      const off = (rnd() < 0.5 ? -1 : 1) * (3 + rnd() * 12); // pavement, 3–15 m from the centre line
      return [a[0] + (b[0] - a[0]) * t + ((-dy / len) * off) / mPerDegLon, a[1] + (b[1] - a[1]) * t + ((dx / len) * off) / mPerDegLat];
    }
    const ring = pick(grids);
    const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
    const [w, e, s, n] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (let i = 0; i < 50; i++) {
      const p: Pos = [w + rnd() * (e - w), s + rnd() * (n - s)];
      if (pointInRing(p, ring)) return p;
    }
    return ring[0];
  }

  // ---------------------------------------------------------------- state and counters
  const open = new Map<string, SimCase>();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const stats = { reported: 0, actions: 0, byAction: {} as Record<string, number>, closed: 0, voided: 0, rejected: 0, conflicts: 0, errors: 0 };
  let minute = { reported: 0, actions: 0 };
  let lastError = '';
  let stopping = false;

  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };
  const later = (ms: number, fn: () => Promise<void>) => {
    if (stopping) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) track(fn());
    }, ms);
    timers.add(t);
  };
  const fail = (err: unknown) => {
    stats.errors++;
    lastError = (err as Error).message;
  };

  async function report() {
    const m = pickWeighted(mix, (x) => x.w);
    const [source] = pickWeighted(SOURCES, (x) => x[1]);
    const [lon, lat] = place(m.nearRoad);
    // Hotline, web and WeChat cases are typed in by the operators; the rest come from the collectors' app.
    const token = source === 'hotline' || source === 'web' || source === 'wechat' ? TOKEN.operator : TOKEN.collector;
    try {
      const c = await call<{ id: string; version: number; status: Status; possibleDuplicates: { id: string }[] }>('POST', '/api/cases', token, {
        source, kind: m.kind, minor: m.minor, lon: +lon.toFixed(7), lat: +lat.toFixed(7), description: DESCRIPTIONS[source],
      });
      stats.reported++;
      minute.reported++;
      const sc: SimCase = { id: c.id, version: c.version, status: c.status, duplicates: c.possibleDuplicates.map((d) => d.id), extended: false, reworked: false };
      open.set(c.id, sc);
      later(expDelay(DELAY.accept), () => step(sc));
    } catch (err) {
      if (err instanceof HttpError && err.status === 422) {
        stats.rejected++;
        lastError = err.message;
      } else fail(err);
    }
  }

  /** The next action of a case, by its status, with the occasional side path. */
  function nextAction(c: SimCase): { action: string; token: string; body?: Record<string, unknown>; delay: number } | null {
    switch (c.status) {
      case 'reported':
        if (c.duplicates.length && rnd() < 0.5) return { action: 'void', token: TOKEN.operator, body: { duplicateOf: c.duplicates[0], note: '重复上报' }, delay: DELAY.register };
        if (rnd() < 0.03) return { action: 'void', token: TOKEN.operator, body: { note: '不属于城管受理范围' }, delay: DELAY.register };
        return { action: 'accept', token: TOKEN.operator, delay: DELAY.register };
      case 'accepted':
        return { action: 'register', token: TOKEN.operator, delay: DELAY.dispatch };
      case 'registered':
        return { action: 'dispatch', token: TOKEN.dispatcher, body: { department }, delay: DELAY.handle };
      case 'dispatched':
        if (!c.extended && rnd() < 0.06) {
          c.extended = true;
          return { action: 'extend', token: TOKEN.dispatcher, body: { extendBy: { value: 1, unit: 'work_days' }, note: '需协调多部门，申请延期' }, delay: DELAY.handle };
        }
        if (rnd() < 0.02) return { action: 'suspend', token: TOKEN.dispatcher, body: { note: '涉及产权纠纷，暂缓处置' }, delay: DELAY.resume };
        return { action: 'handle', token: TOKEN.department, body: { note: '已到场处置完毕' }, delay: DELAY.verify };
      case 'suspended':
        return { action: 'resume', token: TOKEN.dispatcher, delay: DELAY.handle };
      case 'handled':
        if (!c.reworked && rnd() < 0.1) {
          c.reworked = true;
          return { action: 'verify-fail', token: TOKEN.collector, body: { note: '现场复核未整改到位' }, delay: DELAY.handle };
        }
        return { action: 'verify-pass', token: TOKEN.collector, body: { note: '现场复核已整改' }, delay: DELAY.close };
      case 'verified':
        return { action: 'close', token: TOKEN.operator, delay: 0 };
      default:
        return null;
    }
  }

  async function step(c: SimCase) {
    const next = nextAction(c);
    if (!next) return;
    try {
      const r = await call<{ version: number; status: Status }>('POST', `/api/cases/${c.id}/actions`, next.token, { action: next.action, expectedVersion: c.version, ...next.body });
      c.version = r.version;
      c.status = r.status;
      stats.actions++;
      minute.actions++;
      stats.byAction[next.action] = (stats.byAction[next.action] ?? 0) + 1;
    } catch (err) {
      if (err instanceof HttpError && err.status === 409) {
        // someone else (an operator at a real desk) moved the case: take its state and go on from there
        stats.conflicts++;
        const cur = await call<{ version: number; status: Status }>('GET', `/api/cases/${c.id}`, TOKEN.operator).catch(() => null);
        if (cur) Object.assign(c, { version: cur.version, status: cur.status });
      } else {
        fail(err);
        later(expDelay(60), () => step(c)); // transient: try again in a while
        return;
      }
    }
    if (c.status === 'closed' || c.status === 'voided') {
      open.delete(c.id);
      stats[c.status]++;
      return;
    }
    later(expDelay(next.delay), () => step(c));
  }

  // ---------------------------------------------------------------- run
  const started = Date.now();
  const clock = () => {
    const s = Math.floor((Date.now() - started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  console.log(`simulating ${opts.rate} case(s)/s against ${opts.url} (pace ${opts.pace}, seed ${opts.seed}, ${mix.length} categories, ${grids.length} grids, ${segments.length} road segments; department ${department})` +
    `${Number.isFinite(opts.duration) ? ` for ${opts.duration} s` : ' until Ctrl-C'}`);
  const line = () => {
    const acts = Object.entries(stats.byAction).map(([a, n]) => `${a} ${n}`).join(', ');
    console.log(`[${clock()}] +${minute.reported} reported, ${minute.actions} actions in the last minute; total ${stats.reported} reported, ${stats.closed} closed, ${stats.voided} voided, ${open.size} open` +
      `${acts ? ` (${acts})` : ''}${stats.rejected ? `, ${stats.rejected} refused` : ''}${stats.conflicts ? `, ${stats.conflicts} conflicts` : ''}${stats.errors ? `, ${stats.errors} errors (last: ${lastError})` : ''}`);
    minute = { reported: 0, actions: 0 };
  };
  const perMinute = setInterval(line, 60_000);

  let arrivals: NodeJS.Timeout | undefined;
  const arrive = () => {
    if (stopping) return;
    if (inFlight.size < 256) track(report()); // back off rather than pile up requests on a slow server
    arrivals = setTimeout(arrive, -Math.log(1 - rnd()) * (1000 / opts.rate));
  };
  arrive();

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (Number.isFinite(opts.duration)) setTimeout(stop, opts.duration * 1000).unref();
  });
  stopping = true;
  clearTimeout(arrivals);
  clearInterval(perMinute);
  for (const t of timers) clearTimeout(t);
  await Promise.allSettled([...inFlight]);
  line();
  console.log(`stopped after ${clock()}: ${stats.reported} cases reported, ${stats.actions} workflow actions, ${open.size} cases left open`);
  process.exit(stats.reported === 0 && stats.errors > 0 ? 1 : 0);
}

await main();
