import { describe, expect, it } from 'vitest';
import { parseAdminRole } from '../../../shared/admin/config.js';
import { isLoopback, refusalOf, type SignedInUser } from '../../../shared/admin/oidc.js';

const DIRECTORY = '5f0a8c36-0000-4000-8000-000000000001';
const APPLICATION_ADMINISTRATOR = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3';
const user = (overrides: Partial<SignedInUser>): SignedInUser => ({
  userId: 'oid',
  name: 'Ada',
  username: 'ada@contoso.test',
  directoryId: DIRECTORY,
  roles: [],
  directoryRoles: [],
  ...overrides,
});

describe('who may use the integration page', () => {
  it('admits a user of the directory holding the configured app role', () => {
    const role = parseAdminRole('appRole:GroupTalk.Admin');
    expect(refusalOf(user({ roles: ['GroupTalk.Admin'] }), DIRECTORY, role)).toBeUndefined();
    expect(refusalOf(user({ roles: ['Reader'] }), DIRECTORY, role)).toBe('missingRole');
    // A directory role of the same name does not count for an app role.
    expect(refusalOf(user({ directoryRoles: ['GroupTalk.Admin'] }), DIRECTORY, role)).toBe(
      'missingRole',
    );
  });

  it('admits a directory role by its template id from the wids claim', () => {
    const role = parseAdminRole(`directoryRole:${APPLICATION_ADMINISTRATOR}`);
    expect(
      refusalOf(
        user({ directoryRoles: [APPLICATION_ADMINISTRATOR.toUpperCase()] }),
        DIRECTORY,
        role,
      ),
    ).toBeUndefined();
    expect(refusalOf(user({ roles: [APPLICATION_ADMINISTRATOR] }), DIRECTORY, role)).toBe(
      'missingRole',
    );
  });

  it('refuses a user of another directory even with the role', () => {
    const role = parseAdminRole('appRole:GroupTalk.Admin');
    expect(
      refusalOf(user({ directoryId: 'other', roles: ['GroupTalk.Admin'] }), DIRECTORY, role),
    ).toBe('otherDirectory');
  });

  it('refuses a role setting it cannot read', () => {
    expect(() => parseAdminRole('GroupTalk.Admin')).toThrow(/ADMIN_ROLE/);
    expect(() => parseAdminRole('groupRole:x')).toThrow(/ADMIN_ROLE/);
    expect(() => parseAdminRole('appRole:')).toThrow(/ADMIN_ROLE/);
  });

  it('allows plain http only for loopback hosts', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('127.0.0.1.example.com')).toBe(false);
    expect(isLoopback('scim.grouptalk.com')).toBe(false);
  });
});
