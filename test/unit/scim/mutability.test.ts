import { describe, expect, it } from 'vitest';
import { MutabilityError } from '../../../shared/scim/errors.js';
import {
  checkImmutable,
  checkImmutableAttributes,
  normalizeResource,
} from '../../../shared/scim/resource.js';
import { attribute, complexAttribute } from '../../../shared/scim/schemas/define.js';

/** A schema with immutable attributes, as an operator's extension might define them. */
const definitions = [
  attribute('badge', 'string', 'Badge number, set once.', { mutability: 'immutable' }),
  attribute('code', 'string', 'Case-exact code, set once.', {
    mutability: 'immutable',
    caseExact: true,
  }),
  complexAttribute('device', 'A device.', [
    attribute('serial', 'string', 'Serial, set once.', { mutability: 'immutable' }),
    attribute('label', 'string', 'Free text.'),
  ]),
  complexAttribute(
    'tags',
    'Tags.',
    [attribute('value', 'string', 'Tag.', { mutability: 'immutable' })],
    { multiValued: true },
  ),
];

describe('PUT mutability (RFC 7644 §3.5.1)', () => {
  it('accepts a replacement that repeats immutable values (case-insensitively unless caseExact)', () => {
    expect(() =>
      checkImmutableAttributes(
        definitions,
        { badge: 'B-1', code: 'X', device: { serial: 's1', label: 'old' } },
        { badge: 'b-1', code: 'X', device: { serial: 's1', label: 'new' } },
        '',
      ),
    ).not.toThrow();
  });

  it('lets an immutable attribute without a value be set', () => {
    expect(() =>
      checkImmutableAttributes(definitions, {}, { badge: 'B-1', device: { serial: 's' } }, ''),
    ).not.toThrow();
  });

  it.each([
    ['a changed value', { badge: 'B-1' }, { badge: 'B-2' }, 'badge'],
    ['an omitted value', { badge: 'B-1' }, {}, 'badge'],
    ['a case change of a caseExact value', { code: 'X' }, { code: 'x' }, 'code'],
    [
      'a changed sub-attribute',
      { device: { serial: 's1' } },
      { device: { serial: 's2' } },
      'device.serial',
    ],
  ])('refuses %s with 400 mutability naming the attribute', (_case, current, next, name) => {
    expect(() => checkImmutableAttributes(definitions, current, next, 'urn:x:')).toThrow(
      new MutabilityError(`urn:x:${name} is immutable: a PUT must repeat its current value.`),
    );
  });

  it('lets a PUT add and remove elements of a multi-valued attribute with immutable sub-attributes', () => {
    expect(() =>
      checkImmutableAttributes(
        definitions,
        { tags: [{ value: 'a' }] },
        { tags: [{ value: 'b' }] },
        '',
      ),
    ).not.toThrow();
  });

  it('passes every PUT of the service schemas, whose only immutable values are group members', () => {
    const group = normalizeResource('Group', {
      displayName: 'Dispatch',
      members: [{ value: 'u1' }],
    });

    expect(() =>
      checkImmutable(
        'Group',
        group.resource,
        normalizeResource('Group', { displayName: 'Other' }).resource,
      ),
    ).not.toThrow();
  });

  it('ignores readOnly values in a PUT body instead of refusing them', () => {
    const { resource } = normalizeResource('User', {
      userName: 'bjensen',
      id: 'client-chosen',
      meta: { created: '2000-01-01T00:00:00Z' },
      groups: [{ value: 'g1' }],
    });

    expect(resource).toEqual({ userName: 'bjensen' });
  });
});
