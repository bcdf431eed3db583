import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { buildApp } from './app.ts';
import { ensureStoredXy } from './analysis/case-xy.ts';
import { dataVersion } from './analysis/hotspots/cache.ts';
import { loadTaxonomy } from './taxonomy/load.ts';
import { isDatabaseEmpty, loadDemoCity } from './demo/load.ts';
import { ensureWebBuilt } from './web/build.ts';
import { webStatic } from './web/static.ts';

const started = Date.now();
const config = loadConfig();
const log = (msg: string) => console.log(`[citylens] ${msg}`);

const built = ensureWebBuilt({ log }); // builds web/dist on a clean clone while the database starts
log(config.databaseUrl ? 'connecting to PostgreSQL' : `starting the embedded PGlite + PostGIS in ${config.dataDir}`);
const db = await connect(config);
const applied = await migrate(db.pool);
if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
await loadTaxonomy(db.pool); // taxonomy files are the source of truth: reloaded (upserted) at every start
if (db.kind === 'embedded' && (await isDatabaseEmpty(db.pool))) {
  log('empty embedded database: loading the demo city (once)…');
  const t0 = Date.now();
  await loadDemoCity(db.pool);
  log(`demo city loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
await built;

const app = await buildApp({
  db,
  config,
  logger: {
    level: config.logLevel,
    // EventSource clients put their token in the URL: keep it out of the logs
    serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1***') }) },
  },
});
// cases' points in the analysis CRS (api/analysis/case-xy.ts): stored now rather than in the first analysis
const srid = await app.analysisSrid();
if (await ensureStoredXy(db.pool, srid)) log(`cases' points stored in the analysis CRS EPSG:${srid}`);
await app.register(webStatic);
await app.listen({ host: config.host, port: config.port });
log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (database: ${db.kind})`);
// the analyses' copy of the cases (api/analysis/case-columns): loaded now, in the background, so that the first
// hotspot analysis does not wait for it (about 8 s per million cases on a small machine)
if (srid !== 3857) {
  const t1 = Date.now();
  dataVersion(db.pool)
    .then((v) => app.caseColumns.columns(srid, true, v.cases, srid))
    .then(() => log(`analysis copy of the cases loaded in ${((Date.now() - t1) / 1000).toFixed(1)} s (${(app.caseColumns.bytes / 1e6).toFixed(1)} MB)`))
    .catch((err) => app.log.warn({ err }, 'analysis copy of the cases not preloaded; the first analysis loads it'));
}
console.log(`\n  城管慧眼 citylens → http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/\n`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, async () => {
    await app.close();
    await db.close();
    process.exit(0);
  });
}
