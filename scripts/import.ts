/**
 * npm run import -- layer <districts|grids|work-grids|roads|zones|components> <file.geojson>
 *                        [--mapping <file.json | inline JSON>] [--crs wgs84|cgcs2000|gcj02] [--report <out.json>]
 * npm run import -- cases <file.csv> --mapping <file.json | inline JSON> [--report <out.json>] [--crs …] [--strict]
 *
 * Layers: all-or-nothing per file. Exit 0 when written, 1 when features were rejected (nothing written; reasons
 * printed), 2 on a usage error. Cases (api/cases-import): bad rows are reported and skipped, the rest imported
 * (--strict: nothing written); exit 1 when any row was rejected. Uses DATABASE_URL, else the embedded database
 * in DATA_DIR.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../api/config.ts';
import { connect } from '../api/db/connect.ts';
import { migrate } from '../api/db/migrate.ts';
import { resolveAnalysisSrid } from '../api/db/analysis-srid.ts';
import { importLayer } from '../api/layers/import.ts';
import { casesCli, CASES_USAGE } from '../api/cases-import/cli.ts';
import { CRS_NAMES, IMPORTABLE_LAYERS, type CrsName, type ImportableLayer } from '../api/domain/layer-import.ts';

const USAGE = `usage: npm run import -- layer <${IMPORTABLE_LAYERS.join('|')}> <file.geojson> [--mapping <json>] [--crs ${CRS_NAMES.join('|')}] [--report <out.json>]
       ${CASES_USAGE.replace('usage: ', '')}`;

if (process.argv[2] === 'cases') process.exit(await casesCli(process.argv.slice(3)));

function fail(message: string): never {
  console.error(`error: ${message}\n${USAGE}`);
  process.exit(2);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { mapping: { type: 'string' }, crs: { type: 'string', default: 'wgs84' }, report: { type: 'string' } },
});
const [what, layer, file] = positionals;
if (what !== 'layer') fail(what ? `unknown import kind "${what}"` : 'missing import kind');
if (!IMPORTABLE_LAYERS.includes(layer as ImportableLayer)) fail(`unknown layer "${layer ?? ''}"`);
if (!CRS_NAMES.includes(values.crs as CrsName)) fail(`unknown CRS "${values.crs}"`);
if (!file) fail('missing input file');
if (!fs.existsSync(file)) fail(`file not found: ${file}`);

let doc: unknown;
try {
  doc = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  fail(`${file} is not valid JSON: ${(err as Error).message}`);
}
let mapping: Record<string, string> | undefined;
if (values.mapping) {
  const text = fs.existsSync(values.mapping) ? fs.readFileSync(values.mapping, 'utf8') : values.mapping;
  try {
    mapping = JSON.parse(text);
  } catch (err) {
    fail(`--mapping is neither a JSON file nor inline JSON: ${(err as Error).message}`);
  }
}

const config = loadConfig();
const db = await connect(config);
let code = 0;
try {
  await migrate(db.pool);
  const analysisSrid = await resolveAnalysisSrid(db.pool, config.analysisSrid);
  const report = await importLayer(db.pool, layer as ImportableLayer, doc, { mapping, crs: values.crs as CrsName, analysisSrid }).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
    return null;
  });
  if (report) {
    if (values.report) fs.writeFileSync(values.report, JSON.stringify(report, null, 2));
    if (report.rejected.length) {
      console.error(`${file}: ${report.rejected.length} of ${report.total} features rejected, nothing written:`);
      for (const r of report.rejected.slice(0, 50)) console.error(`  feature ${r.index}${r.id ? ` (${r.id})` : ''}: ${r.reason}`);
      if (report.rejected.length > 50) console.error(`  … ${report.rejected.length - 50} more${values.report ? ` in ${values.report}` : ' (use --report to get all)'}`);
      code = 1;
    } else {
      console.log(`${file}: ${report.written} ${layer} written (${report.total} features)`);
    }
  } else code = 1;
} finally {
  await db.close();
}
process.exit(code || Number(process.exitCode ?? 0));
