/**
 * Benchmark harness for `npm run bench`: every figure is printed beside a baseline measured in the same run
 * (raw SQL, a naive implementation, another tool), with their ratio — never an absolute time alone.
 * A bench module exports `run(): Promise<Figure[]>`; scripts/bench/run.ts runs them and prints one table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Figure {
  /** what was measured, e.g. "tile components z14–16 cold (median)" */
  name: string;
  value: number;
  unit: string;
  /** the baseline measured in the same run, and what it is */
  baseline?: number;
  baselineName?: string;
  /** the target, as text, e.g. "≤ 1.3× baseline" or "≤ 2 ms" */
  target?: string;
  /** whether the target is met (undefined when there is none) */
  met?: boolean;
}

export const median = (xs: number[]) => quantile(xs, 0.5);

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Wall-clock milliseconds of one call. */
export async function timeMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.baseline === undefined ? '' : `${fmt(f.baseline)} ${f.unit}  (${f.baselineName ?? 'baseline'})`,
    f.baseline === undefined || !f.baseline ? '' : `${(f.value / f.baseline).toFixed(2)}×`,
    f.target ? `${f.target} ${f.met === undefined ? '' : f.met ? 'met' : 'NOT met'}` : '',
  ]);
  const head = ['figure', 'value', 'baseline (same run)', 'ratio', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface ApiProcess {
  base: string;
  proc: ChildProcess;
  /** SIGTERM (the API closes its pool and streams); resolves when the process has exited */
  stop(): Promise<void>;
}

/**
 * Starts `api/main.ts` in a process of its own (as `npm start` runs it) on a free port with `env` added to this
 * process's environment, and waits until /api/health answers (at most `timeoutS` seconds).
 */
export async function startApiProcess(env: Record<string, string>, opts: { stdout?: 'ignore' | 'pipe'; timeoutS?: number } = {}): Promise<ApiProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
    proc.kill('SIGTERM');
    return exited;
  };
  try {
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`API exited with code ${proc.exitCode}`);
      if (i > (opts.timeoutS ?? 60) * 10) throw new Error('API did not start');
      if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, proc, stop };
}
