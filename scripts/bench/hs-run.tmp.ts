import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../api/config.ts';
import { connect } from '../../api/db/connect.ts';
const url = 'postgres://postgres@127.0.0.1:5432/citylens_hs';
const db = await connect({ databaseUrl: url, dataDir: '' });
const app = await buildApp({ db, config: { ...loadConfig({}), databaseUrl: url, demoTokens: true } });
const qs = process.argv[2] ?? 'cellSize=120&band=360';
for (let i = 0; i < 3; i++) {
  await db.pool.query(`UPDATE cases SET status = status WHERE false`);
  const t0 = performance.now();
  const res = await app.inject({ url: `/api/analysis/hotspots?${qs}`, headers: { authorization: 'Bearer demo-manager' } });
  const b = res.json();
  console.log(res.statusCode, Math.round(performance.now() - t0), 'ms', JSON.stringify(b.parameters?.timingsMs), res.body.length, 'bytes', b.areas?.features?.length ?? b.areas?.length, 'areas');
}
await app.close();
await db.close();
