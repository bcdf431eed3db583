import path from 'node:path';

/** Runtime configuration, read once from the environment. Every variable is documented in the README. */
export interface Config {
  host: string;
  port: number;
  databaseUrl?: string;
  dataDir: string;
  /** Metric CRS for distances and areas; `undefined` → the UTM zone of the data, chosen at start. */
  analysisSrid?: number;
  logLevel: string;
  /** Fixed demo tokens (demo-collector …); on by default for the embedded demo only. */
  demoTokens: boolean;
  /** JSON file listing API tokens [{token, user, role, department?}] */
  tokensFile?: string;
  /** The same list inline (API_TOKENS env) */
  apiTokens?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const srid = env.ANALYSIS_SRID ? Number(env.ANALYSIS_SRID) : undefined;
  if (srid !== undefined && !Number.isInteger(srid)) throw new Error(`ANALYSIS_SRID must be an EPSG code, got ${env.ANALYSIS_SRID}`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : 8080,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    analysisSrid: srid,
    logLevel: env.LOG_LEVEL ?? 'info',
    demoTokens: env.DEMO_TOKENS ? env.DEMO_TOKENS === '1' : !env.DATABASE_URL,
    tokensFile: env.TOKENS_FILE || undefined,
    apiTokens: env.API_TOKENS || undefined,
  };
}
