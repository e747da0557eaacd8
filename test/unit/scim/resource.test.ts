import { describe, expect, it } from 'vitest';
import { InvalidSyntaxError, InvalidValueError } from '../../../shared/scim/errors.js';
import {
  LIST_RESPONSE_URN,
  listResponse,
  normalizeMembers,
  normalizeResource,
  parseProjection,
  type ResourceMeta,
  serializeResource,
  wantsAttribute,
} from '../../../shared/scim/resource.js';
import {
  CORE_GROUP_URN,
  CORE_USER_URN,
  ENTERPRISE_USER_URN,
  GROUPTALK_GROUP_URN,
  GROUPTALK_USER_URN,
} from '../../../shared/scim/schemas/index.js';
import type { ScimResource } from '../../../shared/scim/schemas/types.js';

// Request bodies as Entra sends them (../shared/entra/entra-request-samples.json).
const entra = {
  createUser: {
    schemas: [CORE_USER_URN, ENTERPRISE_USER_URN],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    active: true,
    emails: [
      {
        primary: true,
        type: 'work',
        value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
      },
    ],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  },
  createUserLegacyNulls: {
    schemas: [CORE_USER_URN, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
    externalId: 'jyoung',
    userName: 'jyoung@testuser.com',
    active: true,
    addresses: null,
    displayName: 'Joy Young',
    emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
    meta: { resourceType: 'User' },
    name: { familyName: 'Young', givenName: 'Joy' },
    phoneNumbers: null,
    preferredLanguage: null,
    title: null,
    department: null,
    manager: null,
  },
  createUserWithRole: {
    schemas: [CORE_USER_URN],
    externalId: 'alias',
    userName: 'alias@contoso.OnMicrosoft.com',
    active: true,
    displayName: 'First Name Last Name',
    meta: { resourceType: 'User' },
    roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }],
  },
  createUserExtensions: {
    schemas: [CORE_USER_URN, ENTERPRISE_USER_URN],
    userName: 'bjensen',
    externalId: 'bjensen',
    name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    [ENTERPRISE_USER_URN]: {
      employeeNumber: '701984',
      costCenter: '4130',
      organization: 'Universal Studios',
      division: 'Theme Park',
      department: 'Tour Operations',
    },
    'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User': {
      CustomAttribute: '701984',
    },
  },
  createGroup: {
    schemas: [
      CORE_GROUP_URN,
      'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
    ],
    externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    displayName: 'displayName',
    meta: { resourceType: 'Group' },
  },
};

// Bodies of Microsoft's Postman suite (../shared/peer/microsoft-scim-tests.postman_collection.json).
const omalleyAddresses = [
  {
    country: 'Bermuda',
    formatted: '9132 Jennifer Way Suite 040\nSouth Nancy, MI 55645',
    locality: 'West Mercedes',
    postalCode: '99265',
    region: 'Montana',
    streetAddress: '4939 Hess Fork',
    type: 'work',
    primary: false,
  },
  {
    country: null,
    formatted: '18522 Lisa Unions\nEast Gregory, CT 52311',
    locality: null,
    postalCode: null,
    region: null,
    streetAddress: null,
    type: 'other',
    primary: false,
  },
];
const garbageUser = (overrides: Record<string, unknown>) => ({
  userName: 'OMalley',
  active: true,
  addresses: omalleyAddresses,
  displayName: 'Kimberly Baker',
  emails: [
    { type: 'work', primary: true, value: 'anna33@example.com' },
    { type: 'other', primary: false, value: 'anna33@gmail.com' },
  ],
  meta: {
    created: '2019-09-18T18:15:26.5788954+00:00',
    lastModified: '2019-09-18T18:15:26.5788976+00:00',
    resourceType: 'User',
  },
  name: {
    formatted: 'Daniel Mcgee',
    familyName: 'OMalley',
    givenName: 'Darl',
    honorificPrefix: null,
    honorificSuffix: null,
  },
  phoneNumbers: [
    { type: 'fax', primary: false, value: '312-320-0500' },
    { type: 'mobile', primary: false, value: '312-320-1707' },
    { type: 'work', primary: true, value: '312-320-0932' },
  ],
  preferredLanguage: 'xh',
  roles: [],
  title: 'Site engineer',
  externalId: '22fbc523-6032-4c5f-939d-5d4850cf3e52',
  schemas: [CORE_USER_URN],
  ...overrides,
});
const postman = {
  postUser: {
    userName: 'UserName123',
    active: true,
    displayName: 'BobIsAmazing',
    schemas: [CORE_USER_URN],
    externalId: 'b3f3a0de-8bb4-4a53-9b55-6ca1b1c4e0d9',
    name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
    emails: [
      { Primary: true, type: 'work', value: 'testing@bob.com' },
      { Primary: false, type: 'home', value: 'testinghome@bob.com' },
    ],
  },
  postEnterpriseUser: {
    userName: 'UserName222',
    active: true,
    displayName: 'lennay',
    schemas: [ENTERPRISE_USER_URN, CORE_USER_URN],
    externalId: '5d8c0e3e-3a4b-4c1e-9f1e-4a2b8c9d0e1f',
    name: { formatted: 'Adrew Ryan', familyName: 'Ryan', givenName: 'Andrew' },
    emails: [
      { Primary: true, type: 'work', value: 'testing@bob2.com' },
      { Primary: false, type: 'home', value: 'testinghome@bob3.com' },
    ],
    [ENTERPRISE_USER_URN]: { Department: 'bob', Manager: { Value: 'SuzzyQ' } },
  },
  omalley: garbageUser({}),
  emp1StringTrue: garbageUser({
    userName: 'emp1',
    active: 'True',
    emails: [
      { type: 'work', primary: true, value: 'anna33@gmail.com' },
      { type: 'work', primary: false, value: 'anna33@example.com' },
    ],
    name: { formatted: 'Daniel Mcgee', familyName: 'Employee', givenName: 'Darl' },
  }),
  noUserName: (() => {
    const { userName: _omitted, ...body } = garbageUser({});
    return body;
  })(),
  putMisspeltUserName: (() => {
    const { userName: _omitted, ...body } = garbageUser({
      id: 'u1',
      userame: 'OMalley',
      active: false,
    });
    return body;
  })(),
  putMisspeltAddresses: (() => {
    const { addresses, ...body } = garbageUser({ id: 'u1', active: false });
    return { ...body, adreses: addresses };
  })(),
  enterpriseGarbage: garbageUser({
    userName: 'enterprise',
    [ENTERPRISE_USER_URN]: { Department: 'some department' },
    schemas: [CORE_USER_URN, ENTERPRISE_USER_URN],
  }),
  createEmptyGroup: {
    externalId: '9d1f0c5e-6f0e-4a6e-8d7a-2b1c3d4e5f60',
    schemas: [CORE_GROUP_URN],
    displayName: 'Group1DisplayName',
    members: [],
  },
  createFilledGroup: {
    schemas: [CORE_GROUP_URN],
    externalId: '0b7e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
    displayName: 'GroupDisplayName2',
    members: [{ value: 'user-3', display: 'VP' }],
  },
  putGroupNoMembers: {
    id: 'g1',
    displayName: 'Tiffany Ortiz',
    externalId: '6c6b54c2-fa81-4234-ad4f-420ec6808049',
    schemas: [CORE_GROUP_URN],
  },
};

const userMeta: ResourceMeta = {
  id: '2819c223-7f76-453a-919d-413861904646',
  created: '2024-01-23T04:56:22.000Z',
  lastModified: '2024-05-13T04:42:34.000Z',
  version: 'W/"3"',
  location: 'https://scim.example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646',
};
const groupMeta: ResourceMeta = {
  ...userMeta,
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  location: 'https://scim.example.com/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a',
};

describe('normalizeResource', () => {
  describe('POST /Users from Entra', () => {
    it('keeps the attributes of the documented create-user request', () => {
      // Act
      const { resource, members } = normalizeResource('User', entra.createUser);

      // Assess
      expect(resource).toEqual({
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [
          {
            primary: true,
            type: 'work',
            value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
          },
        ],
        name: {
          formatted: 'givenName familyName',
          familyName: 'familyName',
          givenName: 'givenName',
        },
      });
      expect(members).toBeUndefined();
    });

    it('ignores nulls and the misspelt enterprise URN of the legacy example', () => {
      const { resource } = normalizeResource('User', entra.createUserLegacyNulls);

      expect(resource).toEqual({
        externalId: 'jyoung',
        userName: 'jyoung@testuser.com',
        active: true,
        displayName: 'Joy Young',
        emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
        name: { familyName: 'Young', givenName: 'Joy' },
      });
    });

    it('keeps app roles', () => {
      const { resource } = normalizeResource('User', entra.createUserWithRole);

      expect(resource.roles).toEqual([
        { primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' },
      ]);
    });

    it('keeps the enterprise extension and ignores an unlisted custom extension', () => {
      const { resource } = normalizeResource('User', entra.createUserExtensions);

      expect(resource[ENTERPRISE_USER_URN]).toEqual({
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
      });
      expect(Object.keys(resource)).not.toContain(
        'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User',
      );
    });

    it('accepts extension data whose URN is missing from schemas', () => {
      const { resource } = normalizeResource('User', {
        schemas: [CORE_USER_URN],
        userName: 'u',
        [GROUPTALK_USER_URN]: { label2: 'night shift' },
      });

      expect(resource[GROUPTALK_USER_URN]).toEqual({ label2: 'night shift' });
    });

    it('accepts flat URN-qualified extension attributes as Entra maps them', () => {
      const { resource } = normalizeResource('User', {
        userName: 'u',
        [`${GROUPTALK_USER_URN}:label1`]: 'Dispatch',
        [`${ENTERPRISE_USER_URN}:costCenter`]: '4130',
        [`${ENTERPRISE_USER_URN}:manager`]: 'boss-id',
      });

      expect(resource[GROUPTALK_USER_URN]).toEqual({ label1: 'Dispatch' });
      expect(resource[ENTERPRISE_USER_URN]).toEqual({
        costCenter: '4130',
        manager: { value: 'boss-id' },
      });
    });

    it('gives the URN object precedence over flat keys and bare names for one attribute', () => {
      const { resource } = normalizeResource('User', {
        userName: 'u',
        department: 'bare',
        [`${ENTERPRISE_USER_URN}:department`]: 'flat',
        [ENTERPRISE_USER_URN]: { department: 'object' },
        division: 'bare division',
      });

      expect(resource[ENTERPRISE_USER_URN]).toEqual({
        division: 'bare division',
        department: 'object',
      });
    });

    it('accepts the manager as a bare id, {value} or {Value}, and drops an empty one', () => {
      const managerOf = (manager: unknown) =>
        normalizeResource('User', { userName: 'u', [ENTERPRISE_USER_URN]: { manager } }).resource[
          ENTERPRISE_USER_URN
        ];

      expect(managerOf('m1')).toEqual({ manager: { value: 'm1' } });
      expect(managerOf({ value: 'm1' })).toEqual({ manager: { value: 'm1' } });
      expect(managerOf({ Value: 'm1', displayName: 'Read Only' })).toEqual({
        manager: { value: 'm1' },
      });
      expect(managerOf({ value: '' })).toBeUndefined();
    });

    it('drops the password and the readOnly groups', () => {
      const { resource } = normalizeResource('User', {
        userName: 'u',
        password: 't1meMa$heen',
        groups: [{ value: 'g1', display: 'Admins' }],
      });

      expect(resource).toEqual({ userName: 'u' });
    });

    it('refuses a wrong type with invalidValue naming the attribute', () => {
      const act = () => normalizeResource('User', { userName: 'u', name: { givenName: 7 } });

      expect(act).toThrow(InvalidValueError);
      expect(act).toThrow(/name\.givenName/);
    });

    it('refuses an extension URN that holds something other than an object', () => {
      expect(() =>
        normalizeResource('User', { userName: 'u', [ENTERPRISE_USER_URN]: 'x' }),
      ).toThrow(InvalidValueError);
    });

    it.each([
      ['an array', []],
      ['a string', 'userName=bjensen'],
      ['null', null],
      ['nothing', undefined],
    ])('refuses %s as a body with invalidSyntax', (_name, body) => {
      expect(() => normalizeResource('User', body)).toThrow(InvalidSyntaxError);
    });
  });

  describe("Microsoft's Postman suite", () => {
    it('reads "Primary" as primary', () => {
      const { resource } = normalizeResource('User', postman.postUser);

      expect(resource.emails).toEqual([
        { primary: true, type: 'work', value: 'testing@bob.com' },
        { primary: false, type: 'home', value: 'testinghome@bob.com' },
      ]);
    });

    it('reads capitalised enterprise attributes', () => {
      const { resource } = normalizeResource('User', postman.postEnterpriseUser);

      expect(resource[ENTERPRISE_USER_URN]).toEqual({
        department: 'bob',
        manager: { value: 'SuzzyQ' },
      });
    });

    it('accepts the OMalley user with its nulls, meta and empty roles', () => {
      const { resource } = normalizeResource('User', postman.omalley);

      expect(resource).toEqual({
        userName: 'OMalley',
        active: true,
        addresses: [
          omalleyAddresses[0],
          {
            formatted: '18522 Lisa Unions\nEast Gregory, CT 52311',
            type: 'other',
            primary: false,
          },
        ],
        displayName: 'Kimberly Baker',
        emails: [
          { type: 'work', primary: true, value: 'anna33@example.com' },
          { type: 'other', primary: false, value: 'anna33@gmail.com' },
        ],
        name: { formatted: 'Daniel Mcgee', familyName: 'OMalley', givenName: 'Darl' },
        phoneNumbers: [
          { type: 'fax', primary: false, value: '312-320-0500' },
          { type: 'mobile', primary: false, value: '312-320-1707' },
          { type: 'work', primary: true, value: '312-320-0932' },
        ],
        preferredLanguage: 'xh',
        title: 'Site engineer',
        externalId: '22fbc523-6032-4c5f-939d-5d4850cf3e52',
      });
    });

    it('stores active "True" as the boolean true and keeps both work e-mails', () => {
      const { resource } = normalizeResource('User', postman.emp1StringTrue);

      expect(resource.active).toBe(true);
      expect(resource.emails).toEqual([
        { type: 'work', primary: true, value: 'anna33@gmail.com' },
        { type: 'work', primary: false, value: 'anna33@example.com' },
      ]);
    });

    it('refuses a user without userName with invalidValue', () => {
      const act = () => normalizeResource('User', postman.noUserName);

      expect(act).toThrow(InvalidValueError);
      expect(act).toThrow(/userName/);
    });

    it('refuses a PUT whose userName is misspelt', () => {
      expect(() => normalizeResource('User', postman.putMisspeltUserName)).toThrow(/userName/);
    });

    it('ignores a misspelt attribute and the body id of a PUT', () => {
      const { resource } = normalizeResource('User', postman.putMisspeltAddresses);

      expect(resource.addresses).toBeUndefined();
      expect(resource.id).toBeUndefined();
      expect(Object.keys(resource)).not.toContain('adreses');
    });

    it('accepts the enterprise user with a capitalised Department', () => {
      const { resource } = normalizeResource('User', postman.enterpriseGarbage);

      expect(resource[ENTERPRISE_USER_URN]).toEqual({ department: 'some department' });
    });
  });

  describe('Groups', () => {
    it('ignores the Microsoft ADSCIM schema URN and meta of the Entra create-group request', () => {
      const { resource, members } = normalizeResource('Group', entra.createGroup);

      expect(resource).toEqual({
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
      });
      expect(members).toBeUndefined();
    });

    it('returns members apart from the resource, without their display', () => {
      const { resource, members } = normalizeResource('Group', postman.createFilledGroup);

      expect(resource.members).toBeUndefined();
      expect(members).toEqual([{ value: 'user-3' }]);
    });

    it('tells an empty member list from an absent one', () => {
      expect(normalizeResource('Group', postman.createEmptyGroup).members).toEqual([]);
      expect(normalizeResource('Group', { displayName: 'g', members: null }).members).toEqual([]);
      expect(normalizeResource('Group', postman.putGroupNoMembers).members).toBeUndefined();
    });

    it('keeps the GroupTalk description under its URN, bare or qualified', () => {
      expect(
        normalizeResource('Group', { displayName: 'g', description: 'Night shift' }).resource,
      ).toEqual({ displayName: 'g', [GROUPTALK_GROUP_URN]: { description: 'Night shift' } });
      expect(
        normalizeResource('Group', {
          displayName: 'g',
          [`${GROUPTALK_GROUP_URN}:Description`]: 'x',
        }).resource[GROUPTALK_GROUP_URN],
      ).toEqual({ description: 'x' });
    });

    it('refuses a group without displayName', () => {
      expect(() => normalizeResource('Group', { externalId: 'x', displayName: '' })).toThrow(
        /displayName/,
      );
    });

    it('ignores members on a User', () => {
      expect(normalizeResource('User', { userName: 'u', members: [{ value: 'x' }] })).toEqual({
        resource: { userName: 'u' },
      });
    });
  });
});

describe('normalizeMembers', () => {
  it('accepts bare ids, any-case keys and $ref null, each id once', () => {
    expect(
      normalizeMembers([
        'string id 1',
        { Value: 'u2', $ref: null },
        { value: 'u2', displayName: 'new User' },
        { value: 'g1', type: 'group' },
      ]),
    ).toEqual([{ value: 'string id 1' }, { value: 'u2' }, { value: 'g1', type: 'Group' }]);
  });

  it('refuses a member type other than User or Group', () => {
    expect(() => normalizeMembers([{ value: 'x', type: 'Device' }])).toThrow(/members\[0\]\.type/);
  });
});

describe('serializeResource', () => {
  const stored = normalizeResource('User', {
    ...postman.postEnterpriseUser,
    password: 'secret',
    [GROUPTALK_USER_URN]: { label1: 'Dispatch' },
  }).resource;

  it('lists the core URN and the URNs of the extensions that have data', () => {
    const user = serializeResource('User', stored, userMeta);

    expect(user.schemas).toEqual([CORE_USER_URN, ENTERPRISE_USER_URN, GROUPTALK_USER_URN]);
    expect(
      serializeResource('User', { userName: 'plain', [GROUPTALK_USER_URN]: {} }, userMeta).schemas,
    ).toEqual([CORE_USER_URN]);
  });

  it('puts id first, attributes in schema order and meta last', () => {
    const user = serializeResource('User', stored, userMeta);

    expect(Object.keys(user)).toEqual([
      'schemas',
      'id',
      'externalId',
      'userName',
      'name',
      'displayName',
      'active',
      'emails',
      ENTERPRISE_USER_URN,
      GROUPTALK_USER_URN,
      'meta',
    ]);
    expect(user.id).toBe(userMeta.id);
    expect(user.meta).toEqual({
      resourceType: 'User',
      created: userMeta.created,
      lastModified: userMeta.lastModified,
      location: userMeta.location,
      version: userMeta.version,
    });
  });

  it('never returns a password, even one found in storage', () => {
    const user = serializeResource('User', { ...stored, password: 'secret' }, userMeta);

    expect(JSON.stringify(user)).not.toContain('secret');
    expect(user.password).toBeUndefined();
  });

  it('leaves out empty values and unknown stored keys', () => {
    const user = serializeResource(
      'User',
      { userName: 'u', title: '', emails: [], name: { givenName: null }, legacy: 'x' },
      userMeta,
    );

    expect(user).toEqual({
      schemas: [CORE_USER_URN],
      id: userMeta.id,
      userName: 'u',
      meta: expect.any(Object),
    });
  });

  it('returns the members and groups the store adds', () => {
    const group = serializeResource(
      'Group',
      { displayName: 'Admins', members: [{ value: 'u1', display: 'Babs', type: 'User' }] },
      groupMeta,
    );
    const user = serializeResource(
      'User',
      { userName: 'u', groups: [{ value: 'g1', display: 'Admins' }] },
      userMeta,
    );

    expect(group.members).toEqual([{ value: 'u1', display: 'Babs', type: 'User' }]);
    expect(group.schemas).toEqual([CORE_GROUP_URN]);
    expect(user.groups).toEqual([{ value: 'g1', display: 'Admins' }]);
  });

  it('round-trips its own output through normalizeResource, as a PUT of a GET does', () => {
    const user = serializeResource('User', stored, userMeta);

    expect(normalizeResource('User', user).resource).toEqual(stored);
  });
});

describe('projection (attributes and excludedAttributes)', () => {
  const stored: ScimResource = normalizeResource('User', {
    ...postman.postEnterpriseUser,
    [GROUPTALK_USER_URN]: { label1: 'Dispatch' },
  }).resource;
  const project = (attributes?: string, excludedAttributes?: string) =>
    serializeResource('User', stored, userMeta, parseProjection(attributes, excludedAttributes));

  it('returns id, schemas and the named attributes only', () => {
    expect(project('userName,emails')).toEqual({
      schemas: [CORE_USER_URN],
      id: userMeta.id,
      userName: 'UserName222',
      emails: stored.emails,
    });
  });

  it('returns only id when asked for id', () => {
    expect(project('id')).toEqual({ schemas: [CORE_USER_URN], id: userMeta.id });
  });

  it('reads names and URNs in any case', () => {
    expect(
      project('USERNAME,Urn:Ietf:Params:Scim:Schemas:Extension:Enterprise:2.0:User:Department'),
    ).toEqual({
      schemas: [CORE_USER_URN, ENTERPRISE_USER_URN],
      id: userMeta.id,
      userName: 'UserName222',
      [ENTERPRISE_USER_URN]: { department: 'bob' },
    });
  });

  it('treats a value filter as its attribute', () => {
    const user = project('emails[type eq "work"]');

    expect(user.emails).toEqual(stored.emails);
    expect(project('emails[value eq "a,b"].value').emails).toEqual([
      { value: 'testing@bob2.com' },
      { value: 'testinghome@bob3.com' },
    ]);
  });

  it('narrows to sub-attributes', () => {
    expect(project('name.givenName,manager.value')).toEqual({
      schemas: [CORE_USER_URN, ENTERPRISE_USER_URN],
      id: userMeta.id,
      name: { givenName: 'Andrew' },
      [ENTERPRISE_USER_URN]: { manager: { value: 'SuzzyQ' } },
    });
  });

  it('returns a whole extension named by its URN', () => {
    expect(project(GROUPTALK_USER_URN)).toEqual({
      schemas: [CORE_USER_URN, GROUPTALK_USER_URN],
      id: userMeta.id,
      [GROUPTALK_USER_URN]: { label1: 'Dispatch' },
    });
  });

  it('ignores unknown names', () => {
    expect(project('userName,nonsense,urn:example:Foo:bar,emails..value')).toEqual({
      schemas: [CORE_USER_URN],
      id: userMeta.id,
      userName: 'UserName222',
    });
    expect(project(undefined, 'nonsense')).toEqual(project());
  });

  it('removes excluded attributes, sub-attributes and extensions but never id', () => {
    const user = project(undefined, `id,emails.primary,name,${ENTERPRISE_USER_URN},meta`);

    expect(user.id).toBe(userMeta.id);
    expect(user.name).toBeUndefined();
    expect(user.meta).toBeUndefined();
    expect(user[ENTERPRISE_USER_URN]).toBeUndefined();
    expect(user.emails).toEqual([
      { value: 'testing@bob2.com', type: 'work' },
      { value: 'testinghome@bob3.com', type: 'home' },
    ]);
    expect(user.schemas).toEqual([CORE_USER_URN, GROUPTALK_USER_URN]);
  });

  it('applies excludedAttributes to what attributes selected', () => {
    expect(project('userName,emails', 'emails')).toEqual({
      schemas: [CORE_USER_URN],
      id: userMeta.id,
      userName: 'UserName222',
    });
  });

  it('never returns a password, even when asked for it', () => {
    expect(
      serializeResource(
        'User',
        { userName: 'u', password: 'p' },
        userMeta,
        parseProjection('password'),
      ).password,
    ).toBeUndefined();
  });

  it('leaves members out of a group when Entra excludes them', () => {
    const group = serializeResource(
      'Group',
      { displayName: 'Admins', members: [{ value: 'u1' }] },
      groupMeta,
      parseProjection(undefined, 'members'),
    );

    expect(group.members).toBeUndefined();
    expect(group.displayName).toBe('Admins');
  });

  describe('wantsAttribute', () => {
    it('says whether a group response will hold members', () => {
      expect(wantsAttribute('Group', undefined, 'members')).toBe(true);
      expect(wantsAttribute('Group', parseProjection(undefined, 'members'), 'members')).toBe(false);
      expect(wantsAttribute('Group', parseProjection(undefined, 'Members'), 'members')).toBe(false);
      expect(wantsAttribute('Group', parseProjection('id'), 'members')).toBe(false);
      expect(wantsAttribute('Group', parseProjection('members.value'), 'members')).toBe(true);
      expect(
        wantsAttribute('Group', parseProjection(undefined, 'members.display'), 'members'),
      ).toBe(true);
      expect(wantsAttribute('Group', parseProjection(`${CORE_GROUP_URN}:members`), 'members')).toBe(
        true,
      );
    });

    it('says whether a user response will hold groups or the manager', () => {
      expect(wantsAttribute('User', parseProjection('userName'), 'groups')).toBe(false);
      expect(
        wantsAttribute(
          'User',
          parseProjection(undefined, 'manager'),
          `${ENTERPRISE_USER_URN}:manager`,
        ),
      ).toBe(false);
      expect(wantsAttribute('User', parseProjection(ENTERPRISE_USER_URN), 'manager')).toBe(true);
    });
  });
});

describe('listResponse', () => {
  it('builds a ListResponse page', () => {
    const resource = { schemas: [CORE_USER_URN], id: 'u1' };

    expect(listResponse([resource], { totalResults: 5, startIndex: 3 })).toEqual({
      schemas: [LIST_RESPONSE_URN],
      totalResults: 5,
      itemsPerPage: 1,
      startIndex: 3,
      Resources: [resource],
    });
  });

  it('answers an empty page with an empty Resources list', () => {
    expect(listResponse([], { totalResults: 0, startIndex: 1, itemsPerPage: 0 })).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });
});
