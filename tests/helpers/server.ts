import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import type { Config } from '../../api/config.ts';
import { loadDemoCity } from '../../api/demo/load.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { ensureWebBuilt } from '../../api/web/build.ts';
import { webStatic } from '../../api/web/static.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  app: FastifyInstance;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * A real HTTP server for browser tests: a fresh database (real PostGIS with TEST_DATABASE_URL, else embedded)
 * with the taxonomy and the demo city, the API, and the built web app, listening on a free loopback port.
 */
export async function startTestServer(opts: { demo?: boolean; config?: Partial<Config> } = {}): Promise<TestServer> {
  const built = ensureWebBuilt({ log: () => undefined }); // in parallel with the database start-up
  const database = await createTestDatabase();
  try {
    await loadTaxonomy(database.db.pool);
    if (opts.demo !== false) await loadDemoCity(database.db.pool);
    await built;
    const app = await buildApp({ db: database.db, config: { ...database.config, ...opts.config } });
    await app.register(webStatic);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      app,
      database,
      async close() {
        await app.close();
        await database.drop();
      },
    };
  } catch (err) {
    await built.catch(() => undefined);
    await database.drop();
    throw err;
  }
}
