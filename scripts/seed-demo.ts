/**
 * npm run seed:demo [-- --force] [--dir DIR]
 * Loads the demo city (geodata/demo-city, or a generated DIR) into DATABASE_URL or the embedded database in
 * DATA_DIR, after applying migrations. Refuses a database that already has demo-table rows unless --force,
 * which empties those tables (and the case event log) first.
 */
import path from 'node:path';
import { loadConfig } from '../api/config.ts';
import { connect } from '../api/db/connect.ts';
import { migrate } from '../api/db/migrate.ts';
import { DEMO_CITY_DIR, loadDemoCity, nonEmptyTables, truncateDemoTables } from '../api/demo/load.ts';

function args(argv: string[]): { force: boolean; dir: string } {
  const out = { force: false, dir: DEMO_CITY_DIR };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--force') out.force = true;
    else if (argv[k] === '--dir' && argv[k + 1]) out.dir = path.resolve(argv[++k]);
    else throw new Error(`unknown option ${argv[k]} (use --force, --dir DIR)`);
  }
  return out;
}

const t0 = Date.now();
let opts: { force: boolean; dir: string };
try {
  opts = args(process.argv.slice(2));
} catch (err) {
  console.error(`seed:demo: ${(err as Error).message}`);
  process.exit(2);
}
const config = loadConfig();
const target = config.databaseUrl ? new URL(config.databaseUrl).host + new URL(config.databaseUrl).pathname : `embedded database in ${config.dataDir}`;
const db = await connect(config);
let code = 0;
try {
  const applied = await migrate(db.pool);
  if (applied.length) console.log(`migrations applied: ${applied.join(', ')}`);
  const busy = await nonEmptyTables(db.pool);
  if (busy.length && !opts.force) {
    console.error(`seed:demo: ${target} already has data in ${busy.join(', ')}; nothing loaded.\n` +
      `  Re-run with --force to empty the demo tables (${busy.join(', ')}, case_events) and load the demo city again.`);
    code = 1;
  } else {
    if (busy.length) {
      await truncateDemoTables(db.pool);
      console.log(`emptied ${busy.join(', ')} and case_events (--force)`);
    }
    console.log(`loading ${opts.dir} into ${target} …`);
    const { counts, repeats, ms } = await loadDemoCity(db.pool, opts.dir);
    for (const [table, n] of Object.entries(counts)) console.log(`  ${table.padEnd(12)} ${String(n).padStart(9)}`);
    const share = repeats.cases ? ((100 * repeats.repeatCases) / repeats.cases).toFixed(1) : '0';
    console.log(`  repeat groups of ${repeats.periods.length} periods: ${repeats.repeatCases} repeat cases (${share} % of the ${repeats.cases} grouped) in ${repeats.reachedGroups} groups at their threshold`);
    console.log(`demo city loaded in ${(ms / 1000).toFixed(1)} s (total ${((Date.now() - t0) / 1000).toFixed(1)} s with start-up)`);
  }
} catch (err) {
  console.error(`seed:demo: ${(err as Error).message}`);
  code = 1;
} finally {
  await db.close();
}
process.exit(code);
