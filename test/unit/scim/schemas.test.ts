import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../../shared/scim/errors.js';
import {
  allSchemas,
  CORE_GROUP_URN,
  CORE_USER_URN,
  coerceAttributeValue,
  ENTERPRISE_USER_URN,
  findAttribute,
  GROUPTALK_GROUP_URN,
  GROUPTALK_USER_URN,
  groupResourceType,
  groupSchema,
  idAttribute,
  keepSinglePrimary,
  resolveAttribute,
  resourceTypeByName,
  resourceTypes,
  schemaByUrn,
  userResourceType,
  userSchema,
} from '../../../shared/scim/schemas/index.js';
import type { AttributeDefinition } from '../../../shared/scim/schemas/types.js';

function attributeOf(
  attributes: readonly AttributeDefinition[],
  path: string,
): AttributeDefinition {
  const [name, sub] = path.split('.');
  const attribute = findAttribute(attributes, name ?? '');
  const found = sub === undefined ? attribute : findAttribute(attribute?.subAttributes, sub);
  if (found === undefined) throw new Error(`no attribute ${path}`);
  return found;
}

function walk(attributes: readonly AttributeDefinition[]): AttributeDefinition[] {
  return attributes.flatMap((attribute) => [attribute, ...walk(attribute.subAttributes ?? [])]);
}

describe('SCIM schemas', () => {
  describe('core User (RFC 7643 §4.1, §8.7.1)', () => {
    it('is described as "User Account", the text Microsoft\'s /Schemas test looks for', () => {
      expect(userSchema.description).toBe('User Account');
      expect(userSchema.id).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
    });

    it('lists every RFC 7643 User attribute', () => {
      expect(userSchema.attributes.map((attribute) => attribute.name)).toEqual([
        'userName',
        'name',
        'displayName',
        'nickName',
        'profileUrl',
        'title',
        'userType',
        'preferredLanguage',
        'locale',
        'timezone',
        'active',
        'password',
        'emails',
        'phoneNumbers',
        'ims',
        'photos',
        'addresses',
        'groups',
        'entitlements',
        'roles',
        'x509Certificates',
      ]);
    });

    it('makes userName required, server-unique and case-insensitive', () => {
      expect(attributeOf(userSchema.attributes, 'userName')).toMatchObject({
        type: 'string',
        required: true,
        caseExact: false,
        uniqueness: 'server',
        mutability: 'readWrite',
        returned: 'default',
      });
    });

    it('never returns the writeOnly password', () => {
      expect(attributeOf(userSchema.attributes, 'password')).toMatchObject({
        mutability: 'writeOnly',
        returned: 'never',
      });
    });

    it('makes groups and all its sub-attributes readOnly', () => {
      const groups = attributeOf(userSchema.attributes, 'groups');
      expect(groups.mutability).toBe('readOnly');
      expect(groups.subAttributes?.map((sub) => [sub.name, sub.mutability])).toEqual([
        ['value', 'readOnly'],
        ['$ref', 'readOnly'],
        ['display', 'readOnly'],
        ['type', 'readOnly'],
      ]);
    });

    it.each([
      ['emails', ['work', 'home', 'other']],
      ['phoneNumbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other']],
      ['ims', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']],
      ['photos', ['photo', 'thumbnail']],
      ['addresses', ['work', 'home', 'other']],
      ['groups', ['direct', 'indirect']],
    ])('gives %s the RFC canonical type values', (name, values) => {
      expect(attributeOf(userSchema.attributes, `${name}.type`).canonicalValues).toEqual(values);
    });

    it.each([
      [
        'name',
        [
          'formatted',
          'familyName',
          'givenName',
          'middleName',
          'honorificPrefix',
          'honorificSuffix',
        ],
      ],
      ['emails', ['value', 'display', 'type', 'primary']],
      ['phoneNumbers', ['value', 'display', 'type', 'primary']],
      ['ims', ['value', 'display', 'type', 'primary']],
      ['photos', ['value', 'display', 'type', 'primary']],
      [
        'addresses',
        [
          'formatted',
          'streetAddress',
          'locality',
          'region',
          'postalCode',
          'country',
          'type',
          'primary',
        ],
      ],
      ['entitlements', ['value', 'display', 'type', 'primary']],
      ['roles', ['value', 'display', 'type', 'primary']],
      ['x509Certificates', ['value', 'display', 'type', 'primary']],
    ])('gives %s its sub-attributes', (name, subAttributes) => {
      const attribute = attributeOf(userSchema.attributes, name);
      expect(attribute.subAttributes?.map((sub) => sub.name)).toEqual(subAttributes);
    });

    it('types photos.value and profileUrl as external references and certificates as binary', () => {
      expect(attributeOf(userSchema.attributes, 'photos.value')).toMatchObject({
        type: 'reference',
        referenceTypes: ['external'],
      });
      expect(attributeOf(userSchema.attributes, 'profileUrl').type).toBe('reference');
      expect(attributeOf(userSchema.attributes, 'x509Certificates.value').type).toBe('binary');
    });

    it('makes the plural attributes multi-valued and the others single-valued', () => {
      const multiValued = userSchema.attributes.filter((a) => a.multiValued).map((a) => a.name);
      expect(multiValued).toEqual([
        'emails',
        'phoneNumbers',
        'ims',
        'photos',
        'addresses',
        'groups',
        'entitlements',
        'roles',
        'x509Certificates',
      ]);
    });
  });

  describe('enterprise User extension (RFC 7643 §4.3)', () => {
    const enterprise = schemaByUrn(ENTERPRISE_USER_URN);

    it('has the six enterprise attributes', () => {
      expect(enterprise?.attributes.map((attribute) => attribute.name)).toEqual([
        'employeeNumber',
        'costCenter',
        'organization',
        'division',
        'department',
        'manager',
      ]);
    });

    it('makes manager a complex value, $ref, readOnly displayName', () => {
      const manager = attributeOf(enterprise?.attributes ?? [], 'manager');
      expect(manager.multiValued).toBe(false);
      expect(manager.subAttributes?.map((sub) => [sub.name, sub.type, sub.mutability])).toEqual([
        ['value', 'string', 'readWrite'],
        ['$ref', 'reference', 'readWrite'],
        ['displayName', 'string', 'readOnly'],
      ]);
    });
  });

  describe('GroupTalk extensions', () => {
    it('gives a user five string labels', () => {
      const schema = schemaByUrn(GROUPTALK_USER_URN);
      expect(schema?.attributes.map((a) => [a.name, a.type, a.mutability])).toEqual([
        ['label1', 'string', 'readWrite'],
        ['label2', 'string', 'readWrite'],
        ['label3', 'string', 'readWrite'],
        ['label4', 'string', 'readWrite'],
        ['label5', 'string', 'readWrite'],
      ]);
    });

    it('gives a group a string description', () => {
      const schema = schemaByUrn(GROUPTALK_GROUP_URN);
      expect(schema?.attributes.map((a) => [a.name, a.type])).toEqual([['description', 'string']]);
    });
  });

  describe('core Group (RFC 7643 §4.2)', () => {
    it('requires displayName', () => {
      expect(attributeOf(groupSchema.attributes, 'displayName').required).toBe(true);
    });

    it('makes members multi-valued with immutable value and $ref, readOnly display, typed User only (what the service accepts)', () => {
      const members = attributeOf(groupSchema.attributes, 'members');
      expect(members.multiValued).toBe(true);
      expect(members.subAttributes?.map((sub) => [sub.name, sub.mutability])).toEqual([
        ['value', 'immutable'],
        ['$ref', 'immutable'],
        ['display', 'readOnly'],
        ['type', 'immutable'],
      ]);
      expect(attributeOf(groupSchema.attributes, 'members.type').canonicalValues).toEqual(['User']);
      expect(attributeOf(groupSchema.attributes, 'members.$ref').referenceTypes).toEqual(['User']);
    });
  });

  describe('common attributes (RFC 7643 §3.1)', () => {
    it('always returns id, case-exact and readOnly', () => {
      expect(idAttribute).toMatchObject({
        caseExact: true,
        mutability: 'readOnly',
        returned: 'always',
      });
    });

    it('keeps externalId case-exact and client-writable', () => {
      expect(resolveAttribute('User', { attribute: 'externalId' })?.attribute).toMatchObject({
        caseExact: true,
        mutability: 'readWrite',
      });
    });

    it('makes meta readOnly with resourceType, created, lastModified, location and version', () => {
      const meta = resolveAttribute('Group', { attribute: 'meta' })?.attribute;
      expect(meta?.mutability).toBe('readOnly');
      expect(meta?.subAttributes?.map((sub) => [sub.name, sub.type])).toEqual([
        ['resourceType', 'string'],
        ['created', 'dateTime'],
        ['lastModified', 'dateTime'],
        ['location', 'reference'],
        ['version', 'string'],
      ]);
    });
  });

  describe('resource types', () => {
    it('serves Users with the optional enterprise and GroupTalk extensions', () => {
      expect(userResourceType).toMatchObject({ name: 'User', endpoint: '/Users' });
      expect(userResourceType.extensions.map((e) => [e.schema.id, e.required])).toEqual([
        [ENTERPRISE_USER_URN, false],
        [GROUPTALK_USER_URN, false],
      ]);
    });

    it('serves Groups with the optional GroupTalk group extension', () => {
      expect(groupResourceType).toMatchObject({ name: 'Group', endpoint: '/Groups' });
      expect(groupResourceType.schema.id).toBe(CORE_GROUP_URN);
      expect(groupResourceType.extensions.map((e) => [e.schema.id, e.required])).toEqual([
        [GROUPTALK_GROUP_URN, false],
      ]);
    });

    it("lists /Users first, as Microsoft's ResourceTypes test expects", () => {
      expect(resourceTypes[0]?.endpoint).toBe('/Users');
    });

    it('finds a resource type by name in any case', () => {
      expect(resourceTypeByName('group')).toBe(groupResourceType);
      expect(resourceTypeByName('Device')).toBeUndefined();
    });

    it('publishes every schema once, each with a description and no undefined characteristic', () => {
      expect(allSchemas.map((schema) => schema.id)).toEqual([
        CORE_USER_URN,
        CORE_GROUP_URN,
        ENTERPRISE_USER_URN,
        GROUPTALK_USER_URN,
        GROUPTALK_GROUP_URN,
      ]);
      for (const attribute of allSchemas.flatMap((schema) => walk(schema.attributes))) {
        expect(attribute.description, attribute.name).not.toBe('');
        expect(Object.values(attribute), attribute.name).not.toContain(undefined);
      }
    });
  });
});

describe('resolveAttribute', () => {
  it('resolves core attributes in any case to their canonical location', () => {
    const resolved = resolveAttribute('User', { attribute: 'NAME', subAttribute: 'givenname' });
    expect(resolved?.location).toEqual(['name', 'givenName']);
    expect(resolved?.schema.id).toBe(CORE_USER_URN);
    expect(resolved?.definition.name).toBe('givenName');
    expect(resolved?.subAttribute?.name).toBe('givenName');
  });

  it('resolves sub-attributes of multi-valued attributes', () => {
    expect(
      resolveAttribute('User', { attribute: 'emails', subAttribute: 'Value' })?.location,
    ).toEqual(['emails', 'value']);
  });

  it('resolves common attributes with or without the core URN', () => {
    expect(resolveAttribute('User', { attribute: 'meta', subAttribute: 'Created' })).toMatchObject({
      common: true,
      location: ['meta', 'created'],
    });
    expect(
      resolveAttribute('Group', {
        schema: 'urn:ietf:params:scim:schemas:core:2.0:group',
        attribute: 'ID',
      })?.location,
    ).toEqual(['id']);
  });

  it('finds bare extension attributes after the core ones', () => {
    expect(resolveAttribute('User', { attribute: 'manager', subAttribute: 'value' })).toMatchObject(
      {
        extension: true,
        location: [ENTERPRISE_USER_URN, 'manager', 'value'],
      },
    );
    expect(resolveAttribute('User', { attribute: 'costCenter' })?.location).toEqual([
      ENTERPRISE_USER_URN,
      'costCenter',
    ]);
    expect(resolveAttribute('User', { attribute: 'label3' })?.location).toEqual([
      GROUPTALK_USER_URN,
      'label3',
    ]);
    expect(resolveAttribute('Group', { attribute: 'description' })?.location).toEqual([
      GROUPTALK_GROUP_URN,
      'description',
    ]);
  });

  it('prefers the core attribute when an extension has the same name', () => {
    expect(resolveAttribute('User', { attribute: 'displayName' })?.location).toEqual([
      'displayName',
    ]);
  });

  it('matches a URN-qualified extension attribute case-insensitively', () => {
    expect(
      resolveAttribute('User', {
        schema: 'URN:IETF:params:scim:schemas:extension:enterprise:2.0:user',
        attribute: 'Department',
      })?.location,
    ).toEqual([ENTERPRISE_USER_URN, 'department']);
  });

  it('answers undefined for unknown names, foreign URNs and impossible sub-attributes', () => {
    expect(resolveAttribute('User', { attribute: 'adreses' })).toBeUndefined();
    expect(resolveAttribute('User', { attribute: 'members' })).toBeUndefined();
    expect(resolveAttribute('Group', { attribute: 'manager' })).toBeUndefined();
    expect(
      resolveAttribute('User', { schema: CORE_GROUP_URN, attribute: 'displayName' }),
    ).toBeUndefined();
    expect(
      resolveAttribute('User', { schema: ENTERPRISE_USER_URN, attribute: 'userName' }),
    ).toBeUndefined();
    expect(
      resolveAttribute('User', { attribute: 'userName', subAttribute: 'value' }),
    ).toBeUndefined();
    expect(
      resolveAttribute('User', { attribute: 'name', subAttribute: 'nickName' }),
    ).toBeUndefined();
  });
});

describe('coerceAttributeValue', () => {
  const user = (path: string) => attributeOf(userSchema.attributes, path);
  const manager = attributeOf(schemaByUrn(ENTERPRISE_USER_URN)?.attributes ?? [], 'manager');

  it.each([
    [true, true],
    ['True', true],
    ['FALSE', false],
    ['false', false],
  ])('reads the boolean %j as %j', (input, expected) => {
    expect(coerceAttributeValue(user('active'), input, 'active')).toBe(expected);
  });

  it.each([['yes'], [1], [{}]])('refuses %j for a boolean, naming the attribute', (input) => {
    expect(() => coerceAttributeValue(user('active'), input, 'active')).toThrow(InvalidValueError);
    expect(() => coerceAttributeValue(user('active'), input, 'active')).toThrow(/active/);
  });

  it('refuses a non-string for a string attribute', () => {
    expect(() => coerceAttributeValue(user('userName'), 42, 'userName')).toThrow(
      /userName must be a string/,
    );
  });

  it('treats null and the empty string as unassigned', () => {
    expect(coerceAttributeValue(user('displayName'), null, 'displayName')).toBeUndefined();
    expect(coerceAttributeValue(user('displayName'), '', 'displayName')).toBeUndefined();
    expect(coerceAttributeValue(user('emails'), [], 'emails')).toBeUndefined();
  });

  it('keeps strings exactly as sent', () => {
    expect(coerceAttributeValue(user('displayName'), ' Babs  ', 'displayName')).toBe(' Babs  ');
  });

  it('rewrites sub-attribute names to canonical case and drops unknown ones', () => {
    expect(
      coerceAttributeValue(
        user('name'),
        { GivenName: 'Barbara', FAMILYNAME: 'Jensen', nick: 'x' },
        'name',
      ),
    ).toEqual({ givenName: 'Barbara', familyName: 'Jensen' });
  });

  it('wraps a single element given for a multi-valued attribute', () => {
    expect(coerceAttributeValue(user('emails'), { value: 'a@example.com' }, 'emails')).toEqual([
      { value: 'a@example.com' },
    ]);
  });

  it('keeps only the first primary element', () => {
    expect(
      coerceAttributeValue(
        user('phoneNumbers'),
        [
          { value: '1', primary: 'True' },
          { value: '2', primary: true },
        ],
        'phoneNumbers',
      ),
    ).toEqual([{ value: '1', primary: true }, { value: '2' }]);
  });

  it('keeps elements that repeat a type', () => {
    const emails = [
      { type: 'work', value: 'a@example.com' },
      { type: 'work', value: 'b@example.com' },
    ];
    expect(coerceAttributeValue(user('emails'), emails, 'emails')).toEqual(emails);
  });

  it('drops elements that have no value', () => {
    expect(
      coerceAttributeValue(
        user('emails'),
        [{ type: 'work' }, { value: 'a@example.com' }],
        'emails',
      ),
    ).toEqual([{ value: 'a@example.com' }]);
  });

  it('names the element and sub-attribute of a wrong value', () => {
    expect(() =>
      coerceAttributeValue(
        user('emails'),
        [{ value: 'a' }, { value: 'b', primary: 'maybe' }],
        'emails',
      ),
    ).toThrow(/emails\[1\]\.primary/);
  });

  it('takes a bare id as the manager value', () => {
    expect(coerceAttributeValue(manager, '26118915', 'manager')).toEqual({ value: '26118915' });
  });

  it('takes the legacy one-element manager array', () => {
    expect(
      coerceAttributeValue(manager, [{ $ref: '../Users/26118915', value: '26118915' }], 'manager'),
    ).toEqual({ $ref: '../Users/26118915', value: '26118915' });
  });

  it('reads an empty manager value as no manager', () => {
    expect(coerceAttributeValue(manager, { value: '' }, 'manager')).toBeUndefined();
    expect(coerceAttributeValue(manager, '', 'manager')).toBeUndefined();
  });

  it("ignores the manager's readOnly displayName", () => {
    expect(coerceAttributeValue(manager, { Value: 'm1', displayName: 'Boss' }, 'manager')).toEqual({
      value: 'm1',
    });
  });

  it('coerces one element when given a single-valued copy of the definition', () => {
    expect(
      coerceAttributeValue(
        { ...user('emails'), multiValued: false },
        { Value: 'a@b', Type: 'work' },
        'emails',
      ),
    ).toEqual({ value: 'a@b', type: 'work' });
  });

  it('validates dateTime values as xsd:dateTime', () => {
    const created = attributeOf(
      resolveAttribute('User', { attribute: 'meta' })?.attribute.subAttributes ?? [],
      'created',
    );
    expect(coerceAttributeValue(created, '2015-10-10T14:38:21.8617979-07:00', 'meta.created')).toBe(
      '2015-10-10T14:38:21.8617979-07:00',
    );
    expect(coerceAttributeValue(created, '2024-02-29T00:00:00Z', 'meta.created')).toBe(
      '2024-02-29T00:00:00Z',
    );
    for (const wrong of ['2023-02-29T00:00:00Z', '2015-10-10', 'yesterday', 20151010]) {
      expect(() => coerceAttributeValue(created, wrong, 'meta.created')).toThrow(/xsd:dateTime/);
    }
  });

  it('accepts base64 certificates, line breaks included, and refuses other text', () => {
    const certificate = user('x509Certificates.value');
    expect(coerceAttributeValue(certificate, 'MIIDQzCC\nAiugAwIBAgIQ==', 'x')).toBe(
      'MIIDQzCC\nAiugAwIBAgIQ==',
    );
    expect(() => coerceAttributeValue(certificate, 'not base64!', 'x')).toThrow(/base64/);
  });

  it('coerces integers and decimals from numbers and numeric strings', () => {
    const integer: AttributeDefinition = { ...user('displayName'), type: 'integer' };
    const decimal: AttributeDefinition = { ...user('displayName'), type: 'decimal' };
    expect(coerceAttributeValue(integer, '42', 'n')).toBe(42);
    expect(coerceAttributeValue(decimal, '4.5', 'd')).toBe(4.5);
    expect(() => coerceAttributeValue(integer, 4.5, 'n')).toThrow(/integer/);
    expect(() => coerceAttributeValue(decimal, 'four', 'd')).toThrow(/decimal/);
  });
});

describe('keepSinglePrimary', () => {
  it('leaves primary on the first element that has it', () => {
    expect(
      keepSinglePrimary([
        { value: 'a' },
        { value: 'b', primary: true },
        { value: 'c', primary: true },
      ]),
    ).toEqual([{ value: 'a' }, { value: 'b', primary: true }, { value: 'c' }]);
  });
});
