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

  it('identifies the caller by API token: demo tokens, configured tokens, 401 for unknown ones', async () => {
    const demo = await buildApp({ db: t.db, config: { ...t.config, demoTokens: true, apiTokens: '[{"token":"secret-dispatch-1","user":"王五","role":"dispatcher"}]' } });
    const me = (token?: string) => demo.inject({ url: '/api/me', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await me('demo-operator')).json()).toEqual({ user: '演示受理员', role: 'operator', department: null });
    expect((await me('secret-dispatch-1')).json()).toEqual({ user: '王五', role: 'dispatcher', department: null });
    expect((await me('nope')).statusCode).toBe(401);
    expect((await me()).statusCode).toBe(401);
    await demo.close();
    const prod = await buildApp({ db: t.db, config: { ...t.config, demoTokens: false } });
    expect((await prod.inject({ url: '/api/me', headers: { authorization: 'Bearer demo-operator' } })).statusCode).toBe(401);
    await prod.close();
  });
});
