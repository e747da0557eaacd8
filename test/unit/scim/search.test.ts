import { describe, expect, it } from 'vitest';
import { InvalidSyntaxError, InvalidValueError } from '../../../shared/scim/errors.js';
import { parseSearchRequest, searchParametersFromQuery } from '../../../shared/scim/search.js';

describe('parseSearchRequest (RFC 7644 §3.4.3)', () => {
  it('reads the RFC example SearchRequest', () => {
    expect(
      parseSearchRequest({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        attributes: ['displayName', 'userName'],
        filter: 'displayName sw "smith"',
        startIndex: 1,
        count: 10,
      }),
    ).toEqual({
      parameters: { filter: 'displayName sw "smith"', startIndex: '1', count: '10' },
      attributes: 'displayName,userName',
    });
  });

  it('reads sortBy, sortOrder, cursor and excludedAttributes, and treats null as absent', () => {
    expect(
      parseSearchRequest({
        sortBy: 'userName',
        sortOrder: 'descending',
        cursor: '',
        excludedAttributes: 'emails',
        filter: null,
      }),
    ).toEqual({
      parameters: { sortBy: 'userName', sortOrder: 'descending', cursor: '' },
      excludedAttributes: 'emails',
    });
  });

  it('refuses what is not a SearchRequest', () => {
    expect(() => parseSearchRequest('filter')).toThrow(InvalidSyntaxError);
    expect(() => parseSearchRequest({ count: true })).toThrow(InvalidValueError);
    expect(() => parseSearchRequest({ attributes: [1] })).toThrow(InvalidValueError);
  });
});

describe('searchParametersFromQuery', () => {
  it('keeps the list parameters and ignores the others', () => {
    expect(
      searchParametersFromQuery(
        new URLSearchParams('filter=userName eq "x"&count=5&cursor=&aadOptscim062020'),
      ),
    ).toEqual({ filter: 'userName eq "x"', count: '5', cursor: '' });
  });
});
