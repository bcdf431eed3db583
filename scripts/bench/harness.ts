/**
 * Benchmark harness for `npm run bench`: every figure is printed beside a baseline measured in the same run
 * (raw SQL, a naive implementation, another tool), with their ratio — never an absolute time alone.
 * A bench module exports `run(): Promise<Figure[]>`; scripts/bench/run.ts runs them and prints one table.
 */
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
