import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance) {
  app.get('/api/health', async () => {
    const { rows } = await app.db.pool.query<{ v: string }>('SELECT postgis_lib_version() AS v');
    return { status: 'ok', database: app.db.kind, postgis: rows[0].v, analysisSrid: await app.analysisSrid() };
  });
}
