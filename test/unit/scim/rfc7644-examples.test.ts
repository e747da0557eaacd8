/**
 * The examples of RFC 7644 as cases: every filter of §3.4.2.2 and every PATCH request of §3.5.2,
 * applied to the example resources of RFC 7643 §8.
 */
import { describe, expect, it } from 'vitest';
import { attributeResolver, compileFilter } from '../../../shared/scim/filter/evaluate.js';
import { parseFilter } from '../../../shared/scim/filter/parser.js';
import { applyPatch, PATCH_OP_URN } from '../../../shared/scim/patch.js';
import type { ScimResource } from '../../../shared/scim/schemas/types.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** RFC 7643 §8.3's enterprise user (Babs Jensen), as a filter sees it: stored attributes, id, meta, schemas. */
const babs: ScimResource = {
  schemas: [USER, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: {
    formatted: 'Ms. Barbara J Jensen, III',
    familyName: 'Jensen',
    givenName: 'Barbara',
    middleName: 'Jane',
    honorificPrefix: 'Ms.',
    honorificSuffix: 'III',
  },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  profileUrl: 'https://login.example.com/bjensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    {
      streetAddress: '100 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'USA',
      formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA',
      type: 'work',
      primary: true,
    },
  ],
  phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  userType: 'Employee',
  title: 'Tour Guide',
  preferredLanguage: 'en-US',
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  active: true,
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    organization: 'Universal Studios',
    division: 'Theme Park',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
  },
};

/** RFC 7643 §8.1's minimal user: no title, no enterprise extension. */
const minimal: ScimResource = {
  schemas: [USER],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'Bjensen',
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
  },
};

const matches = (filter: string, resource: ScimResource) =>
  compileFilter(parseFilter(filter), attributeResolver('User'))(resource);

describe('RFC 7644 §3.4.2.2 filter examples', () => {
  it.each([
    ['userName eq "bjensen"', false, true],
    ['userName eq "bjensen@example.com"', true, false],
    ['name.familyName co "O\'Malley"', false, false],
    ['name.familyName co "ens"', true, false],
    ['userName sw "J"', false, false],
    ['userName sw "B"', true, true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', false, false],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b"', true, true],
    ['title pr', true, false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false, false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true, true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false, false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true, true],
    ['title pr and userType eq "Employee"', true, false],
    ['title pr or userType eq "Intern"', true, false],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true, false],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      true,
      false,
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      false,
      true,
    ],
    ['userType eq "Employee" and (emails.type eq "work")', true, false],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true, false],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      true,
      false,
    ],
  ])('%s: %s for §8.3 Babs Jensen, %s for the §8.1 minimal user', (filter, full, bare) => {
    expect(matches(filter, babs)).toBe(full);
    expect(matches(filter, minimal)).toBe(bare);
  });
});

const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP_URN], Operations: operations });
const stored = (resource: ScimResource): ScimResource => {
  const { schemas: _schemas, id: _id, meta: _meta, ...rest } = resource;
  return rest;
};

describe('RFC 7644 §3.5.2 PATCH examples', () => {
  it('§3.5.2.1 adds a member to a group', () => {
    const result = applyPatch(
      { displayName: 'Tour Guides' },
      patch({
        op: 'add',
        path: 'members',
        value: [
          {
            display: 'Babs Jensen',
            $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
            value: '2819c223-7f76-453a-919d-413861904646',
          },
        ],
      }),
      'Group',
    );

    expect(result.members).toEqual([
      { op: 'add', members: [{ value: '2819c223-7f76-453a-919d-413861904646' }] },
    ]);
  });

  it('§3.5.2.1 adds attributes with no path', () => {
    const { resource } = applyPatch(
      stored(babs),
      patch({
        op: 'add',
        value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' },
      }),
      'User',
    );

    expect(resource.nickName).toBe('Babs');
    expect(resource.emails).toEqual(babs.emails);
  });

  it('§3.5.2.2 removes one member, all members, and one member then adds another', () => {
    const one = applyPatch(
      { displayName: 'Tour Guides' },
      patch({ op: 'remove', path: 'members[value eq "2819c223-7f76-...413861904646"]' }),
      'Group',
    );
    const all = applyPatch(
      { displayName: 'Tour Guides' },
      patch({ op: 'remove', path: 'members' }),
      'Group',
    );
    const swap = applyPatch(
      { displayName: 'Tour Guides' },
      patch(
        { op: 'remove', path: 'members[value eq "2819c223...919d-413861904646"]' },
        {
          op: 'add',
          path: 'members',
          value: [
            {
              display: 'James Smith',
              $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210',
              value: '08e1d05d...473d93df9210',
            },
          ],
        },
      ),
      'Group',
    );

    expect(one.members).toEqual([
      { op: 'remove', members: [{ value: '2819c223-7f76-...413861904646' }] },
    ]);
    expect(all.members).toEqual([{ op: 'removeAll' }]);
    expect(swap.members).toEqual([
      { op: 'remove', members: [{ value: '2819c223...919d-413861904646' }] },
      { op: 'add', members: [{ value: '08e1d05d...473d93df9210' }] },
    ]);
  });

  it('§3.5.2.2 removes the work e-mails at example.com and an extension attribute', () => {
    const { resource } = applyPatch(
      stored(babs),
      patch(
        { op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' },
        {
          op: 'remove',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
        },
      ),
      'User',
    );

    expect(resource.emails).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
    expect((resource[ENTERPRISE] as ScimResource).employeeNumber).toBeUndefined();
  });

  it('§3.5.2.3 replaces all members', () => {
    const result = applyPatch(
      { displayName: 'Tour Guides' },
      patch({
        op: 'replace',
        path: 'members',
        value: [
          {
            display: 'Babs Jensen',
            $ref: 'https://example.com/v2/Users/2819c223...413861904646',
            value: '2819c223...413861904646',
          },
          {
            display: 'James Smith',
            $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210',
            value: '08e1d05d...473d93df9210',
          },
        ],
      }),
      'Group',
    );

    expect(result.members).toEqual([
      {
        op: 'replace',
        members: [{ value: '2819c223...413861904646' }, { value: '08e1d05d...473d93df9210' }],
      },
    ]);
  });

  it('§3.5.2.3 replaces the work address, then its street alone', () => {
    const address = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const replaced = applyPatch(
      stored(babs),
      patch({ op: 'replace', path: 'addresses[type eq "work"]', value: address }),
      'User',
    ).resource;
    const street = applyPatch(
      replaced,
      patch({
        op: 'replace',
        path: 'addresses[type eq "work"].streetAddress',
        value: '1010 Broadway Ave',
      }),
      'User',
    ).resource;

    expect(replaced.addresses).toEqual([address]);
    expect(street.addresses).toEqual([{ ...address, streetAddress: '1010 Broadway Ave' }]);
  });

  it('§3.5.2.3 replaces e-mails and nickname with no path', () => {
    const { resource } = applyPatch(
      stored(babs),
      patch({
        op: 'replace',
        value: {
          emails: [
            { value: 'bjensen@example.com', type: 'work', primary: true },
            { value: 'babs@jensen.org', type: 'home' },
          ],
          nickname: 'Babs',
        },
      }),
      'User',
    );

    expect(resource.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(resource.nickName).toBe('Babs');
  });
});
