import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';

describe('health', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase();
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('reports the database kind and the PostGIS version', async () => {
    const res = await app.inject('/api/health');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.database).toBe(serverUrl ? 'postgis' : 'embedded');
    expect(body.postgis).toMatch(/^3\.\d+/);
  });
});
