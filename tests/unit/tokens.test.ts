import { describe, expect, it } from 'vitest';
import { bearerToken, parseTokens } from '../../api/domain/tokens.ts';

describe('API tokens', () => {
  it('parses a token list', () => {
    const t = parseTokens([{ token: 'abcdefgh1', user: '张三', role: 'department', department: 'd1' }, { token: 'abcdefgh2', user: '李四', role: 'operator', department: 'ignored' }]);
    expect(t.get('abcdefgh1')).toEqual({ user: '张三', role: 'department', department: 'd1' });
    expect(t.get('abcdefgh2')).toEqual({ user: '李四', role: 'operator', department: null });
  });
  it('names the entry and field of a bad token', () => {
    expect(() => parseTokens({})).toThrow(/JSON array/);
    expect(() => parseTokens([{ token: 'short', user: 'a', role: 'operator' }])).toThrow(/tokens\[0\]\.token/);
    expect(() => parseTokens([{ token: 'abcdefgh1', user: 'a', role: 'boss' }])).toThrow(/tokens\[0\]\.role "boss"/);
    expect(() => parseTokens([{ token: 'abcdefgh1', user: 'a', role: 'department' }])).toThrow(/tokens\[0\]\.department is required/);
    expect(() => parseTokens([{ token: 'abcdefgh1', user: 'a', role: 'manager' }, { token: 'abcdefgh1', user: 'b', role: 'manager' }])).toThrow(/tokens\[1\]\.token is listed twice/);
  });
  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer demo-operator')).toBe('demo-operator');
    expect(bearerToken('bearer  x ')).toBe('x');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
