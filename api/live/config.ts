import type { FastifyInstance } from 'fastify';

/**
 * Settings of the live event stream, read from the environment when the plugin registers (api/config.ts stays
 * untouched by this feature). Every variable is listed in the README.
 */
export interface LiveConfig {
  /** SSE comment sent to every client this often, so proxies and browsers keep idle streams open */
  heartbeatMs: number;
  /** `retry:` hint: how long a browser waits before reconnecting */
  retryMs: number;
  /** re-read the table this often even without a notification (a guard against a lost wake-up); 0 = never */
  pollMs: number;
  /** rows read per query, by the hub and per replay page */
  batch: number;
  /** unsent bytes a client may queue before it is dropped (it reconnects with Last-Event-ID and loses nothing) */
  clientBufferBytes: number;
  /** longest wait at an id gap whose writing transaction may still commit, before delivering past it */
  gapWaitMs: number;
}

const DEFAULTS: LiveConfig = {
  heartbeatMs: 15_000,
  retryMs: 3_000,
  pollMs: 5_000,
  batch: 500,
  clientBufferBytes: 1 << 20,
  gapWaitMs: 250,
};

const ENV: Record<keyof LiveConfig, string> = {
  heartbeatMs: 'LIVE_HEARTBEAT_MS',
  retryMs: 'LIVE_RETRY_MS',
  pollMs: 'LIVE_POLL_MS',
  batch: 'LIVE_BATCH',
  clientBufferBytes: 'LIVE_CLIENT_BUFFER_BYTES',
  gapWaitMs: 'LIVE_GAP_WAIT_MS',
};

export function loadLiveConfig(env: NodeJS.ProcessEnv = process.env): LiveConfig {
  const out = { ...DEFAULTS };
  for (const key of Object.keys(ENV) as (keyof LiveConfig)[]) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    const min = key === 'batch' || key === 'heartbeatMs' || key === 'clientBufferBytes' ? 1 : 0;
    if (!Number.isInteger(n) || n < min) throw new Error(`${ENV[key]} must be an integer ≥ ${min}, got ${raw}`);
    out[key] = n;
  }
  return out;
}

/** The live settings of an app: environment values overridden by `app.config.live` (tests, benchmarks). */
export function liveConfigOf(app: FastifyInstance): LiveConfig {
  const overrides = (app.config as { live?: Partial<LiveConfig> }).live ?? {};
  return { ...loadLiveConfig(), ...overrides };
}
