/**
 * Names are identifiers (docs/hardening.md, "Names are identifiers"): userName and Group displayName compare
 * through one profile (width, case, normalisation), refuse what no identity provider sends, and
 * names stored before the profile keep working and move to its keys with `npm run migrate-names`.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { migrateNames } from '../../shared/store/migrate-names.js';
import { resourceItem } from '../../shared/store/resources.js';
import { tableDesign } from '../../shared/store/table-design.js';
import { startTestService, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Look-alikes of a name that the profile refuses, with the words the 400 must contain. */
const refusedVariants = (name: string) =>
  [
    [`leading space`, ` ${name}`, 'white space'],
    [`trailing space`, `${name} `, 'white space'],
    [`zero-width space`, `${name.slice(0, 3)}\u200b${name.slice(3)}`, 'U+200B'],
    [`NUL character`, `${name}\u0000`, 'control character, U+0000'],
    [`soft hyphen`, `${name.slice(0, 2)}\u00ad${name.slice(2)}`, 'U+00AD'],
    [`lone surrogate`, `${name}\ud800`, 'lone surrogate'],
    [`right-to-left override`, `\u202e${name}`, 'U+202E'],
  ] as const;

/** `name` with its ASCII letters in full width (U+FF21…). */
function fullWidth(name: string): string {
  return name.replace(/[A-Za-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
}

describe('POST /Users and POST /Groups with look-alike names', () => {
  it.each(refusedVariants('look.alike@example.com'))(
    'refuses a userName with a %s with 400 invalidValue naming the problem, creating no second user',
    async (_, userName, words) => {
      // Prepare
      await service.request('POST', '/Users', {
        schemas: [USER],
        userName: 'look.alike@example.com',
      });

      // Act
      const response = await service.request('POST', '/Users', { schemas: [USER], userName });
      const found = await service.request('GET', '/Users?filter=userName co "look.alike"');

      // Assess
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(response.body.detail).toContain('userName');
      expect(response.body.detail).toContain(words);
      expect(response.body.detail).not.toContain('look.alike');
      expect(found.body.totalResults).toBe(1);
    },
  );

  it.each(refusedVariants('Dispatch North'))(
    'refuses a group displayName with a %s with 400 invalidValue',
    async (_, displayName, words) => {
      // Act
      const response = await service.request('POST', '/Groups', { displayName });

      // Assess
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(response.body.detail).toContain('displayName');
      expect(response.body.detail).toContain(words);
    },
  );

  it('treats a full-width userName as the same name: 409 uniqueness, and a filter with it finds the user', async () => {
    // Prepare
    const first = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'Wide.Name@example.com',
    });

    // Act
    const second = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: fullWidth('wide.name@example.com'),
    });
    const found = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${fullWidth('WIDE.NAME')}@example.com"`)}`,
    );

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.body.scimType).toBe('uniqueness');
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(first.body.id);
  });

  it('treats a group displayName with a no-break space or full-width letters as the same name (409)', async () => {
    // Prepare
    await service.request('POST', '/Groups', { displayName: 'Night Shift' });

    // Act
    const noBreak = await service.request('POST', '/Groups', { displayName: 'Night\u00a0Shift' });
    const wide = await service.request('POST', '/Groups', {
      displayName: fullWidth('NIGHT SHIFT'),
    });

    // Assess
    expect(noBreak.status).toBe(409);
    expect(wide.status).toBe(409);
  });

  it('keeps names with letters of any script, inner spaces and emoji, stored as sent', async () => {
    // Act
    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'Zoë Ångström 李 😀@example.com',
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.body.userName).toBe('Zoë Ångström 李 😀@example.com');
  });
});

describe('PUT and PATCH with look-alike names', () => {
  it('refuses a PUT and a PATCH that would set a userName with a zero-width space, changing nothing', async () => {
    // Prepare
    const created = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'put.patch@example.com',
    });
    const id = created.body.id;

    // Act
    const put = await service.request('PUT', `/Users/${id}`, {
      schemas: [USER],
      userName: 'put.patch\u200b@example.com',
    });
    const patch = await service.request('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'userName', value: 'put.patch@example.com\u2028' }],
    });
    const read = await service.request('GET', `/Users/${id}`);

    // Assess
    expect(put.status).toBe(400);
    expect(put.body.scimType).toBe('invalidValue');
    expect(patch.status).toBe(400);
    expect(patch.body.detail).toContain('U+2028');
    expect(read.body.meta.version).toBe(created.body.meta.version);
  });
});

describe('names stored before the identifier profile', () => {
  /** Writes a user the way the service stored it before the profile: NFC-lower-case keys. */
  async function seedLegacyUser(id: string, userName: string): Promise<void> {
    const record = {
      type: 'User' as const,
      id,
      version: 1,
      created: '2026-01-01T00:00:00.000Z',
      lastModified: '2026-01-01T00:00:00.000Z',
      data: { userName },
    };
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...resourceItem(record),
          [tableDesign.indexes.byType.sortKey]: keys.legacy.typeSort(userName, id),
        },
      }),
    );
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.legacy.uniqueName('User', userName), id, name: userName },
      }),
    );
  }

  it('lets a PATCH change other attributes of a user whose stored name the profile refuses', async () => {
    // Prepare
    await seedLegacyUser('legacy-trailing', 'legacy.trailing@example.com ');

    // Act
    const patch = await service.request('PATCH', '/Users/legacy-trailing', {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Legacy Trailing' }],
    });
    const read = await service.request('GET', '/Users/legacy-trailing');

    // Assess
    expect(patch.status).toBe(204);
    expect(read.body.userName).toBe('legacy.trailing@example.com ');
    expect(read.body.displayName).toBe('Legacy Trailing');
  });

  it('moves guards of names that fold differently with migrateNames: afterwards a look-alike is refused with 409, and a second run moves nothing', async () => {
    // Prepare: a full-width name, guarded under its old (lower-case full-width) key.
    await seedLegacyUser('legacy-wide', fullWidth('Legacy.Wide@example.com'));
    await seedLegacyUser('legacy-wide-twin-a', fullWidth('twin@example.com'));
    await seedLegacyUser('legacy-wide-twin-b', 'TWIN@example.com'.replace('T', fullWidth('T')));

    // Act
    const first = await migrateNames();
    const lookAlike = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'legacy.wide@example.com',
    });
    const found = await service.request(
      'GET',
      '/Users?filter=userName eq "LEGACY.WIDE@example.com"',
    );
    const second = await migrateNames();

    // Assess
    expect(first.migrated).toBeGreaterThanOrEqual(2);
    expect(first.conflicts).toHaveLength(1);
    expect(first.conflicts[0]?.heldBy).toMatch(/^legacy-wide-twin-[ab]$/);
    expect(first.refused.map((entry) => entry.id)).toContain('legacy-trailing');
    expect(lookAlike.status).toBe(409);
    expect(lookAlike.body.detail).toContain('legacy-wide');
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe('legacy-wide');
    expect(second.migrated).toBe(0);
    expect(second.conflicts).toHaveLength(1);
  });
});

describe('name order', () => {
  it('keeps a surrogate pair whole at the end of the sort key prefix', () => {
    // Prepare: the emoji straddles code point 200 of the folded name.
    const name = `${'a'.repeat(199)}😀tail`;

    // Act
    const sortKey = keys.typeSort(name, 'id-1');

    // Assess
    expect(sortKey).toBe(`${'a'.repeat(199)}😀\u0001id-1`);
  });
});
