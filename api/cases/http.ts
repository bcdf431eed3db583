// Error replies shared by the case routes: bad input is a 422 naming the field, as the issue asks.
import type { FastifyReply, FastifySchemaValidationError } from 'fastify';

/** A request the routes refuse: status, error code, the field at fault and extra JSON (current version …). */
export class CaseProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const invalid = (field: string, message: string) => new CaseProblem(422, 'invalid_argument', `${field}: ${message}`, field);

export function sendProblem(reply: FastifyReply, p: CaseProblem) {
  return reply.status(p.status).send({ error: p.code, message: p.message, ...(p.field ? { field: p.field } : {}), ...p.extra });
}

/** The first schema error of a request part as a 422 naming the field (`photos.2`, `extendBy.unit` …). */
export function schemaProblem(errors: FastifySchemaValidationError[], part: string): CaseProblem {
  const e = errors[0];
  const params = (e?.params ?? {}) as Record<string, unknown>;
  const path = (e?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  const field = [path, missing ?? extra].filter(Boolean).join('.') || part;
  const message = missing ? 'is required' : extra ? 'is not a known field' : (e?.message ?? 'is invalid');
  return invalid(field, message);
}
