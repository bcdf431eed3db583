// What an import needs besides the file: the active taxonomy, the work calendar, the intake settings (snap
// distance, jurisdiction tolerance, zone time-limit factors) and the repeat-case rules, read the way the API reads
// them, so an imported case is derived and grouped exactly like one reported through intake.
import type pg from 'pg';
import type { Config } from '../config.ts';
import { resolveAnalysisSrid } from '../db/analysis-srid.ts';
import { loadCalendar, loadCaseConfig } from '../cases/config.ts';
import { activeStandard, readTaxonomy } from '../taxonomy/load.ts';
import { TaxonomyIndex } from '../domain/case-import.ts';
import { loadRepeatsConfig } from '../analysis/repeats/config.ts';
import type { CaseImportSettings } from './import.ts';

export async function loadImportSettings(pool: pg.Pool, config: Pick<Config, 'analysisSrid'>, env: NodeJS.ProcessEnv = process.env): Promise<CaseImportSettings> {
  const cases = loadCaseConfig(env);
  const standard = activeStandard(undefined, env);
  const srid = await resolveAnalysisSrid(pool, config.analysisSrid);
  return {
    taxonomy: new TaxonomyIndex(readTaxonomy().filter((r) => r.standard === standard)),
    calendar: loadCalendar(cases.calendarFile),
    analysisSrid: srid,
    snapDistanceM: cases.snapDistanceM,
    jurisdictionToleranceM: cases.jurisdictionToleranceM,
    zoneTimeLimitFactors: cases.zoneTimeLimitFactors,
    yellowAt: cases.yellowAt,
    repeats: { srid, repeats: loadRepeatsConfig(env.REPEATS_CONFIG_FILE || undefined) },
  };
}
