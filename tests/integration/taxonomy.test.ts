import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { TaxonomyError } from '../../api/domain/taxonomy.ts';
import { loadTaxonomy, readTaxonomy, TAXONOMY_DIR } from '../../api/taxonomy/load.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('taxonomy: load and GET /api/taxonomy', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let loaded: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    loaded = await loadTaxonomy(t.db.pool);
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('writes every row of every shipped standard', async () => {
    expect(loaded).toBe(readTaxonomy().length);
    const { rows } = await t.db.pool.query<{ standard: string; n: number }>('SELECT standard, count(*)::int AS n FROM taxonomy GROUP BY 1 ORDER BY 1');
    expect(rows.map((r) => r.standard)).toEqual(['CJ/T 214-2007', 'GB/T 47678.5-2026']);
    expect(rows[0].n + rows[1].n).toBe(loaded);
  });

  it('is idempotent and picks up edited time limits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taxonomy-'));
    try {
      for (const f of fs.readdirSync(TAXONOMY_DIR)) fs.copyFileSync(path.join(TAXONOMY_DIR, f), path.join(dir, f));
      const file = path.join(dir, 'cjt214-2007.csv');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace(/^(CJ\/T 214-2007,event,0102,minor,01,暴露垃圾,[^,]*,)2,work_hours,/m, '$11.5,work_hours,'));
      expect(await loadTaxonomy(t.db.pool, dir)).toBe(loaded);
      const { rows } = await t.db.pool.query(`SELECT time_limit_value::float8 AS v, (SELECT count(*)::int FROM taxonomy) AS n
        FROM taxonomy WHERE standard = 'CJ/T 214-2007' AND kind = 'event' AND code = '0102'`);
      expect(rows[0]).toEqual({ v: 1.5, n: loaded });
    } finally {
      await loadTaxonomy(t.db.pool);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing when a file is invalid', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taxonomy-'));
    try {
      fs.copyFileSync(path.join(TAXONOMY_DIR, 'active.json'), path.join(dir, 'active.json'));
      const good = fs.readFileSync(path.join(TAXONOMY_DIR, 'cjt214-2007.csv'), 'utf8').replace(/,暴露垃圾,/, ',暴露垃圾X,');
      fs.writeFileSync(path.join(dir, 'cjt214-2007.csv'), good.replace(/\n$/, '\nCJ/T 214-2007,event,0103,minor,01,重复,,2,work_hours,\n'));
      const err = await loadTaxonomy(t.db.pool, dir).catch((e) => e);
      expect(err).toBeInstanceOf(TaxonomyError);
      expect(err.message).toMatch(/cjt214-2007\.csv:\d+ code: duplicate event 0103/);
      const { rows } = await t.db.pool.query(`SELECT name FROM taxonomy WHERE standard = 'CJ/T 214-2007' AND kind = 'event' AND code = '0102'`);
      expect(rows[0].name).toBe('暴露垃圾');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the active standard as kinds → majors → minors', async () => {
    const res = await app.inject('/api/taxonomy');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.standard).toBe('CJ/T 214-2007');
    expect(body.kinds.map((k: any) => [k.kind, k.name, k.majors.length])).toEqual([['component', '部件', 6], ['event', '事件', 6]]);
    const event = body.kinds[1];
    expect(event.majors[0]).toMatchObject({ code: '01', name: '市容环境' });
    expect(event.majors[0].minors[1]).toEqual({
      code: '0102', name: '暴露垃圾', standard: 'CJ/T 214-2007', timeLimit: { value: 2, unit: 'work_hours' },
      registerCondition: '道路、绿地、广场等公共区域有暴露垃圾', closeCondition: '暴露垃圾已清除，现场整洁',
    });
    expect(body.kinds[0].majors[0].minors[0]).toMatchObject({ code: '0101', name: '上水井盖', timeLimit: { unit: 'calendar_hours' } });
    const minors = body.kinds.flatMap((k: any) => k.majors.flatMap((m: any) => m.minors));
    expect(minors.length).toBe(loaded / 2 - 12);
  });

  it('serves another standard on request', async () => {
    const res = await app.inject('/api/taxonomy?standard=' + encodeURIComponent('GB/T 47678.5-2026'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.standard).toBe('GB/T 47678.5-2026');
    expect(body.kinds[1].majors[4].minors[0]).toMatchObject({ code: '05001', name: '无照经营游商', standard: 'GB/T 47678.5-2026' });
  });

  it('rejects an unknown standard with 400 naming it', async () => {
    const res = await app.inject('/api/taxonomy?standard=' + encodeURIComponent('GB/T 9999-2099'));
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('GB/T 9999-2099');
    expect(res.json().message).toContain('CJ/T 214-2007');
    const empty = await app.inject('/api/taxonomy?standard=');
    expect(empty.statusCode).toBe(400);
  });

  // Last: empties the table.
  it('answers 503 when the active standard was never loaded', async () => {
    await t.db.pool.query('DELETE FROM taxonomy');
    const res = await app.inject('/api/taxonomy');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'taxonomy_not_loaded' });
    expect(res.json().message).toContain('CJ/T 214-2007');
  });
});
