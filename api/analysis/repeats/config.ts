// The deployment's repeat-case settings: geodata/repeats.json (or REPEATS_CONFIG_FILE), validated against the shipped
// taxonomy at first use; tests override fields through `config.repeats` of buildApp (not declared in api/config.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRepeatsConfig, RepeatsConfigError, type KnownMinors, type RepeatsConfig } from '../../domain/repeats.ts';
import { readTaxonomy } from '../../taxonomy/load.ts';

export const DEFAULT_REPEATS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../geodata/repeats.json');

let known: KnownMinors | undefined;
/** Minor categories of every shipped standard, as "kind:code" keys. */
export function knownMinors(): KnownMinors {
  return (known ??= new Set(readTaxonomy().filter((r) => r.level === 'minor').map((r) => `${r.kind}:${r.code}`)));
}

/** Reads and validates a repeats config file; a bad file stops the start with the file and field named. */
export function loadRepeatsConfig(file: string = process.env.REPEATS_CONFIG_FILE || DEFAULT_REPEATS_FILE): RepeatsConfig {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  try {
    return parseRepeatsConfig(json, knownMinors());
  } catch (err) {
    if (err instanceof RepeatsConfigError) throw new RepeatsConfigError(err.field, `${err.message} (in ${file})`);
    throw err;
  }
}

/** What the repeat functions need from the app (a FastifyInstance has both). */
export interface RepeatsHost {
  config: object;
  analysisSrid(): Promise<number>;
}

const cache = new WeakMap<object, RepeatsConfig>();

/** The repeat settings of an app: the file, with `app.config.repeats` fields on top (tests). Read once per app. */
export function repeatsConfigOf(app: RepeatsHost): RepeatsConfig {
  let cfg = cache.get(app.config);
  if (!cfg) {
    const overrides = (app.config as { repeats?: Partial<RepeatsConfig> }).repeats ?? {};
    cfg = { ...loadRepeatsConfig(), ...overrides };
    cache.set(app.config, cfg);
  }
  return cfg;
}
