import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { buildApp } from './app.ts';

const config = loadConfig();
const db = await connect(config);
const applied = await migrate(db.pool);
const app = await buildApp({ db, config, logger: { level: config.logLevel } });
if (applied.length) app.log.info({ applied }, 'migrations applied');
await app.listen({ host: config.host, port: config.port });
console.log(`城管慧眼 citylens ready: http://${config.host}:${config.port}/  (database: ${db.kind})`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, async () => {
    await app.close();
    await db.close();
    process.exit(0);
  });
}
