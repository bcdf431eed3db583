import { describe, expect, it } from 'vitest';
import { sameState } from '../../web/src/map/global-state.ts';

describe('sameState (skip global-state writes that change nothing)', () => {
  it('compares flags by value', () => {
    expect(sameState(true, true)).toBe(true);
    expect(sameState(false, true)).toBe(false);
    expect(sameState(undefined, false)).toBe(false);
  });
  it('compares class lists element by element, in order', () => {
    expect(sameState(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameState(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameState(['a'], ['a', 'b'])).toBe(false);
    expect(sameState(null, [])).toBe(false);
    expect(sameState([], [])).toBe(true);
  });
});
