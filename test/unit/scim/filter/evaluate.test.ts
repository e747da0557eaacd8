import { describe, expect, it } from 'vitest';
import {
  type AttributeResolver,
  attributeResolver,
  compileFilter,
  compileValueFilter,
  evaluateFilter,
} from '../../../../shared/scim/filter/evaluate.js';
import { parseFilter } from '../../../../shared/scim/filter/parser.js';
import { findAttribute, userSchema } from '../../../../shared/scim/schemas/index.js';
import type { AttributeDefinition, ScimResource } from '../../../../shared/scim/schemas/types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUPTALK = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';

const users = attributeResolver('User');
const groups = attributeResolver('Group');

/** A user as the store keeps it, plus the server-maintained id and meta the caller adds. */
const barbara: ScimResource = {
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'bjensen@example.com',
  active: true,
  displayName: 'Babs Jensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { type: 'work', value: 'bjensen@example.com', primary: true },
    { type: 'home', value: 'babs@jensen.org' },
  ],
  phoneNumbers: [{ type: 'mobile', value: '+1 425 555 0100' }],
  x509Certificates: [{ value: 'TUlJRGpE' }],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34.1234567Z',
  },
  [ENTERPRISE]: {
    costCenter: '4130',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  [GROUPTALK]: { label1: 'Dispatch' },
};

function matches(filter: string, resource: ScimResource = barbara): boolean {
  return evaluateFilter(parseFilter(filter), resource, users);
}

function errorOf(act: () => unknown): { status: number; scimType?: string; detail: string } {
  try {
    act();
  } catch (error) {
    return error as { status: number; scimType?: string; detail: string };
  }
  throw new Error('expected an error');
}

describe('evaluateFilter', () => {
  describe('the queries Entra sends', () => {
    it.each([
      ['userName eq "bjensen@example.com"', true],
      ['userName eq "BJensen@Example.com"', true],
      ['userName eq "someone-else"', false],
      ['externalId eq bjensen', true],
      ['externalId eq "BJENSEN"', false],
      ['emails[type eq "work"].value eq "BJENSEN@example.com"', true],
      ['emails[type eq "work"].value eq "babs@jensen.org"', false],
      ['phoneNumbers[type eq "mobile"].value eq "+1 425 555 0100"', true],
      [
        'id eq 2819c223-7f76-453a-919d-413861904646 and manager eq 26118915-6090-4610-87e4-49d8ca9f808d',
        true,
      ],
      ['id eq 2819c223-7f76-453a-919d-413861904646 and manager eq someone', false],
      ['emails[primary eq true].value eq "bjensen@example.com"', true],
    ])('%s → %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });

    it('compares id exactly, as it is caseExact', () => {
      expect(matches('id eq 2819C223-7F76-453A-919D-413861904646')).toBe(false);
    });

    it('finds a userName stored composed when Entra sends it decomposed, as its unique key does', () => {
      // Prepare: "é" as one code point (U+00E9) in storage, as "e" + U+0301 in the filter.
      const amelie = { userName: 'Am\u00e9lie.Durand@example.com', externalId: 'Am\u00e9lie' };

      // Act / Assess: the same folding as shared/store/keys.ts (NFC, then lower case).
      expect(matches('userName eq "ame\u0301lie.durand@example.com"', amelie)).toBe(true);
      expect(matches('userName sw "AME\u0301LIE"', amelie)).toBe(true);
      expect(matches('userName ne "ame\u0301lie.durand@example.com"', amelie)).toBe(false);
      // caseExact values are compared as sent.
      expect(matches('externalId eq "Ame\u0301lie"', amelie)).toBe(false);
    });
  });

  describe("the queries of Microsoft's Postman suite", () => {
    it.each([
      ['DisplayName eq "Babs Jensen"', true],
      [
        'name.FamilyName eq jensen and (emails.Value co example.com or emails.Value co example.org)',
        true,
      ],
      [
        'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
        false,
      ],
      ['userName sw B', true],
      ['userName sw O', false],
      ['meta.Created gt 2008-10-10T14:38:21.8617979-07:00', true],
      ['meta.Created gt 2015-10-10T14:38:21.8617979-07:00', false],
      ['(ActiVe eq true) and meta.lastmodified ge "2011-05-13T04:42:34.1234566Z"', true],
    ])('%s → %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });
  });

  describe('attribute kinds', () => {
    it('reads extension attributes by full URN and by bare name', () => {
      expect(matches(`${ENTERPRISE}:costCenter eq "4130"`)).toBe(true);
      expect(matches('costCenter eq 4130')).toBe(true);
      expect(matches(`${GROUPTALK}:label1 eq "dispatch"`)).toBe(true);
    });

    it('compares a complex single value without sub-attribute by its value', () => {
      expect(matches('manager eq "26118915-6090-4610-87e4-49d8ca9f808d"')).toBe(true);
      expect(matches('manager.displayName eq "john smith"')).toBe(true);
    });

    it('compares a complex multi-valued attribute without sub-attribute by its values', () => {
      expect(matches('emails eq "babs@jensen.org"')).toBe(true);
      expect(matches('emails co "@jensen"')).toBe(true);
    });

    it('matches a multi-valued attribute when any element matches', () => {
      expect(matches('emails.type eq "home"')).toBe(true);
      expect(matches('emails.type eq "other"')).toBe(false);
    });

    it('keeps a value path comparison on one element', () => {
      // Both a work e-mail and a jensen.org e-mail exist, but not in the same element.
      expect(matches('emails[type eq "work" and value ew "jensen.org"]')).toBe(false);
      expect(matches('emails[type eq "home" and value ew "jensen.org"]')).toBe(true);
    });

    it('accepts booleans as the strings "True"/"False" on either side', () => {
      expect(matches('active eq "True"')).toBe(true);
      expect(matches('active eq False')).toBe(false);
      expect(matches('active eq true', { ...barbara, active: 'True' })).toBe(true);
    });

    it('compares date-times as instants across offsets and fraction digits', () => {
      expect(matches('meta.created eq "2010-01-23T06:56:22+02:00"')).toBe(true);
      expect(matches('meta.lastModified gt "2011-05-13T04:42:34.123Z"')).toBe(true);
      expect(matches('meta.lastModified lt "2011-05-13T04:42:34.1234568Z"')).toBe(true);
      expect(matches('meta.lastModified ge "0001-01-03T00:00:00.0000000Z"')).toBe(true);
    });

    it('compares strings lexicographically with gt/lt', () => {
      expect(matches('userName gt "a"')).toBe(true);
      expect(matches('userName lt "B"')).toBe(false);
    });

    it('compares an unquoted number with a string attribute as written', () => {
      // Prepare
      const user = { ...barbara, [ENTERPRISE]: { employeeNumber: '1.50' } };

      // Act / Assess
      expect(matches('employeeNumber eq 1.50', user)).toBe(true);
      expect(matches('employeeNumber eq 1.5', user)).toBe(false);
    });
  });

  describe('pr, null and negation', () => {
    it.each([
      ['title pr', false],
      ['name.givenName pr', true],
      ['emails pr', true],
      ['manager pr', true],
      ['title eq null', true],
      ['title ne null', false],
      ['userName ne null', true],
      ['title ne "x"', true],
      ['userName ne "bjensen@example.com"', false],
      ['not (userName eq "bjensen@example.com")', false],
      ['not (title pr) and userName pr', true],
    ])('%s → %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });

    it('treats "", [] and a complex value with nothing in it as not present', () => {
      // Prepare
      const user = { userName: 'x', title: '', emails: [], name: { givenName: '' } };

      // Act / Assess
      expect(matches('title pr', user)).toBe(false);
      expect(matches('emails pr', user)).toBe(false);
      expect(matches('name pr', user)).toBe(false);
    });
  });

  describe('refusals (400 invalidFilter), whatever the data', () => {
    it.each([
      ['unknownAttribute eq "x"', 'not an attribute'],
      ['name.nope eq "x"', 'not an attribute'],
      ['urn:example:unknown:2.0:User:costCenter eq "x"', 'not an attribute'],
      ['active gt true', 'only eq, ne and pr'],
      ['active co "t"', 'only eq, ne and pr'],
      ['active eq "maybe"', 'compare it with true or false'],
      ['name eq "Barbara"', 'is complex'],
      ['meta.created gt "yesterday"', 'is a dateTime'],
      ['x509Certificates.value gt "a"', 'is binary'],
      ['title gt null', 'use "eq null"'],
      ['userName[value eq "x"]', 'needs a complex attribute'],
    ])('%s', (filter, expected) => {
      // Act: the error comes from compiling, before any resource is read.
      const error = errorOf(() => compileFilter(parseFilter(filter), users));

      // Assess
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      expect(error.detail).toContain(expected);
    });
  });

  describe('numbers', () => {
    const score: AttributeDefinition = {
      ...findAttribute(userSchema.attributes, 'title')!,
      name: 'score',
      type: 'decimal',
    };
    const scores: AttributeResolver = (path) =>
      path.attribute === 'score' ? { attribute: score, location: ['score'] } : undefined;

    it('compares numbers and numeric strings as numbers', () => {
      // Prepare
      const resource = { score: 10 };

      // Act / Assess
      expect(evaluateFilter(parseFilter('score gt 9.5'), resource, scores)).toBe(true);
      expect(evaluateFilter(parseFilter('score eq "10"'), resource, scores)).toBe(true);
      expect(evaluateFilter(parseFilter('score le 9'), resource, scores)).toBe(false);
    });

    it('refuses co on a number', () => {
      expect(errorOf(() => compileFilter(parseFilter('score co 1'), scores)).scimType).toBe(
        'invalidFilter',
      );
    });
  });

  describe('groups', () => {
    it('matches a membership term only against members the caller supplies', () => {
      // Prepare: the store keeps memberships apart; it adds the one it found.
      const group = { id: 'g1', displayName: 'Dispatch' };
      const filter = parseFilter('id eq "g1" and members eq "u1"');

      // Act / Assess
      expect(evaluateFilter(filter, group, groups)).toBe(false);
      expect(evaluateFilter(filter, { ...group, members: [{ value: 'u1' }] }, groups)).toBe(true);
    });

    it('compares displayName case-insensitively', () => {
      expect(
        evaluateFilter(
          parseFilter('displayName eq "DISPATCH"'),
          { displayName: 'Dispatch' },
          groups,
        ),
      ).toBe(true);
    });
  });
});

describe('compileValueFilter', () => {
  it('selects elements of a multi-valued attribute', () => {
    // Prepare
    const emails = findAttribute(userSchema.attributes, 'emails')!;
    const isWork = compileValueFilter(parseFilter('type eq "WORK"'), emails);

    // Act / Assess
    expect(isWork({ type: 'work', value: 'a@x' })).toBe(true);
    expect(isWork({ type: 'home', value: 'a@x' })).toBe(false);
  });

  it('refuses a name that is not a sub-attribute', () => {
    // Prepare
    const emails = findAttribute(userSchema.attributes, 'emails')!;

    // Act / Assess
    expect(errorOf(() => compileValueFilter(parseFilter('nope eq "x"'), emails)).scimType).toBe(
      'invalidFilter',
    );
  });
});
