// Zone-analysis settings: geodata/zones-analysis.json (or ZONES_ANALYSIS_FILE); tests override `config.zonesAnalysis`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseZonesAnalysisConfig, ZonesAnalysisConfigError, type ZonesAnalysisConfig } from '../../domain/zone-analysis.ts';

export const DEFAULT_ZONES_ANALYSIS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../geodata/zones-analysis.json');

export function loadZonesAnalysisConfig(file: string = process.env.ZONES_ANALYSIS_FILE || DEFAULT_ZONES_ANALYSIS_FILE): ZonesAnalysisConfig {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  try {
    return parseZonesAnalysisConfig(json);
  } catch (err) {
    if (err instanceof ZonesAnalysisConfigError) throw new ZonesAnalysisConfigError(err.field, `${err.message} (in ${file})`);
    throw err;
  }
}

const cache = new WeakMap<object, ZonesAnalysisConfig>();

export function zonesAnalysisConfigOf(app: { config: object }): ZonesAnalysisConfig {
  let cfg = cache.get(app.config);
  if (!cfg) {
    const overrides = (app.config as { zonesAnalysis?: Partial<ZonesAnalysisConfig> }).zonesAnalysis ?? {};
    cfg = { ...loadZonesAnalysisConfig(), ...overrides };
    cache.set(app.config, cfg);
  }
  return cfg;
}
