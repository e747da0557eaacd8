import { describe, expect, it } from 'vitest';
import { limits } from '../../../../shared/config.js';
import type { FilterNode } from '../../../../shared/scim/filter/ast.js';
import {
  MAX_FILTER_DEPTH,
  parseAttributeList,
  parseFilter,
  parsePatchPath,
} from '../../../../shared/scim/filter/parser.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function eq(attribute: string, value: string, subAttribute?: string): FilterNode {
  return {
    kind: 'compare',
    path: subAttribute === undefined ? { attribute } : { attribute, subAttribute },
    op: 'eq',
    value,
  };
}

interface CaughtError {
  status: number;
  scimType?: string;
  detail: string;
  logDetail: string;
}

/** Runs `act`, expecting a SCIM error, and returns it for assertions. */
function errorOf(act: () => unknown): CaughtError {
  try {
    act();
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error('expected an error');
}

describe('parseFilter', () => {
  describe('what Entra sends', () => {
    it('parses the Test Connection and matching queries', () => {
      // Act
      const filter = parseFilter('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"');

      // Assess
      expect(filter).toEqual(eq('userName', 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee'));
    });

    it('reads an unquoted legacy value as a string', () => {
      expect(parseFilter('externalId eq jyoung')).toEqual(eq('externalId', 'jyoung'));
    });

    it('turns Entra\'s emails[type eq "work"].value eq form into one value path', () => {
      // Act
      const filter = parseFilter('emails[type eq "work"].value eq "user@contoso.com"');

      // Assess
      expect(filter).toEqual({
        kind: 'valuePath',
        path: { attribute: 'emails' },
        filter: { kind: 'and', left: eq('type', 'work'), right: eq('value', 'user@contoso.com') },
      });
    });

    it('keeps the sub-attribute comparison of a value path with pr', () => {
      expect(parseFilter('phoneNumbers[type eq "mobile"].value pr')).toEqual({
        kind: 'valuePath',
        path: { attribute: 'phoneNumbers' },
        filter: {
          kind: 'and',
          left: eq('type', 'mobile'),
          right: { kind: 'present', path: { attribute: 'value' } },
        },
      });
    });

    it('parses the legacy manager reference check with unquoted GUIDs', () => {
      // Act
      const filter = parseFilter(
        'id eq 54D382A4-2050-4C03-94D1-E769F1D15682 and manager eq 2819c223-7f76-453a-919d-413861904646',
      );

      // Assess
      expect(filter).toEqual({
        kind: 'and',
        left: eq('id', '54D382A4-2050-4C03-94D1-E769F1D15682'),
        right: eq('manager', '2819c223-7f76-453a-919d-413861904646'),
      });
    });

    it('parses a group membership check', () => {
      expect(parseFilter('id eq "g1" and members eq "u1"')).toEqual({
        kind: 'and',
        left: eq('id', 'g1'),
        right: eq('members', 'u1'),
      });
    });

    it('reads a full-URN extension attribute, the URN ending at the last colon', () => {
      expect(parseFilter(`${ENTERPRISE}:employeeNumber eq "701984"`)).toEqual({
        kind: 'compare',
        path: { schema: ENTERPRISE, attribute: 'employeeNumber' },
        op: 'eq',
        value: '701984',
      });
    });

    it('unescapes \\" inside quoted values', () => {
      expect(parseFilter('userName eq "o\\"brien\\\\x"')).toEqual(eq('userName', 'o"brien\\x'));
    });
  });

  describe("what Microsoft's Postman suite sends", () => {
    it('parses eq and a parenthesised or with bare values', () => {
      // Act
      const filter = parseFilter(
        'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
      );

      // Assess
      expect(filter).toEqual({
        kind: 'and',
        left: eq('name', 'Employee', 'FamilyName'),
        right: {
          kind: 'or',
          left: {
            kind: 'compare',
            path: { attribute: 'emails', subAttribute: 'Value' },
            op: 'co',
            value: 'example.com',
          },
          right: {
            kind: 'compare',
            path: { attribute: 'emails', subAttribute: 'Value' },
            op: 'co',
            value: 'example.org',
          },
        },
      });
    });

    it('parses sw with a one-letter bare value', () => {
      expect(parseFilter('userName sw O')).toEqual({
        kind: 'compare',
        path: { attribute: 'userName' },
        op: 'sw',
        value: 'O',
      });
    });

    it('keeps a bare date-time with colons and an offset as one string', () => {
      expect(parseFilter('meta.Created gt 2015-10-10T14:38:21.8617979-07:00')).toEqual({
        kind: 'compare',
        path: { attribute: 'meta', subAttribute: 'Created' },
        op: 'gt',
        value: '2015-10-10T14:38:21.8617979-07:00',
      });
    });
  });

  describe('RFC 7644 §3.4.2.2 grammar', () => {
    it('binds and tighter than or', () => {
      // Act
      const filter = parseFilter('title pr or userType eq "Employee" and active eq true');

      // Assess
      expect(filter).toMatchObject({
        kind: 'or',
        left: { kind: 'present' },
        right: { kind: 'and' },
      });
    });

    it('groups left to right', () => {
      expect(parseFilter('a pr and b pr and c pr')).toMatchObject({
        kind: 'and',
        left: {
          kind: 'and',
          left: { path: { attribute: 'a' } },
          right: { path: { attribute: 'b' } },
        },
        right: { path: { attribute: 'c' } },
      });
    });

    it('lets parentheses override precedence', () => {
      expect(parseFilter('(a pr or b pr) and c pr')).toMatchObject({
        kind: 'and',
        left: { kind: 'or' },
      });
    });

    it('parses not with and without a space before the parenthesis', () => {
      // Act
      const spaced = parseFilter('not (userName eq "x")');
      const tight = parseFilter('NOT(userName eq "x")');

      // Assess
      expect(spaced).toEqual({ kind: 'not', filter: eq('userName', 'x') });
      expect(tight).toEqual(spaced);
    });

    it('accepts operators and logical words in any case', () => {
      expect(parseFilter('userName EQ "x" AND title Pr')).toEqual({
        kind: 'and',
        left: eq('userName', 'x'),
        right: { kind: 'present', path: { attribute: 'title' } },
      });
    });

    it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const)(
      'parses the %s operator',
      (op) => {
        expect(parseFilter(`title ${op} "x"`)).toEqual({
          kind: 'compare',
          path: { attribute: 'title' },
          op,
          value: 'x',
        });
      },
    );

    it('parses JSON literals, keeping what an unquoted one looked like', () => {
      // Act
      const filter = parseFilter(
        'a eq true and b eq FALSE and c eq null and d eq 12.50 and e eq "true"',
      );

      // Assess
      const values: unknown[] = [];
      const collect = (node: FilterNode): void => {
        if (node.kind === 'and') {
          collect(node.left);
          collect(node.right);
        } else if (node.kind === 'compare') {
          values.push({ value: node.value, raw: node.raw });
        }
      };
      collect(filter);
      expect(values).toEqual([
        { value: true, raw: 'true' },
        { value: false, raw: 'FALSE' },
        { value: null, raw: 'null' },
        { value: 12.5, raw: '12.50' },
        { value: 'true', raw: undefined },
      ]);
    });

    it('reads a bare token that is not a JSON number as a string', () => {
      expect(parseFilter('externalId eq 00123')).toEqual(eq('externalId', '00123'));
    });

    it('parses the RFC example with a value filter joining two comparisons', () => {
      expect(
        parseFilter('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]'),
      ).toMatchObject({
        kind: 'or',
        left: { kind: 'valuePath', path: { attribute: 'emails' }, filter: { kind: 'and' } },
        right: { kind: 'valuePath', path: { attribute: 'ims' }, filter: eq('type', 'xmpp') },
      });
    });

    it('allows or and parentheses inside a value filter (errata 7322)', () => {
      expect(
        parseFilter('emails[type eq "work" or (type eq "home" and value ew "@example.com")]'),
      ).toMatchObject({ kind: 'valuePath', filter: { kind: 'or', right: { kind: 'and' } } });
    });

    it('tolerates extra whitespace', () => {
      expect(parseFilter('  (  userName   eq\t"x"  )  ')).toEqual(eq('userName', 'x'));
    });

    it('reads $ref as an attribute name', () => {
      expect(parseFilter('members.$ref pr')).toEqual({
        kind: 'present',
        path: { attribute: 'members', subAttribute: '$ref' },
      });
    });
  });

  describe('errors', () => {
    it.each([
      ['userName qe "x"', 10, 'an operator'],
      ['userName', 9, 'an operator'],
      ['userName eq', 12, 'a space and a value'],
      ['userName eq "x', 13, `no closing '"'`],
      ['emails[type eq "work"', 22, '"]" to close the "[" at character 7'],
      ['(userName eq "x"', 17, '")" to close the "(" at character 1'],
      ['userName eq "x" extra', 17, '"and", "or" or the end of the filter'],
      ['userName eq "x" and', 20, 'an attribute name'],
      ['1userName eq "x"', 1, 'an attribute name'],
      ['title eq and', 10, 'in quotes'],
      ['not userName eq "x"', 5, '"(" after "not"'],
      ['emails[emails[type eq "x"]]', 14, 'cannot nest'],
      ['emails[name.givenName eq "x"]', 8, 'name a sub-attribute'],
      ['a.b.c eq "x"', 1, 'more than one "."'],
      ['userName eq "\\q"', 13, 'invalid escape'],
    ])('refuses %j at character %i', (text, position, expected) => {
      // Act
      const error = errorOf(() => parseFilter(text));

      // Assess: the client is told what and where; the log only where (the text may be data).
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      expect(error.detail).toContain(`character ${position}`);
      expect(error.detail).toContain(expected);
      expect(error.logDetail).toBe(`Invalid filter at character ${position} of ${text.length}.`);
    });

    it('refuses an empty filter', () => {
      expect(errorOf(() => parseFilter('   '))).toMatchObject({
        scimType: 'invalidFilter',
        detail: 'The filter is empty.',
      });
    });

    it('refuses a filter longer than the configured limit', () => {
      // Prepare
      const text = `userName eq "${'x'.repeat(limits.maxFilterLength)}"`;

      // Act
      const error = errorOf(() => parseFilter(text));

      // Assess
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`the limit is ${limits.maxFilterLength}`);
    });

    it(`refuses nesting deeper than ${MAX_FILTER_DEPTH} levels and accepts exactly that`, () => {
      // Prepare
      const nested = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;

      // Act
      const deepest = parseFilter(nested(MAX_FILTER_DEPTH));
      const error = errorOf(() => parseFilter(nested(MAX_FILTER_DEPTH + 1)));

      // Assess
      expect(deepest).toEqual({ kind: 'present', path: { attribute: 'title' } });
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`deeper than ${MAX_FILTER_DEPTH} levels`);
    });
  });
});

describe('parsePatchPath', () => {
  it.each([
    ['userName', { path: { attribute: 'userName' } }],
    ['name.givenName', { path: { attribute: 'name', subAttribute: 'givenName' } }],
    [`${ENTERPRISE}:employeeNumber`, { path: { schema: ENTERPRISE, attribute: 'employeeNumber' } }],
    [`${ENTERPRISE}:manager`, { path: { schema: ENTERPRISE, attribute: 'manager' } }],
    [
      'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User:label1',
      {
        path: {
          schema: 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User',
          attribute: 'label1',
        },
      },
    ],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName',
      {
        path: {
          schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
          attribute: 'name',
          subAttribute: 'givenName',
        },
      },
    ],
    ['manager', { path: { attribute: 'manager' } }],
    ['members', { path: { attribute: 'members' } }],
  ])('parses %s', (text, expected) => {
    expect(parsePatchPath(text)).toEqual(expected);
  });

  it('reads the legacy dot notation as the attribute of the extension', () => {
    expect(parsePatchPath(`${ENTERPRISE}.manager`)).toEqual({
      path: { schema: ENTERPRISE, attribute: 'manager' },
    });
  });

  it.each([
    ['members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]', 'members', undefined],
    ['emails[type eq "work"].value', 'emails', 'value'],
    ['addresses[type eq "work"].formatted', 'addresses', 'formatted'],
    ['phoneNumbers[type eq "mobile"].value', 'phoneNumbers', 'value'],
    ['roles[primary eq "True"].display', 'roles', 'display'],
  ])('parses the value path %s', (text, attribute, subAttribute) => {
    // Act
    const path = parsePatchPath(text);

    // Assess
    expect(path.path).toEqual({ attribute });
    expect(path.filter?.kind).toBe('compare');
    expect(path.subAttribute).toBe(subAttribute);
  });

  it.each([
    ['', 'empty'],
    ['emails[type eq "work"] x', 'the end of the path'],
    ['emails[type eq "work"', '"]" to close'],
    ['emails[type eq "work"].', 'a sub-attribute name'],
    ['name.givenName[type eq "x"]', '"[" must follow a multi-valued attribute name'],
    ['a.b.c', 'more than one "."'],
  ])('refuses %j with 400 invalidPath', (text, expected) => {
    // Act
    const error = errorOf(() => parsePatchPath(text));

    // Assess
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain(expected);
  });

  it('logs where a path fails, not the values it quotes', () => {
    // Act
    const error = errorOf(() => parsePatchPath('emails[value eq "x" and bob@example.com pr]'));

    // Assess
    expect(error.detail).toContain('bob@example.com');
    expect(error.logDetail).toBe('Invalid PATCH path at character 25 of 43.');
  });
});

describe('parseAttributeList', () => {
  it('splits on commas and trims', () => {
    expect(parseAttributeList('userName, emails ,name.givenName')).toEqual([
      { attribute: 'userName' },
      { attribute: 'emails' },
      { attribute: 'name', subAttribute: 'givenName' },
    ]);
  });

  it('keeps URN prefixes', () => {
    expect(parseAttributeList(`${ENTERPRISE}:manager,id`)).toEqual([
      { schema: ENTERPRISE, attribute: 'manager' },
      { attribute: 'id' },
    ]);
  });

  it('reads Microsoft\'s attributes=emails[type eq "work"] as the attribute emails', () => {
    expect(parseAttributeList('emails[type eq "work"]')).toEqual([{ attribute: 'emails' }]);
  });

  it('keeps the sub-attribute after a bracket and ignores commas inside quotes', () => {
    expect(parseAttributeList('emails[value eq "a,b]"].value,userName')).toEqual([
      { attribute: 'emails', subAttribute: 'value' },
      { attribute: 'userName' },
    ]);
  });

  it('gives no paths for an empty list and skips empty items', () => {
    expect(parseAttributeList('')).toEqual([]);
    expect(parseAttributeList('userName,,')).toEqual([{ attribute: 'userName' }]);
  });

  it('refuses a malformed list with 400 invalidValue', () => {
    expect(errorOf(() => parseAttributeList('userName emails'))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      logDetail: 'Invalid attribute list at character 10 of 15.',
    });
  });

  it('reads an entry that is one of the given schema URNs, in any case, as that whole schema', () => {
    expect(
      parseAttributeList(`userName,${ENTERPRISE.toUpperCase()},${ENTERPRISE}:manager`, {
        schemas: [ENTERPRISE],
      }),
    ).toEqual([
      { attribute: 'userName' },
      { schema: ENTERPRISE },
      { schema: ENTERPRISE, attribute: 'manager' },
    ]);
  });

  it('drops malformed entries instead of refusing the list when asked to', () => {
    expect(
      parseAttributeList('userName,emails..value,name givenName,emails[value eq "a,b"],id', {
        skipMalformed: true,
      }),
    ).toEqual([{ attribute: 'userName' }, { attribute: 'emails' }, { attribute: 'id' }]);
    expect(parseAttributeList('emails[type eq "work", id', { skipMalformed: true })).toEqual([]);
  });
});
