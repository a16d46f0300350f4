// The HSTS rule accepts the contract's header and names every way a header can fall short.
import { describe, expect, test } from 'vitest';
import { hstsShortfall, ONE_YEAR_S, parseHsts } from './hsts.ts';

describe('HSTS rule', () => {
  test('counts one year in seconds', () => {
    expect(ONE_YEAR_S).toBe(365 * 24 * 60 * 60);
  });

  test.for([
    { name: 'the contract value', value: 'max-age=31536000; includeSubDomains' },
    { name: 'two years with preload', value: 'max-age=63072000; includeSubDomains; preload' },
    { name: 'quoted max-age and odd case', value: 'Max-Age="31536000";INCLUDESUBDOMAINS' },
  ])('accepts $name', ({ value }) => {
    expect(hstsShortfall(value)).toBeNull();
  });

  test.for([
    { name: 'a missing header', value: undefined, reason: /no Strict-Transport-Security/ },
    { name: 'one day', value: 'max-age=86400; includeSubDomains', reason: /under one year/ },
    {
      name: 'max-age=0 (HSTS switched off)',
      value: 'max-age=0; includeSubDomains',
      reason: /under one year/,
    },
    { name: 'no includeSubDomains', value: 'max-age=31536000', reason: /includeSubDomains/ },
    { name: 'no max-age', value: 'includeSubDomains', reason: /invalid/ },
    {
      name: 'a repeated directive',
      value: 'max-age=1; max-age=31536000; includeSubDomains',
      reason: /invalid/,
    },
    { name: 'a non-numeric max-age', value: 'max-age=1y; includeSubDomains', reason: /invalid/ },
    {
      name: 'two headers',
      value: ['max-age=31536000; includeSubDomains', 'max-age=0'],
      reason: /2 Strict-Transport-Security headers/,
    },
  ])('refuses $name', ({ value, reason }) => {
    expect(hstsShortfall(value)).toMatch(reason);
  });

  test('reads preload', () => {
    expect(parseHsts('max-age=5; preload')).toEqual({ maxAge: 5, includeSubDomains: false, preload: true });
  });
});
