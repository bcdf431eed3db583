/**
 * npm run bench [-- <name> …] — runs the benchmark modules (all by default) and prints one table of figures, each
 * beside a baseline measured in the same run. Benchmarks that need a real PostgreSQL+PostGIS use
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else DATABASE_URL (each creates and drops its own database).
 */
import { formatTable, type Figure } from './harness.ts';

const BENCHES: Record<string, () => Promise<{ run: () => Promise<Figure[]> }>> = {
  tiles: () => import('./tiles.ts'),
  gistar: () => import('./gistar.ts'),
  grids: () => import('./grids.ts'),
  live: () => import('./live.ts'),
  repeats: () => import('./repeats.ts'),
  assessment: () => import('./assessment.ts'),
  intake: () => import('./intake.ts'),
  'case-import': () => import('./case-import.ts'),
  hotspots: () => import('./hotspots.ts'),
  console: () => import('./console.ts'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const figures: Figure[] = [];
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
  console.error(`[bench] ${name} …`);
  const mod = await BENCHES[name]();
  try {
    figures.push(...(await mod.run()));
  } catch (err) {
    console.error(`[bench] ${name} failed: ${(err as Error).stack}`);
    process.exitCode = 1;
  }
}
console.log(`\n${formatTable(figures)}\n`);
