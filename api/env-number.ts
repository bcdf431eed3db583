/** A numeric setting from the environment: the default when unset or empty; an Error naming the variable when invalid. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, dflt: number, ok: (v: number) => boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || !ok(v)) throw new Error(`${name} has an invalid value: ${raw}`);
  return v;
}
