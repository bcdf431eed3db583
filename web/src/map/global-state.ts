/** Whether a style global-state value (a flag or a list of classes) already holds `next`. */
export function sameState(current: unknown, next: boolean | readonly string[]): boolean {
  if (typeof next === 'boolean') return current === next;
  return Array.isArray(current) && current.length === next.length && current.every((v, i) => v === next[i]);
}
