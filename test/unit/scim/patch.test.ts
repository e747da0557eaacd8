import { describe, expect, it } from 'vitest';
import { limits } from '../../../shared/config.js';
import { applyPatch, PATCH_OP_URN } from '../../../shared/scim/patch.js';
import type { ScimResource } from '../../../shared/scim/schemas/types.js';
import { describeWithShared, readSharedJson } from '../../support/shared-folder.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUPTALK = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';

/** A user in the stored layout (no id, meta or groups: the store keeps those apart). */
function storedUser(): ScimResource {
  return {
    userName: 'bjensen@example.com',
    externalId: 'bjensen',
    active: true,
    displayName: 'Babs Jensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'babs@jensen.org' },
    ],
    addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' }],
    [ENTERPRISE]: {
      costCenter: '4130',
      department: 'Tour Operations',
      manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
    },
  };
}

function storedGroup(): ScimResource {
  return { displayName: 'Dispatch', externalId: '8aa1a0c0' };
}

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP_URN], Operations: operations };
}

function patchUser(...operations: unknown[]) {
  return applyPatch(storedUser(), patch(...operations), 'User');
}

function patchGroup(...operations: unknown[]) {
  return applyPatch(storedGroup(), patch(...operations), 'Group');
}

function errorOf(act: () => unknown): { status: number; scimType?: string; detail: string } {
  try {
    act();
  } catch (error) {
    return error as { status: number; scimType?: string; detail: string };
  }
  throw new Error('expected an error');
}

describe('PATCH /Users/{id} as Entra sends it without aadOptscim062020', () => {
  it('replaces the work e-mail and the family name, one operation each', () => {
    // Act
    const { resource } = patchUser(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    );

    // Assess
    expect(resource.emails).toEqual([
      { type: 'work', value: 'updatedEmail@microsoft.com', primary: true },
      { type: 'home', value: 'babs@jensen.org' },
    ]);
    expect(resource.name).toEqual({ givenName: 'Barbara', familyName: 'updatedFamilyName' });
  });

  it('renames the user', () => {
    expect(
      patchUser({ op: 'Replace', path: 'userName', value: 'renamed@testuser.com' }).resource
        .userName,
    ).toBe('renamed@testuser.com');
  });

  it('replaces many attributes including a colon-notation extension attribute', () => {
    // Act
    const { resource } = patchUser(
      { op: 'Replace', path: 'displayName', value: 'Pvlo' },
      {
        op: 'Replace',
        path: 'emails[type eq "work"].value',
        value: 'TestBcwqnm@test.microsoft.com',
      },
      { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
      { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
      { op: 'Replace', path: 'externalId', value: 'Eqpj' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
    );

    // Assess
    expect(resource).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { givenName: 'Gtfd', familyName: 'Pkqf' },
      [ENTERPRISE]: { employeeNumber: 'Eqpj', costCenter: '4130' },
    });
  });

  it('adds a single-valued string', () => {
    expect(patchUser({ op: 'Add', path: 'nickName', value: 'Babs' }).resource.nickName).toBe(
      'Babs',
    );
  });

  it('disables the user with the string "False" and stores a boolean', () => {
    expect(patchUser({ op: 'Replace', path: 'active', value: 'False' }).resource.active).toBe(
      false,
    );
  });

  it('restores the user with the string "True", reporting no change when already active', () => {
    // Act
    const result = patchUser({ op: 'Replace', path: 'active', value: 'True' });

    // Assess
    expect(result.resource.active).toBe(true);
    expect(result.changed).toBe(false);
  });

  it('creates the element an Add on a filtered path names when none matches', () => {
    // Act
    const { resource } = patchUser({
      op: 'Add',
      path: 'addresses[type eq "home"].formatted',
      value: 'Columbus',
    });

    // Assess
    expect(resource.addresses).toEqual([
      { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' },
      { type: 'home', formatted: 'Columbus' },
    ]);
  });

  it('creates the work e-mail a Replace names when the user has none', () => {
    // Prepare
    const user = { userName: 'x' };

    // Act
    const { resource } = applyPatch(
      user,
      patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'x@contoso.com' }),
      'User',
    );

    // Assess
    expect(resource.emails).toEqual([{ type: 'work', value: 'x@contoso.com' }]);
  });

  it('coerces the filter value of a created element by its type (roles[primary eq "True"])', () => {
    expect(
      patchUser({ op: 'Add', path: 'roles[primary eq "True"].display', value: 'Admin' }).resource
        .roles,
    ).toEqual([{ primary: true, display: 'Admin' }]);
  });

  it('adds a role whose value is a stringified JSON object, as sent', () => {
    // Prepare
    const value =
      '{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"25","displayName":"Role1234"}';

    // Act
    const { resource } = patchUser({ op: 'Add', path: 'roles', value: [{ value }] });

    // Assess
    expect(resource.roles).toEqual([{ value }]);
  });
});

describe('PATCH /Users/{id} as Entra sends it with aadOptscim062020', () => {
  it('applies a path-less replace whose keys are dotted and URN attribute paths', () => {
    // Act
    const { resource } = patchUser(
      {
        op: 'replace',
        path: 'emails[type eq "work"].value',
        value: 'TestMhvaes@test.microsoft.com',
      },
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
          [`${GROUPTALK}:label1`]: 'Dispatch',
        },
      },
    );

    // Assess
    expect(resource).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      [ENTERPRISE]: { employeeNumber: 'Aklq', costCenter: '4130' },
      [GROUPTALK]: { label1: 'Dispatch' },
    });
    expect(resource).not.toHaveProperty(['name.givenName']);
    expect((resource.emails as unknown[])[0]).toEqual({
      type: 'work',
      value: 'TestMhvaes@test.microsoft.com',
      primary: true,
    });
  });

  it('disables the user with a boolean and a lower-case op', () => {
    expect(patchUser({ op: 'replace', path: 'active', value: false }).resource.active).toBe(false);
  });

  it('accepts a whole extension object as a path-less key, merging its attributes', () => {
    // Act
    const { resource } = patchUser({
      op: 'replace',
      value: { [ENTERPRISE]: { Department: 'Dispatch', division: 'North' }, active: false },
    });

    // Assess
    expect(resource[ENTERPRISE]).toEqual({
      costCenter: '4130',
      department: 'Dispatch',
      division: 'North',
      manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
    });
    expect(resource.active).toBe(false);
  });

  it('ignores unknown keys and readOnly values in a path-less value', () => {
    // Act
    const result = patchUser({
      op: 'replace',
      value: {
        id: 'other-id',
        meta: { resourceType: 'User' },
        schemas: [PATCH_OP_URN],
        adreses: [{ formatted: 'x' }],
        'urn:example:unknown:2.0:User:x': 'y',
        'emails[': 'junk',
        nickName: 'Babs',
      },
    });

    // Assess
    expect(result.resource).toEqual({ ...storedUser(), nickName: 'Babs' });
  });
});

describe('PATCH of the enterprise manager', () => {
  const managerPath = `${ENTERPRISE}:manager`;

  it.each([
    ['a bare string id', 'Add', managerPath, '45619541-95de-4d5e-9872-571b5d2c5577'],
    ['{value}', 'replace', managerPath, { value: '45619541-95de-4d5e-9872-571b5d2c5577' }],
    ['the bare manager path', 'Add', 'manager', '45619541-95de-4d5e-9872-571b5d2c5577'],
    [
      'the legacy dot notation',
      'replace',
      `${ENTERPRISE}.manager`,
      '45619541-95de-4d5e-9872-571b5d2c5577',
    ],
  ])('sets the manager from %s, dropping the old displayName', (_, op, path, value) => {
    expect(patchUser({ op, path, value }).resource[ENTERPRISE]).toEqual({
      costCenter: '4130',
      department: 'Tour Operations',
      manager: { value: '45619541-95de-4d5e-9872-571b5d2c5577' },
    });
  });

  it('sets the manager from the legacy one-element array with $ref', () => {
    // Act
    const { resource } = patchUser({
      op: 'Add',
      path: 'manager',
      value: [
        {
          $ref: 'http://example.com/scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
          value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        },
      ],
    });

    // Assess
    expect((resource[ENTERPRISE] as ScimResource).manager).toEqual({
      $ref: 'http://example.com/scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    });
  });

  it.each([
    ['Remove without value', { op: 'Remove', path: managerPath }],
    ['replace with ""', { op: 'replace', path: managerPath, value: '' }],
    ['replace with null', { op: 'replace', path: managerPath, value: null }],
    ['replace with {"value": ""}', { op: 'replace', path: managerPath, value: { value: '' } }],
  ])('removes the manager with %s', (_, operation) => {
    expect(patchUser(operation).resource[ENTERPRISE]).toEqual({
      costCenter: '4130',
      department: 'Tour Operations',
    });
  });

  it('drops the extension object when its last attribute goes', () => {
    // Act
    const { resource } = patchUser(
      { op: 'remove', path: 'costCenter' },
      { op: 'remove', path: 'department' },
      { op: 'remove', path: 'manager' },
    );

    // Assess
    expect(resource).not.toHaveProperty([ENTERPRISE]);
  });
});

describe("PATCH /Users/{id}: Microsoft's null-update test", () => {
  it('clears every attribute replaced with "" one operation at a time', () => {
    // Act
    const { resource } = patchUser(
      { op: 'replace', path: 'displayName', value: '' },
      { op: 'replace', path: 'name.givenName', value: '' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: '' },
      { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '' },
      { op: 'replace', path: `${ENTERPRISE}:department`, value: '' },
    );

    // Assess
    expect(resource).toEqual({
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      active: true,
      name: { familyName: 'Jensen' },
      emails: [{ type: 'home', value: 'babs@jensen.org' }],
      addresses: [{ type: 'work', locality: 'Hollywood' }],
      [ENTERPRISE]: {
        costCenter: '4130',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
      },
    });
  });

  it('clears every attribute of a path-less replace given null', () => {
    // Act
    const { resource } = patchUser({
      op: 'replace',
      value: {
        displayName: null,
        'name.givenName': null,
        'name.familyName': null,
        [`${ENTERPRISE}:department`]: null,
        [`${ENTERPRISE}:costCenter`]: null,
        [`${ENTERPRISE}:manager`]: null,
      },
    });

    // Assess
    expect(resource).not.toHaveProperty('displayName');
    expect(resource).not.toHaveProperty('name');
    expect(resource).not.toHaveProperty([ENTERPRISE]);
  });

  it('does not create an element for an empty value', () => {
    // Act
    const result = patchUser({ op: 'Add', path: 'phoneNumbers[type eq "fax"].value', value: '' });

    // Assess
    expect(result.resource).not.toHaveProperty('phoneNumbers');
    expect(result.changed).toBe(false);
  });
});

describe('PATCH operations, RFC 7644 §3.5.2', () => {
  it('adds attributes with a path-less add (§3.5.2.1), names in any case', () => {
    // Act
    const { resource } = patchUser({
      op: 'add',
      value: { emails: [{ value: 'babs@example.org', type: 'other' }], nickname: 'Babs' },
    });

    // Assess
    expect(resource.nickName).toBe('Babs');
    expect(resource.emails).toHaveLength(3);
  });

  it('does not duplicate an element that is already there, merging it instead', () => {
    // Act
    const { resource } = patchUser({
      op: 'add',
      path: 'emails',
      value: [{ value: 'BABS@jensen.org', type: 'home', display: 'Babs' }],
    });

    // Assess
    expect(resource.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: true },
      { type: 'home', value: 'BABS@jensen.org', display: 'Babs' },
    ]);
  });

  it('keeps one primary: a new primary element clears the others', () => {
    // Act
    const { resource } = patchUser({
      op: 'add',
      path: 'emails',
      value: { value: 'new@example.com', type: 'other', primary: 'True' },
    });

    // Assess
    expect(resource.emails).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: false },
      { type: 'home', value: 'babs@jensen.org' },
      { type: 'other', value: 'new@example.com', primary: true },
    ]);
  });

  it('sets primary on a filtered element and clears it on the others', () => {
    expect(
      patchUser({ op: 'replace', path: 'emails[type eq "home"].primary', value: true }).resource
        .emails,
    ).toEqual([
      { type: 'work', value: 'bjensen@example.com', primary: false },
      { type: 'home', value: 'babs@jensen.org', primary: true },
    ]);
  });

  it('merges sub-attributes on replace of a complex attribute (§3.5.2.3)', () => {
    expect(
      patchUser({ op: 'replace', path: 'name', value: { givenName: 'Babs' } }).resource.name,
    ).toEqual({ givenName: 'Babs', familyName: 'Jensen' });
  });

  it('replaces a whole multi-valued attribute', () => {
    expect(
      patchUser({ op: 'replace', path: 'emails', value: [{ value: 'only@example.com' }] }).resource
        .emails,
    ).toEqual([{ value: 'only@example.com' }]);
  });

  it('replaces the matching elements, keeping what the filter says about them', () => {
    // Act
    const { resource } = patchUser({
      op: 'replace',
      path: 'addresses[type eq "work"]',
      value: { streetAddress: '911 Universal City Plaza', postalCode: '91608' },
    });

    // Assess
    expect(resource.addresses).toEqual([
      { type: 'work', streetAddress: '911 Universal City Plaza', postalCode: '91608' },
    ]);
  });

  it('replaces one sub-attribute of the matching elements', () => {
    expect(
      patchUser({
        op: 'replace',
        path: 'addresses[type eq "work"].streetAddress',
        value: '1010 Broadway Ave',
      }).resource.addresses,
    ).toEqual([{ type: 'work', streetAddress: '1010 Broadway Ave', locality: 'Hollywood' }]);
  });

  it('removes the elements a filter selects (§3.5.2.2)', () => {
    expect(
      patchUser({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' })
        .resource.emails,
    ).toEqual([{ type: 'home', value: 'babs@jensen.org' }]);
  });

  it('removes nothing, successfully, when a remove filter matches nothing', () => {
    // Act
    const result = patchUser({ op: 'remove', path: 'emails[type eq "other"]' });

    // Assess
    expect(result.resource).toEqual(storedUser());
    expect(result.changed).toBe(false);
  });

  it('removes only the listed elements when remove carries a value list', () => {
    expect(
      patchUser({ op: 'Remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] }).resource
        .emails,
    ).toEqual([{ type: 'work', value: 'bjensen@example.com', primary: true }]);
  });

  it('removes a whole attribute', () => {
    expect(patchUser({ op: 'remove', path: 'emails' }).resource).not.toHaveProperty('emails');
  });

  it('applies operations in order', () => {
    expect(
      patchUser(
        { op: 'remove', path: 'nickName' },
        { op: 'add', path: 'nickName', value: 'A' },
        { op: 'replace', path: 'nickName', value: 'B' },
      ).resource.nickName,
    ).toBe('B');
  });

  it('accepts a body without schemas and any case of op and keys', () => {
    // Act
    const { resource } = applyPatch(
      storedUser(),
      { operations: [{ OP: 'ADD', Path: 'title', Value: 'Tour Guide' }] },
      'User',
    );

    // Assess
    expect(resource.title).toBe('Tour Guide');
  });

  it('leaves the input resource untouched', () => {
    // Prepare
    const user = storedUser();

    // Act
    applyPatch(user, patch({ op: 'replace', path: 'name.givenName', value: 'X' }), 'User');

    // Assess
    expect(user).toEqual(storedUser());
  });

  it('lets a readOnly value through when it equals the current one', () => {
    // Prepare: a caller that has the server-maintained id may pass it along.
    const user = { ...storedUser(), id: 'u1' };

    // Act
    const result = applyPatch(user, patch({ op: 'replace', path: 'id', value: 'u1' }), 'User');

    // Assess
    expect(result.changed).toBe(false);
  });
});

describe('PATCH refusals', () => {
  it.each([
    ['a body that is not an object', [], 'invalidSyntax'],
    [
      'schemas without PatchOp',
      { schemas: ['urn:x'], Operations: [{ op: 'add' }] },
      'invalidSyntax',
    ],
    ['no Operations', { schemas: [PATCH_OP_URN] }, 'invalidSyntax'],
    ['empty Operations', patch(), 'invalidSyntax'],
    ['an operation that is not an object', patch('add'), 'invalidSyntax'],
    ['an unknown op', patch({ op: 'merge', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['a missing op', patch({ path: 'title', value: 'x' }), 'invalidSyntax'],
    ['add without value', patch({ op: 'add', path: 'title' }), 'invalidValue'],
    ['remove without path', patch({ op: 'remove' }), 'noTarget'],
    ['a path that is not a string', patch({ op: 'add', path: 3, value: 'x' }), 'invalidPath'],
    [
      'an unparseable path',
      patch({ op: 'add', path: 'emails[type eq', value: 'x' }),
      'invalidPath',
    ],
    [
      'an unknown attribute',
      patch({ op: 'add', path: 'favouriteColour', value: 'x' }),
      'invalidPath',
    ],
    [
      'an unknown sub-attribute',
      patch({ op: 'add', path: 'name.nick', value: 'x' }),
      'invalidPath',
    ],
    [
      'an unknown extension',
      patch({ op: 'add', path: 'urn:x:y:2.0:User:z', value: 'x' }),
      'invalidPath',
    ],
    [
      'members on a user',
      patch({ op: 'add', path: 'members', value: [{ value: 'u' }] }),
      'invalidPath',
    ],
    [
      'a filter on a simple attribute',
      patch({ op: 'remove', path: 'title[value eq "x"]' }),
      'invalidPath',
    ],
    [
      'a filter naming no sub-attribute',
      patch({ op: 'remove', path: 'emails[nope eq "x"]' }),
      'invalidPath',
    ],
    [
      'an unknown sub-attribute after a filter',
      patch({ op: 'add', path: 'emails[type eq "work"].nope', value: 'x' }),
      'invalidPath',
    ],
    [
      'a path-less value that is not an object',
      patch({ op: 'replace', value: 'x' }),
      'invalidValue',
    ],
    [
      'a boolean that is not one',
      patch({ op: 'replace', path: 'active', value: 'maybe' }),
      'invalidValue',
    ],
    [
      'a number for a string',
      patch({ op: 'replace', path: 'userName', value: 42 }),
      'invalidValue',
    ],
    [
      'an object for a string',
      patch({ op: 'replace', value: { displayName: { x: 1 } } }),
      'invalidValue',
    ],
    ['removing the required userName', patch({ op: 'remove', path: 'userName' }), 'invalidValue'],
    [
      'clearing userName with ""',
      patch({ op: 'replace', path: 'userName', value: '' }),
      'invalidValue',
    ],
    ['changing id', patch({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
    [
      'changing meta.created',
      patch({ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }),
      'mutability',
    ],
    ['adding groups', patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] }), 'mutability'],
    [
      'changing manager.displayName',
      patch({ op: 'replace', path: 'manager.displayName', value: 'x' }),
      'mutability',
    ],
    [
      'replacing an unmatched element with a non-eq filter',
      patch({ op: 'replace', path: 'emails[value co "nowhere"].value', value: 'x' }),
      'noTarget',
    ],
  ])('refuses %s with 400', (_, body, scimType) => {
    // Act
    const error = errorOf(() => applyPatch(storedUser(), body, 'User'));

    // Assess
    expect(error).toMatchObject({ status: 400, scimType });
    expect(error.detail).not.toBe('');
  });

  it('names the operation in the detail', () => {
    expect(
      errorOf(() =>
        patchUser(
          { op: 'add', path: 'title', value: 'x' },
          { op: 'add', path: 'nope', value: 'x' },
        ),
      ).detail,
    ).toContain('Operations[1]');
  });

  it(`refuses more than ${limits.maxPatchOperations} operations with 413`, () => {
    // Prepare
    const operations = Array.from({ length: limits.maxPatchOperations + 1 }, () => ({
      op: 'add',
      path: 'title',
      value: 'x',
    }));

    // Act / Assess
    expect(errorOf(() => patchUser(...operations)).status).toBe(413);
  });
});

describe('PATCH /Groups/{id}', () => {
  it('renames the group', () => {
    // Act
    const result = patchGroup({ op: 'Replace', path: 'displayName', value: 'Renamed' });

    // Assess
    expect(result.resource).toEqual({ displayName: 'Renamed', externalId: '8aa1a0c0' });
    expect(result.members).toEqual([]);
  });

  it('replaces externalId and displayName with a path-less replace', () => {
    expect(
      patchGroup({ op: 'replace', value: { externalId: 'e2', displayName: 'D2' } }).resource,
    ).toEqual({ displayName: 'D2', externalId: 'e2' });
  });

  it('refuses to clear the required displayName', () => {
    expect(errorOf(() => patchGroup({ op: 'replace', value: { displayName: '' } })).scimType).toBe(
      'invalidValue',
    );
  });

  describe('members, which never enter the resource', () => {
    it('adds several members in one operation, with $ref null', () => {
      // Act
      const result = patchGroup({
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: 'f648f8d5ea4e4cd38e9c' },
          { $ref: null, value: '7f4bc1a3' },
        ],
      });

      // Assess
      expect(result.resource).toEqual(storedGroup());
      expect(result.changed).toBe(false);
      expect(result.members).toEqual([
        { op: 'add', members: [{ value: 'f648f8d5ea4e4cd38e9c' }, { value: '7f4bc1a3' }] },
      ]);
    });

    it('reads display, displayName and type without storing display', () => {
      expect(
        patchGroup({
          op: 'add',
          path: 'members',
          value: [
            { displayName: 'new User', value: 'u4' },
            { display: 'VP', value: 'u3', type: 'User' },
          ],
        }).members,
      ).toEqual([{ op: 'add', members: [{ value: 'u4' }, { value: 'u3', type: 'User' }] }]);
    });

    it('accepts a bare string member id', () => {
      expect(patchGroup({ op: 'add', path: 'members', value: 'string id 1' }).members).toEqual([
        { op: 'add', members: [{ value: 'string id 1' }] },
      ]);
    });

    it('removes ONLY the listed members when Entra sends Remove with a value list', () => {
      expect(
        patchGroup({
          op: 'Remove',
          path: 'members',
          value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }],
        }).members,
      ).toEqual([{ op: 'remove', members: [{ value: 'f648f8d5ea4e4cd38e9c' }] }]);
    });

    it('removes nothing when the value list is empty', () => {
      expect(patchGroup({ op: 'Remove', path: 'members', value: [] }).members).toEqual([
        { op: 'remove', members: [] },
      ]);
    });

    it('removes one member selected by a filter (aadOptscim062020)', () => {
      expect(
        patchGroup({
          op: 'remove',
          path: 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]',
        }).members,
      ).toEqual([{ op: 'remove', members: [{ value: '7f4bc1a3-285e-48ae-8202-5accb43efb0e' }] }]);
    });

    it('removes the members of an or-filter', () => {
      expect(
        patchGroup({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }).members,
      ).toEqual([{ op: 'remove', members: [{ value: 'a' }, { value: 'b' }] }]);
    });

    it('removes all members when remove has no value', () => {
      expect(patchGroup({ op: 'remove', path: 'members' }).members).toEqual([{ op: 'removeAll' }]);
    });

    it('replaces the membership, also from a path-less replace', () => {
      // Act
      const withPath = patchGroup({ op: 'replace', path: 'members', value: [{ value: 'u1' }] });
      const pathLess = patchGroup({ op: 'replace', value: { members: [{ value: 'u1' }] } });

      // Assess
      expect(withPath.members).toEqual([{ op: 'replace', members: [{ value: 'u1' }] }]);
      expect(pathLess.members).toEqual(withPath.members);
    });

    it('keeps the order of member changes (RFC 7644 §3.5.2.3 remove-then-add)', () => {
      expect(
        patchGroup(
          { op: 'remove', path: 'members' },
          { op: 'add', path: 'members', value: [{ value: 'u1' }] },
          { op: 'remove', path: 'members[value eq "u2"]' },
        ).members,
      ).toEqual([
        { op: 'removeAll' },
        { op: 'add', members: [{ value: 'u1' }] },
        { op: 'remove', members: [{ value: 'u2' }] },
      ]);
    });

    it.each([
      ['a filter other than value eq', { op: 'remove', path: 'members[display eq "x"]' }],
      ['add with a filter', { op: 'add', path: 'members[value eq "x"]', value: {} }],
      ['a sub-attribute path', { op: 'remove', path: 'members.value' }],
    ])('refuses %s with 400 invalidPath', (_, operation) => {
      expect(errorOf(() => patchGroup(operation)).scimType).toBe('invalidPath');
    });

    it('refuses a member without a string id', () => {
      expect(
        errorOf(() => patchGroup({ op: 'add', path: 'members', value: [{ value: 42 }] })).scimType,
      ).toBe('invalidValue');
    });

    it(`refuses more than ${limits.maxPatchMembers} members in one PATCH with 413`, () => {
      // Prepare
      const value = Array.from({ length: limits.maxPatchMembers + 1 }, (_, i) => ({
        value: `u${i}`,
      }));

      // Act / Assess
      expect(errorOf(() => patchGroup({ op: 'add', path: 'members', value })).status).toBe(413);
    });
  });
});

interface Sample {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

const CORPUS = 'entra/entra-request-samples.json';
const samples: Sample[] = (readSharedJson<{ samples: Sample[] }>(CORPUS)?.samples ?? []).filter(
  (sample) => sample.method === 'PATCH',
);

describeWithShared(CORPUS, 'every PATCH body of the Entra corpus', () => {
  it.each(samples.map((sample) => [sample.id, sample] as const))('accepts %s', (_, sample) => {
    // Prepare
    const type = sample.path.startsWith('/Groups') ? 'Group' : 'User';
    const resource = type === 'User' ? storedUser() : storedGroup();

    // Act
    const result = applyPatch(resource, sample.body, type);

    // Assess: something happened, to the resource or to the membership.
    expect(result.changed || result.members.length > 0 || sample.id.includes('restore')).toBe(true);
  });
});
