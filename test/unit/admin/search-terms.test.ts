import { afterEach, describe, expect, it } from 'vitest';
import { searchTerms } from '../../../shared/admin/integration.js';
import { logHash } from '../../../shared/http/log-identifiers.js';

const KEY = 'k'.repeat(40);

describe('what the history search looks for', () => {
  afterEach(() => {
    delete process.env.LOG_IDENTIFIERS;
    delete process.env.LOG_HASH_KEY;
  });

  it('looks for the value itself where identifiers are logged as sent', () => {
    expect(searchTerms('Alice@Contoso.test')).toEqual(['Alice@Contoso.test']);
  });

  it('also looks for its keyed hashes where the tenant logs identifiers hashed', () => {
    Object.assign(process.env, { LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: KEY });
    const terms = searchTerms('Alice@Contoso.test');
    expect(terms[0]).toBe('Alice@Contoso.test');
    // Names fold: any spelling finds the lines Entra's spelling wrote.
    expect(terms).toContain(logHash(KEY, 'userName', 'alice@contoso.test'));
    expect(terms).toContain(logHash(KEY, 'externalId', 'Alice@Contoso.test'));
  });
});
