import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, DEMO_TOKENS, parseTokens, type Actor, type Role } from '../domain/tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set from `Authorization: Bearer <token>`; null when no token was sent. */
    actor: Actor | null;
  }
}

/** Tokens from TOKENS_FILE / API_TOKENS, plus the demo tokens when DEMO_TOKENS is on. */
export async function loadTokens(app: FastifyInstance): Promise<Map<string, Actor>> {
  const tokens = new Map<string, Actor>();
  const { tokensFile, apiTokens, demoTokens } = app.config;
  if (tokensFile) for (const [k, v] of parseTokens(JSON.parse(fs.readFileSync(tokensFile, 'utf8')))) tokens.set(k, v);
  if (apiTokens) for (const [k, v] of parseTokens(JSON.parse(apiTokens))) tokens.set(k, v);
  if (demoTokens) {
    // demo-department works for the law-enforcement brigade of the demo city (the department with most cases)
    const { rows } = await app.db.pool.query<{ id: string }>(
      `SELECT d.id FROM departments d LEFT JOIN cases c ON c.department_id = d.id GROUP BY d.id ORDER BY count(c.*) DESC, d.id LIMIT 1`,
    );
    for (const [k, v] of Object.entries(DEMO_TOKENS)) tokens.set(k, v.role === 'department' ? { ...v, department: rows[0]?.id ?? null } : v);
  }
  return tokens;
}

/**
 * Authentication: every request gets `req.actor` from its bearer token (or `?token=` on GET). An unknown token is a 401 at once;
 * no token leaves `actor` null, and routes that write or show case details require one with `requireRole`.
 */
export async function authPlugin(app: FastifyInstance) {
  let tokens: Map<string, Actor> | null = null;
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req, reply) => {
    // ?token= only for GET: browsers' EventSource cannot send an Authorization header
    const query = req.method === 'GET' ? (req.query as { token?: unknown }) : undefined;
    const token = bearerToken(req.headers.authorization) ?? (typeof query?.token === 'string' ? query.token : null);
    if (!token) return;
    tokens ??= await loadTokens(app);
    const actor = tokens.get(token);
    if (!actor) return reply.status(401).send({ error: 'unauthorized', message: 'unknown or expired API token' });
    req.actor = actor;
  });

  app.get('/api/me', { preHandler: requireRole() }, async (req) => ({
    user: req.actor!.user, role: req.actor!.role, department: req.actor!.department ?? null,
  }));
}

/** preHandler: 401 without a token; 403 when the token's role is not one of `roles` (any role when empty). */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.actor) return reply.status(401).send({ error: 'unauthorized', message: 'this request needs an API token: Authorization: Bearer <token>' });
    if (roles.length && !roles.includes(req.actor.role)) {
      return reply.status(403).send({ error: 'forbidden', message: `role ${req.actor.role} may not do this; allowed roles: ${roles.join(', ')}` });
    }
  };
}
