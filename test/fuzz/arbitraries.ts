/**
 * fast-check generators of what a SCIM client can send: filters (from the RFC 7644 grammar, then
 * mutated), PATCH bodies (Entra's two dialects, structurally mutated, plus junk), User and Group
 * bodies, query strings, raw bodies and headers. Valid-looking input dominates, so most cases
 * reach the store; the rest probe every refusal path.
 */
import fc from 'fast-check';

export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUPTALK_USER_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
export const GROUPTALK_GROUP_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const SEARCH_URN = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** Ids and names that exist when the generators run, so that generated requests hit real data. */
export interface FuzzFixtures {
  readonly userIds: readonly string[];
  readonly userNames: readonly string[];
  readonly groupIds: readonly string[];
  readonly groupNames: readonly string[];
}

const oneOf = <T>(...values: T[]) => fc.constantFrom(...values);

/** Strings that break naive code: empty, quotes, escapes, controls, case-folding oddities. */
const specialStrings = oneOf(
  '',
  ' ',
  'True',
  'False',
  'true',
  'null',
  '"',
  '\\',
  '\\"',
  '\u0000',
  '%',
  '%00',
  '%ZZ',
  '\u202e',
  'İ',
  'ß',
  'ﬁ',
  '\u0958',
  '😀',
  '\ud800',
  'a\udfffb',
  '\r\n',
  '\t',
  '#',
  'USER#x',
  'MEMBER#',
  '#RESOURCE',
  'bulkId:x',
  '1e309',
  '-0',
  '2025-01-01T00:00:00Z',
  '<script>',
  "' OR 1=1 --",
  // A log4j lookup, as text.
  `\${jndi:ldap://x}`,
  '../../etc/passwd',
);

/** Long strings around the key limit (256 units) and beyond, in wide and expanding characters. */
export const longStrings = fc
  .tuple(oneOf(256, 257, 341, 400, 511, 512, 513, 1025), oneOf('x', '中', '\u0958', '😀', 'İ'))
  .map(([length, char]) => char.repeat(length).slice(0, length));

/** Any short text, biased towards the interesting. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 3, arbitrary: specialStrings },
  { weight: 1, arbitrary: longStrings },
  { weight: 2, arbitrary: fc.emailAddress() },
);

/** Any JSON value, small. */
const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

const booleanish = oneOf<unknown>(true, false, 'True', 'False', 'true', 'FALSE', 'yes', 1, 0, null);

const USER_PATHS = [
  'userName',
  'name',
  'name.givenName',
  'name.familyName',
  'name.formatted',
  'displayName',
  'nickName',
  'title',
  'active',
  'externalId',
  'id',
  'meta',
  'meta.created',
  'meta.lastModified',
  'meta.version',
  'schemas',
  'emails',
  'emails.value',
  'emails.type',
  'emails[type eq "work"].value',
  'emails[type eq "work"]',
  'emails[type eq "work" and primary eq true].value',
  'emails[value co "@"]',
  'emails[type ne "work"].value',
  'phoneNumbers',
  'phoneNumbers[type eq "mobile"].value',
  'phoneNumbers[type eq "work"].value',
  'addresses[type eq "work"].streetAddress',
  'addresses',
  'roles',
  'groups',
  'password',
  'locale',
  'timezone',
  `${ENTERPRISE_URN}:costCenter`,
  `${ENTERPRISE_URN}:organization`,
  `${ENTERPRISE_URN}:department`,
  `${ENTERPRISE_URN}:employeeNumber`,
  `${ENTERPRISE_URN}:manager`,
  `${ENTERPRISE_URN}:manager.value`,
  `${ENTERPRISE_URN}.manager`,
  ENTERPRISE_URN,
  `${GROUPTALK_USER_URN}:label1`,
  `${GROUPTALK_USER_URN}:label2`,
  `${GROUPTALK_USER_URN}:label5`,
  GROUPTALK_USER_URN,
  `${USER_URN}:userName`,
  `${USER_URN}:name.givenName`,
];

const GROUP_PATHS = [
  'displayName',
  'members',
  'members.value',
  'members.display',
  'externalId',
  'id',
  'meta',
  'schemas',
  `${GROUPTALK_GROUP_URN}:description`,
  GROUPTALK_GROUP_URN,
  `${GROUP_URN}:displayName`,
];

const JUNK_PATHS = [
  '',
  ' ',
  'foo',
  'name.',
  '.x',
  'a.b.c',
  'emails[',
  'emails]',
  'emails[type eq]',
  'emails[type eq "work"',
  'emails[type eq "work"][value eq "x"]',
  'emails[type eq "work"].value.x',
  'members[value eq "x"].display',
  'members[display eq "x"]',
  'members[value ne "x"]',
  'members[value eq "a" or value eq "b"]',
  'urn:foo:bar',
  `${ENTERPRISE_URN}:`,
  `${ENTERPRISE_URN}:nope`,
  'urn:ietf:params:scim:schemas:core:2.0:Group:members',
  '$ref',
  'userName eq "x"',
  'emails[not (type eq "work")].value',
  '((name))',
];

/** Attribute paths of a resource type, canonical or in another case, plus junk. */
export function attributePath(type: 'User' | 'Group'): fc.Arbitrary<string> {
  const canonical = type === 'User' ? USER_PATHS : GROUP_PATHS;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...canonical) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...canonical).chain((path) => fc.mixedCase(fc.constant(path))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...(type === 'User' ? GROUP_PATHS : USER_PATHS)) },
    { weight: 2, arbitrary: fc.constantFrom(...JUNK_PATHS) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z$][\w$-]{0,8}(\.[A-Za-z][\w]{0,5})?$/) },
  );
}

// ---- filters ------------------------------------------------------------------------------------

const compareOperator = fc.oneof(
  { weight: 8, arbitrary: oneOf('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le') },
  { weight: 2, arbitrary: oneOf('EQ', 'Eq', 'sW', 'GE') },
  { weight: 1, arbitrary: oneOf('==', 'xx', 'in', 'like', '') },
);

function filterValue(fixtures: FuzzFixtures): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: text.map((value) => JSON.stringify(value)) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          ...fixtures.userNames,
          ...fixtures.userIds,
          ...fixtures.groupIds,
          ...fixtures.groupNames,
        )
        .map((value) => JSON.stringify(value)),
    },
    {
      weight: 2,
      arbitrary: oneOf('true', 'false', 'null', 'TRUE', '42', '-1.5e3', '1e999', '0x10'),
    },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.@:-]{1,12}$/) },
    { weight: 1, arbitrary: oneOf('2011-05-13T04:42:34Z', '2015-10-10T14:38:21.8617979-07:00') },
    { weight: 1, arbitrary: oneOf('"unterminated', '"\\u12"', '"\\x"', '"a"b"', "'single'", '""') },
  );
}

/** Filters built from the grammar (depth up to ~6), mostly well-formed. */
function grammarFilter(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<string> {
  const path = attributePath(type);
  const value = filterValue(fixtures);
  const space = fc.oneof(
    { weight: 8, arbitrary: fc.constant(' ') },
    { weight: 1, arbitrary: oneOf('  ', '\t', '') },
  );
  const { filter } = fc.letrec<{ filter: string; attribute: string; valuePath: string }>((tie) => ({
    attribute: fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(path, space, compareOperator, space, value)
          .map((parts) => parts.join('')),
      },
      {
        weight: 2,
        arbitrary: fc.tuple(path, space, oneOf('pr', 'PR', 'Pr')).map((parts) => parts.join('')),
      },
    ),
    valuePath: fc
      .tuple(
        oneOf('emails', 'phoneNumbers', 'members', 'addresses', 'name', 'Emails'),
        tie('filter'),
        fc.option(fc.tuple(oneOf('.value', '.type', '.display', '.x'), compareOperator, value), {
          nil: undefined,
        }),
      )
      .map(([attribute, inner, tail]) =>
        tail ? `${attribute}[${inner}]${tail[0]} ${tail[1]} ${tail[2]}` : `${attribute}[${inner}]`,
      ),
    filter: fc.oneof(
      { depthSize: 'small', maxDepth: 6, withCrossShrink: true },
      { weight: 6, arbitrary: tie('attribute') },
      { weight: 1, arbitrary: tie('valuePath') },
      {
        weight: 2,
        arbitrary: fc
          .tuple(tie('filter'), oneOf('and', 'or', 'AND', 'Or'), tie('filter'))
          .map(([left, joiner, right]) => `${left} ${joiner} ${right}`),
      },
      { weight: 1, arbitrary: tie('filter').map((inner) => `(${inner})`) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(oneOf('not', 'NOT', 'not '), tie('filter'))
          .map(([not, inner]) => `${not}(${inner})`),
      },
    ),
  }));
  return filter;
}

/** Inserts, deletes or replaces a few characters: near-valid syntax. */
function mutate(source: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.nat(),
    oneOf('insert', 'delete', 'replace'),
    oneOf('(', ')', '[', ']', '"', '\\', ' ', '.', ':', 'and', 'not', 'x', '\u0000', 'é'),
  );
  return fc.tuple(source, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([input, edits]) => {
    let result = input;
    for (const [position, kind, fragment] of edits) {
      const at = result.length === 0 ? 0 : position % (result.length + 1);
      if (kind === 'insert') result = result.slice(0, at) + fragment + result.slice(at);
      else if (kind === 'delete') result = result.slice(0, at) + result.slice(at + 1);
      else result = result.slice(0, at) + fragment + result.slice(at + fragment.length);
    }
    return result;
  });
}

/** Any filter a client could send for `type`: grammar, mutated, deep, long, Entra's own, junk. */
export function filterText(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<string> {
  const grammar = grammarFilter(type, fixtures);
  const entra =
    type === 'User'
      ? fc
          .tuple(
            oneOf(
              'userName eq ',
              'externalId eq ',
              'emails[type eq "work"].value eq ',
              'phoneNumbers[type eq "mobile"].value eq ',
              'id eq ',
            ),
            fc.constantFrom(...fixtures.userNames, ...fixtures.userIds, 'nobody@example.com'),
          )
          .map(([head, value]) => `${head}${JSON.stringify(value)}`)
      : fc
          .tuple(
            oneOf('displayName eq ', 'externalId eq ', 'id eq '),
            fc.constantFrom(...fixtures.groupNames, ...fixtures.groupIds, 'No group'),
          )
          .map(([head, value]) => `${head}${JSON.stringify(value)}`);
  const membership = fc
    .tuple(fc.constantFrom(...fixtures.groupIds), fc.constantFrom(...fixtures.userIds, 'nobody'))
    .map(([group, user]) => `id eq "${group}" and members eq "${user}"`);
  const deep = fc
    .tuple(fc.integer({ min: 10, max: 40 }), oneOf('(', 'not (', 'emails['))
    .map(([depth, open]) => {
      const close = open === 'emails[' ? ']' : ')';
      return `${open.repeat(depth)}value eq "x"${close.repeat(depth)}`;
    });
  const long = fc
    .tuple(fc.integer({ min: 4000, max: 4200 }), grammar)
    .map(([length, inner]) =>
      `${inner} or `.repeat(Math.ceil(length / (inner.length + 4))).slice(0, length),
    );
  return fc.oneof(
    { weight: 10, arbitrary: grammar },
    { weight: 4, arbitrary: mutate(grammar) },
    { weight: 3, arbitrary: entra },
    { weight: type === 'Group' ? 2 : 0, arbitrary: membership },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: long },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}

// ---- PATCH --------------------------------------------------------------------------------------

/** Member entries as a client lists them: existing users, groups, unknown and absurd ids. */
export function memberEntries(fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const id = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...fixtures.userIds) },
    { weight: 1, arbitrary: fc.constantFrom(...fixtures.groupIds) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: text },
    { weight: 1, arbitrary: longStrings },
  );
  const entry = fc.oneof(
    { weight: 8, arbitrary: id.map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.record({ value: id, type: oneOf('User', 'Group', 'user', 'x') }) },
    {
      weight: 1,
      arbitrary: fc.record({ value: id, display: text, $ref: text }, { requiredKeys: ['value'] }),
    },
    { weight: 1, arbitrary: fc.oneof(id, anyJson, fc.record({ Value: id })) },
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(
        fc.constantFrom(...fixtures.userIds).map((value) => ({ value })),
        { maxLength: 6 },
      ),
    },
    { weight: 4, arbitrary: fc.array(entry, { maxLength: 6 }) },
    { weight: 1, arbitrary: entry },
    { weight: 1, arbitrary: oneOf<unknown>(null, [], '', {}) },
  );
}

function patchValue(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(text, booleanish, fc.integer(), fc.double());
  const multi = fc.array(
    fc.record(
      {
        type: oneOf('work', 'home', 'mobile', 'other', 'Work', ''),
        value: text,
        primary: booleanish,
      },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  );
  const pathless = fc.dictionary(
    fc.oneof(attributePath(type), oneOf(ENTERPRISE_URN, GROUPTALK_USER_URN, 'schemas')),
    fc.oneof(scalar, multi, type === 'Group' ? memberEntries(fixtures) : scalar, anyJson),
    { maxKeys: 4 },
  );
  return fc.oneof(
    { weight: 4, arbitrary: scalar },
    { weight: 2, arbitrary: multi },
    { weight: 3, arbitrary: pathless },
    { weight: type === 'Group' ? 4 : 0, arbitrary: memberEntries(fixtures) },
    { weight: 1, arbitrary: fc.record({ value: scalar }) },
    {
      weight: 1,
      arbitrary: fc.record({ value: fc.constantFrom(...fixtures.userIds), displayName: text }),
    },
    { weight: 1, arbitrary: anyJson },
  );
}

/** Operations as Entra sends them (both dialects), each a known-good shape. */
function entraOperation(
  type: 'User' | 'Group',
  fixtures: FuzzFixtures,
): fc.Arbitrary<Record<string, unknown>> {
  const user = fc.constantFrom(...fixtures.userIds);
  if (type === 'User') {
    return fc.oneof(
      fc.record({ op: oneOf('Replace', 'replace'), path: oneOf('active'), value: booleanish }),
      fc.record({
        op: oneOf('Add', 'Replace'),
        path: oneOf(
          'emails[type eq "work"].value',
          'phoneNumbers[type eq "mobile"].value',
          'name.givenName',
          'name.familyName',
          'displayName',
          'externalId',
          `${GROUPTALK_USER_URN}:label1`,
          `${GROUPTALK_USER_URN}:label3`,
          `${ENTERPRISE_URN}:costCenter`,
          `${ENTERPRISE_URN}:organization`,
        ),
        value: fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: longStrings }),
      }),
      fc.record({ op: oneOf('Replace'), path: oneOf('userName'), value: longStrings }),
      fc.record({ op: oneOf('Replace'), path: oneOf('userName'), value: fc.emailAddress() }),
      fc.record({
        op: oneOf('Add', 'Replace'),
        path: oneOf(`${ENTERPRISE_URN}:manager`),
        value: fc.oneof(
          user,
          user.map((value) => ({ value })),
        ),
      }),
      fc.record({
        op: oneOf('Remove', 'remove'),
        path: oneOf(
          `${ENTERPRISE_URN}:manager`,
          'emails[type eq "work"].value',
          `${GROUPTALK_USER_URN}:label2`,
          'name.givenName',
          'externalId',
        ),
      }),
      fc.record({
        op: oneOf('replace'),
        value: fc.record(
          {
            active: booleanish,
            'name.givenName': text,
            'emails[type eq "work"].value': text,
            [`${GROUPTALK_USER_URN}:label1`]: text,
            [ENTERPRISE_URN]: fc.record(
              { costCenter: text, department: text },
              { requiredKeys: [] },
            ),
            displayName: text,
          },
          { requiredKeys: [] },
        ),
      }),
    );
  }
  return fc.oneof(
    fc.record({
      op: oneOf('Add', 'add'),
      path: oneOf('members'),
      value: fc.array(
        user.map((value) => ({ value })),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.record({
      op: oneOf('Remove', 'remove'),
      path: oneOf('members'),
      value: fc.array(
        user.map((value) => ({ value })),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    fc.record({ op: oneOf('remove'), path: user.map((id) => `members[value eq "${id}"]`) }),
    fc.record({
      op: oneOf('Replace', 'replace'),
      path: oneOf('displayName', 'externalId', `${GROUPTALK_GROUP_URN}:description`),
      value: text,
    }),
    fc.record({
      op: oneOf('replace'),
      value: fc.record({ displayName: text, externalId: text }, { requiredKeys: [] }),
    }),
    fc.record({
      op: oneOf('replace'),
      path: oneOf('members'),
      value: fc.array(
        user.map((value) => ({ value })),
        { maxLength: 3 },
      ),
    }),
  );
}

/** A structural mutation of an operation: a key dropped, renamed, or its value swapped. */
function mutateOperation(
  operation: fc.Arbitrary<Record<string, unknown>>,
  replacement: fc.Arbitrary<unknown>,
) {
  return fc
    .tuple(
      operation,
      oneOf('op', 'path', 'value'),
      oneOf('drop', 'swap', 'rename', 'case'),
      replacement,
    )
    .map(([original, key, how, value]) => {
      const copy: Record<string, unknown> = { ...original };
      if (how === 'drop') delete copy[key];
      else if (how === 'swap') copy[key] = value;
      else if (how === 'rename') {
        copy[key.toUpperCase()] = copy[key];
        delete copy[key];
      } else if (typeof copy[key] === 'string') copy[key] = (copy[key] as string).toUpperCase();
      return copy;
    });
}

/** One PATCH operation: Entra's, mutated, generic or junk. */
function patchOperation(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const op = fc.oneof(
    { weight: 8, arbitrary: oneOf('add', 'Add', 'ADD', 'replace', 'Replace', 'remove', 'Remove') },
    { weight: 1, arbitrary: oneOf(' add ', 'move', 'copy', 'test', '', 'delete') },
    { weight: 1, arbitrary: oneOf<unknown>(null, 1, true, ['add']) },
  );
  const generic = fc.record(
    {
      op,
      path: fc.oneof(attributePath(type), oneOf<unknown>(null, 5, [])),
      value: patchValue(type, fixtures),
    },
    { requiredKeys: ['op'] },
  );
  const entra = entraOperation(type, fixtures);
  return fc.oneof(
    { weight: 12, arbitrary: entra },
    { weight: 4, arbitrary: generic },
    { weight: 2, arbitrary: mutateOperation(entra, fc.oneof(anyJson, text)) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** A PATCH body: a PatchOp of 1–5 operations mostly, and every malformed envelope. */
export function patchBody(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const operation = patchOperation(type, fixtures);
  const operations = fc.oneof(
    { weight: 3, arbitrary: operation.map((single) => [single]) },
    { weight: 2, arbitrary: fc.array(operation, { minLength: 2, maxLength: 5 }) },
  );
  const schemas = fc.oneof(
    { weight: 8, arbitrary: fc.constant([PATCH_OP_URN]) },
    {
      weight: 1,
      arbitrary: oneOf<unknown>([PATCH_OP_URN.toUpperCase()], [USER_URN], [], 'x', null),
    },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ schemas, Operations: operations }) },
    { weight: 1, arbitrary: fc.record({ Operations: operations }) },
    { weight: 1, arbitrary: fc.record({ schemas, operations }) },
    {
      weight: 1,
      arbitrary: fc.record({ schemas, Operations: fc.oneof(anyJson, fc.constant([])) }),
    },
    { weight: 1, arbitrary: anyJson },
  );
}

// ---- resources ----------------------------------------------------------------------------------

const junkKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), specialStrings), anyJson, {
  maxKeys: 3,
});

/** Mostly `valid`, sometimes `junk`: most cases get past validation and reach the store. */
function mostly<T>(valid: fc.Arbitrary<T>, junk: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: junk });
}

const validBoolean = oneOf<unknown>(true, false, 'True', 'False');

/** A User body: mostly plausible, every attribute sometimes of the wrong type. */
export function userBody(fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const typed = (type: string) =>
    fc.record(
      {
        type: mostly(fc.constantFrom(type, 'other', 'Work'), text),
        value: mostly(fc.oneof(fc.emailAddress(), fc.stringMatching(/^\+?[0-9 ]{3,15}$/)), text),
        primary: mostly(validBoolean, booleanish),
      },
      { requiredKeys: ['value'] },
    );
  const userName = fc.oneof(
    { weight: 8, arbitrary: fc.emailAddress() },
    { weight: 2, arbitrary: text },
    { weight: 1, arbitrary: longStrings },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...fixtures.userNames), anyJson) },
  );
  const body = fc.record(
    {
      schemas: mostly(
        fc.constantFrom([USER_URN], [USER_URN, ENTERPRISE_URN, GROUPTALK_USER_URN]),
        anyJson,
      ),
      userName,
      name: mostly(
        fc.record({ givenName: text, familyName: text, formatted: text }, { requiredKeys: [] }),
        anyJson,
      ),
      displayName: mostly(text, anyJson),
      active: mostly(validBoolean, booleanish),
      externalId: mostly(fc.oneof(text, fc.uuid()), anyJson),
      emails: mostly(fc.array(typed('work'), { maxLength: 3 }), fc.oneof(typed('work'), anyJson)),
      phoneNumbers: mostly(fc.array(typed('mobile'), { maxLength: 2 }), anyJson),
      [ENTERPRISE_URN]: mostly(
        fc.record(
          {
            costCenter: text,
            organization: text,
            department: text,
            manager: fc.oneof(
              fc.constantFrom(...fixtures.userIds).map((value) => ({ value })),
              fc.constantFrom(...fixtures.userIds),
            ),
          },
          { requiredKeys: [] },
        ),
        anyJson,
      ),
      [GROUPTALK_USER_URN]: mostly(
        fc.record({ label1: text, label2: text, label5: text }, { requiredKeys: [] }),
        anyJson,
      ),
      [`${GROUPTALK_USER_URN}:label3`]: text,
      id: text,
      meta: anyJson,
      groups: anyJson,
      password: text,
    },
    { requiredKeys: ['userName'] },
  );
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(body, junkKeys).map(([known, junk]) => ({ ...junk, ...known })),
    },
    {
      weight: 1,
      arbitrary: body.map((known) =>
        Object.fromEntries(Object.entries(known).map(([key, value]) => [key.toUpperCase(), value])),
      ),
    },
    { weight: 1, arbitrary: body.map(({ userName: _dropped, ...rest }) => rest) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** A Group body. */
export function groupBody(fixtures: FuzzFixtures): fc.Arbitrary<unknown> {
  const body = fc.record(
    {
      schemas: mostly(fc.constant([GROUP_URN]), anyJson),
      displayName: fc.oneof(
        { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) },
        { weight: 2, arbitrary: text },
        { weight: 1, arbitrary: longStrings },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...fixtures.groupNames), anyJson) },
      ),
      members: memberEntries(fixtures),
      externalId: mostly(text, anyJson),
      [GROUPTALK_GROUP_URN]: mostly(
        fc.record({ description: text }, { requiredKeys: [] }),
        anyJson,
      ),
      id: text,
      meta: anyJson,
    },
    { requiredKeys: ['displayName'] },
  );
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(body, junkKeys).map(([known, junk]) => ({ ...junk, ...known })),
    },
    { weight: 1, arbitrary: body.map(({ displayName: _dropped, ...rest }) => rest) },
    { weight: 1, arbitrary: anyJson },
  );
}

// ---- queries, raw bodies, headers ---------------------------------------------------------------

/** Percent-encodes a query value the way browsers do, sometimes with `+` or broken escapes. */
function encodeValue(value: string, style: number): string {
  // encodeURIComponent throws on a lone surrogate; a browser would send U+FFFD.
  const encoded = encodeURIComponent(
    value.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    ),
  );
  if (style === 1) return encoded.replace(/%20/g, '+');
  if (style === 2) return `${encoded}%`;
  if (style === 3) return value.replace(/[&#]/g, '');
  return encoded;
}

/** A list query string: filter, paging, sorting, projection, cursor and unknown parameters. */
export function listQuery(type: 'User' | 'Group', fixtures: FuzzFixtures): fc.Arbitrary<string> {
  const integerish = fc.oneof(
    fc.integer({ min: -5, max: 300 }).map(String),
    oneOf('', '0', '1', '10000000000', '1e3', '1.5', 'NaN', '-0', ' 7', '0x10', 'Infinity', '١٢'),
  );
  const attributeList = fc
    .array(attributePath(type), { maxLength: 4 })
    .chain((paths) => fc.constantFrom(paths.join(','), paths.join(', '), paths.join(',,')));
  const parameter = fc.oneof(
    { weight: 4, arbitrary: filterText(type, fixtures).map((value) => ['filter', value] as const) },
    { weight: 2, arbitrary: integerish.map((value) => ['startIndex', value] as const) },
    { weight: 2, arbitrary: integerish.map((value) => ['count', value] as const) },
    { weight: 2, arbitrary: attributePath(type).map((value) => ['sortBy', value] as const) },
    {
      weight: 1,
      arbitrary: oneOf('ascending', 'descending', 'DESCENDING', 'up', '').map(
        (value) => ['sortOrder', value] as const,
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.constant(''), fc.base64String({ maxLength: 60 }), text)
        .map((value) => ['cursor', value] as const),
    },
    { weight: 2, arbitrary: attributeList.map((value) => ['attributes', value] as const) },
    { weight: 2, arbitrary: attributeList.map((value) => ['excludedAttributes', value] as const) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.oneof(oneOf('aadOptscim062020', 'Filter', 'COUNT', ''), fc.string({ maxLength: 8 })),
        text,
      ),
    },
  );
  return fc
    .tuple(fc.array(fc.tuple(parameter, fc.nat(3)), { maxLength: 5 }), fc.boolean())
    .map(([parameters, raw]) =>
      raw && parameters.length > 0
        ? parameters.map(([[name, value]]) => `${name}=${value}`).join('&')
        : parameters
            .map(
              ([[name, value], style]) =>
                `${encodeURIComponent(name)}=${encodeValue(value, style)}`,
            )
            .join('&'),
    );
}

/** What can arrive as a request body: valid JSON of the wrong shape, broken JSON, bytes. */
export function rawBody(
  valid: fc.Arbitrary<unknown>,
): fc.Arbitrary<{ body: string; isBase64Encoded?: boolean }> {
  const json = valid.map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    {
      weight: 3,
      arbitrary: json
        .chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut)))
        .map((body) => ({ body })),
    },
    { weight: 2, arbitrary: json.map((text) => ({ body: `${text}${'}'}garbage` })) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((body) => ({ body })) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((body) => ({ body })),
    },
    { weight: 1, arbitrary: json.map((text) => ({ body: `\ufeff${text}` })) },
    {
      weight: 1,
      arbitrary: json.map((text) => ({
        body: Buffer.from(text).toString('base64'),
        isBase64Encoded: true,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
    },
    { weight: 1, arbitrary: fc.constant({ body: 'not base64 !!', isBase64Encoded: true }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1_000, max: 200_000 }),
          oneOf('[', '{"a":', '{"userName":"x","name":'),
        )
        .map(([depth, open]) => {
          const close = open === '[' ? ']' : '}';
          const inner = open.startsWith('{"userName"') ? '{"givenName":"x"}' : '1';
          return { body: `${open.repeat(depth)}${inner}${close.repeat(depth)}` };
        }),
    },
    {
      weight: 1,
      arbitrary: oneOf(
        '{"userName":"dup","userName":"dup2"}',
        `{"userName":"x","emails":[${'{"value":"a@b"},'.repeat(5000)}{"value":"z@b"}]}`,
        '{"Operations":[' +
          '{"op":"add","path":"title","value":"t"},'.repeat(1200) +
          '{"op":"add","path":"title","value":"t"}]}',
        '1e999999',
        '-',
        '[]',
        '""',
        '{"__proto__":{"polluted":true},"userName":"proto"}',
        '{"constructor":{"prototype":{"x":1}},"displayName":"proto"}',
      ).map((body) => ({ body })),
    },
  );
}

/** Content-Type headers, valid and not; undefined drops the header. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 6,
    arbitrary: oneOf(
      'application/scim+json',
      'application/json',
      'application/scim+json; charset=utf-8',
    ),
  },
  {
    weight: 3,
    arbitrary: oneOf<string | undefined>(
      undefined,
      '',
      'text/plain',
      'application/xml',
      'application/json-patch+json',
      'application/+json',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      'application/scim+json;;;',
      'application/x-www-form-urlencoded',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

/** Placeholders in generated headers, replaced when sent by the resource's stored version. */
export const CURRENT_VERSION = '{current}';
export const PREVIOUS_VERSION = '{previous}';

/** If-Match / If-None-Match values: the current version (often), a stale one, and junk. */
export const etagHeader: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: oneOf(
      `W/"${CURRENT_VERSION}"`,
      `"${CURRENT_VERSION}"`,
      `W/"${CURRENT_VERSION}", W/"0"`,
    ),
  },
  { weight: 2, arbitrary: oneOf(`W/"${PREVIOUS_VERSION}"`) },
  {
    weight: 3,
    arbitrary: oneOf(
      '*',
      '',
      ' ',
      'W/"1"',
      '"1"',
      'W/"999999999999999999999"',
      'W/',
      '"',
      ',,,',
      'W/"-1"',
      'W/"1.5"',
      'W/"abc"',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Authorization header values that are not the service's token. */
export const junkAuthorization = fc.oneof(
  oneOf(
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'bearer x.y.z',
    'Bearer eyJhbGciOiJub25lIn0.e30.',
    'Bearer ....',
    `Bearer ${'a'.repeat(9000)}`,
  ),
  fc.string({ maxLength: 60 }).map((value) => `Bearer ${value}`),
  fc.base64String({ maxLength: 200 }).map((value) => `Bearer ${value}.${value}.${value}`),
);

/** Absent (null) most of the time, else `value`. */
export function sometimes<T>(value: fc.Arbitrary<T>, oneIn = 6): fc.Arbitrary<T | null> {
  return fc.oneof(
    { weight: oneIn - 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: value },
  );
}
