import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../../shared/scim/errors.js';
import type { ScimResource } from '../../../shared/scim/schemas/types.js';
import { parseSort, sortComparator } from '../../../shared/scim/sort.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function order(sortBy: string, resources: ScimResource[], sortOrder?: string): unknown[] {
  const sort = parseSort('User', sortBy, sortOrder);
  const compare = sortComparator(sort.attribute!);
  const ascending = [...resources].sort(compare);
  return (sort.descending ? ascending.reverse() : ascending).map((resource) => resource.id);
}

describe('parseSort', () => {
  it('defaults to ascending and to the default order without sortBy (RFC 7644 §3.4.2.3)', () => {
    expect(parseSort('User', undefined, undefined)).toEqual({ descending: false });
    expect(parseSort('User', '', 'Descending')).toEqual({ descending: true });
    expect(parseSort('User', 'name.familyName', undefined)).toMatchObject({
      descending: false,
      attribute: { location: ['name', 'familyName'] },
    });
  });

  it('resolves names in any case, URN-qualified and extension attributes', () => {
    expect(parseSort('User', 'USERNAME', 'ascending').attribute?.location).toEqual(['userName']);
    expect(parseSort('User', `${ENTERPRISE}:costCenter`, undefined).attribute?.location).toEqual([
      ENTERPRISE,
      'costCenter',
    ]);
    expect(parseSort('User', 'meta.lastModified', undefined).attribute?.location).toEqual([
      'meta',
      'lastModified',
    ]);
  });

  it.each([
    ['an unknown attribute', 'shoeSize', undefined],
    ['a complex attribute without a value sub-attribute', 'name', undefined],
    ['two attributes', 'userName,title', undefined],
    ['an unknown sortOrder', 'userName', 'upwards'],
  ])('refuses %s with 400 invalidValue', (_case, sortBy, sortOrder) => {
    expect(() => parseSort('User', sortBy, sortOrder)).toThrow(InvalidValueError);
  });
});

describe('sortComparator', () => {
  it('sorts case-insensitive strings without regard to case, missing values last', () => {
    const users = [
      { id: 'b', title: 'beta' },
      { id: 'none' },
      { id: 'a', title: 'Alpha' },
      { id: 'c', title: 'Gamma' },
    ];

    expect(order('title', users)).toEqual(['a', 'b', 'c', 'none']);
    expect(order('title', users, 'descending')).toEqual(['none', 'c', 'b', 'a']);
  });

  it('sorts case-exact strings by code point (upper case first)', () => {
    const users = [
      { id: 'lower', externalId: 'abc' },
      { id: 'upper', externalId: 'ABC' },
      { id: 'astral', externalId: '\u{1F600}' },
      { id: 'bmp', externalId: '\uFFFD' },
    ];

    expect(order('externalId', users)).toEqual(['upper', 'lower', 'bmp', 'astral']);
  });

  it('sorts booleans false first and dateTimes as instants, whatever their offset', () => {
    const users = [
      { id: 'late', active: true, meta: { lastModified: '2020-01-01T01:00:00+02:00' } },
      { id: 'early', active: false, meta: { lastModified: '2020-01-01T00:00:00.5Z' } },
    ];

    expect(order('active', users)).toEqual(['early', 'late']);
    expect(order('meta.lastModified', users)).toEqual(['late', 'early']);
  });

  it('sorts a multi-valued attribute by its primary element, else its first', () => {
    const users = [
      { id: 'z-primary', emails: [{ value: 'a@x' }, { value: 'z@x', primary: true }] },
      { id: 'm-first', emails: [{ value: 'm@x' }, { value: 'b@x' }] },
    ];

    expect(order('emails', users)).toEqual(['m-first', 'z-primary']);
    expect(order('emails.value', users)).toEqual(['m-first', 'z-primary']);
  });

  it('sorts by an extension attribute and by the value of a complex one (manager)', () => {
    const users = [
      { id: 'two', [ENTERPRISE]: { costCenter: '2', manager: { value: 'm1' } } },
      { id: 'one', [ENTERPRISE]: { costCenter: '1', manager: { value: 'm2' } } },
    ];

    expect(order('costCenter', users)).toEqual(['one', 'two']);
    expect(order('manager', users)).toEqual(['two', 'one']);
  });
});
