// `npm run import -- cases …` (dispatched from scripts/import.ts): argument handling, progress and the printed summary.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { connect } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { MappingError } from '../domain/case-import.ts';
import { CRS_NAMES, type CrsName } from '../domain/layer-import.ts';
import { importCases, type CaseImportReport } from './import.ts';
import { loadImportSettings } from './settings.ts';

export const CASES_USAGE = `usage: npm run import -- cases <file.csv> --mapping <mapping.json | inline JSON> [--report <out.json>] [--crs ${CRS_NAMES.join('|')}] [--strict]`;

const SHOWN = 50;

/** Runs the subcommand with the arguments after `cases`; resolves to the exit code (0 ok, 1 rejected rows, 2 usage). */
export async function casesCli(argv: string[]): Promise<number> {
  const usage = (message: string) => {
    console.error(`error: ${message}\n${CASES_USAGE}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { mapping: { type: 'string' }, report: { type: 'string' }, crs: { type: 'string', default: 'wgs84' }, strict: { type: 'boolean', default: false } },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { positionals, values } = parsed;
  const [file, ...extra] = positionals;
  if (!file) return usage('missing input file');
  if (extra.length) return usage(`unexpected argument "${extra[0]}"`);
  if (!fs.existsSync(file)) return usage(`file not found: ${file}`);
  if (!values.mapping) return usage('--mapping is required');
  if (!CRS_NAMES.includes(values.crs as CrsName)) return usage(`unknown CRS "${values.crs}"`);
  let mapping: unknown;
  const text = fs.existsSync(values.mapping) ? fs.readFileSync(values.mapping, 'utf8') : values.mapping;
  try {
    mapping = JSON.parse(text);
  } catch (err) {
    return usage(`--mapping is neither a JSON file nor inline JSON: ${(err as Error).message}`);
  }

  const config = loadConfig();
  const db = await connect(config);
  try {
    await migrate(db.pool);
    const settings = await loadImportSettings(db.pool, config);
    let report: CaseImportReport;
    try {
      report = await importCases(db.pool, fs.createReadStream(file), settings, {
        mapping, crs: values.crs as CrsName, strict: values.strict!, copy: db.kind === 'postgis', file,
        onProgress: (n) => console.error(`  … ${n.toLocaleString('en')} rows read`),
      });
    } catch (err) {
      if (err instanceof MappingError) return usage(`${file}: ${err.message}`);
      throw err;
    }
    if (values.report) fs.writeFileSync(values.report, JSON.stringify(report, null, 2));
    print(report, values.report);
    return report.rejected.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

function print(r: CaseImportReport, reportFile: string | undefined) {
  const more = (n: number) => (n > SHOWN ? [`  … ${n - SHOWN} more${reportFile ? ` in ${reportFile}` : ' (use --report to get all)'}`] : []);
  const lines: string[] = [];
  if (!r.written) {
    lines.push(`${r.file}: ${r.rejected.length} of ${r.total} rows rejected, nothing written (--strict):`);
  } else {
    const done = r.inserted + r.updated + r.unchanged;
    lines.push(
      `${r.file}: ${done} of ${r.total} rows imported (${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged)` +
        `${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}${r.rejected.length ? `, ${r.rejected.length} rejected` : ''} in ${r.seconds.toFixed(1)} s` +
        ` (${Math.round(r.total / Math.max(r.seconds, 1e-3)).toLocaleString('en')} rows/s)`,
    );
    const rp = r.repeats;
    if (rp.periods.length) lines.push(`repeat groups recomputed for ${rp.periods.join(', ')}: ${rp.repeatCases} repeat cases in ${rp.reachedGroups} groups at their threshold`);
    if (r.departmentsCreated.length) lines.push(`departments created: ${r.departmentsCreated.map((d) => `${d.name} (${d.id})`).join(', ')}`);
    if (r.skipped.length) {
      lines.push('skipped (already here):');
      for (const s of r.skipped.slice(0, SHOWN)) lines.push(`  line ${s.line} (${s.id}): ${s.reason}`);
      lines.push(...more(r.skipped.length));
    }
    if (r.rejected.length) lines.push('rejected:');
  }
  if (r.rejected.length) {
    lines.push(`  by reason: ${Object.entries(r.rejectedByCode).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const x of r.rejected.slice(0, SHOWN)) lines.push(`  line ${x.line}${x.id ? ` (${x.id})` : ''}: ${x.reason}`);
    lines.push(...more(r.rejected.length));
  }
  (r.rejected.length ? console.error : console.log)(lines.join('\n'));
}
