/**
 * Bounded work per request (docs/hardening.md): JSON nested past `limits.maxJsonDepth` is
 * refused before parsing, wherever it sits (resource body, PATCH value, Bulk data), and a
 * multi-valued attribute holds at most `limits.maxMultiValues` values on create, PUT and PATCH.
 * The CPU time of the worst requests is measured by `npm run bench` (test/bench/worst-case.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../shared/config.js';
import { contractViolation } from '../fuzz/checks.js';
import { startTestService, type TestResponse, type TestService } from '../support/service.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function send(method: string, path: string, body?: unknown): Promise<TestResponse> {
  const response = await service.request(method, path, body);
  expect(contractViolation(response)).toBeUndefined();
  return response;
}

/** `value` inside `levels` arrays, as JSON text. */
function wrapped(levels: number, value = '"x"'): string {
  return `${'['.repeat(levels)}${value}${']'.repeat(levels)}`;
}

function emails(count: number, prefix = 'mail') {
  return Array.from({ length: count }, (_, index) => ({
    type: 'work',
    value: `${prefix}.${index}@example.com`,
  }));
}

async function createUser(userName: string, extra: Record<string, unknown> = {}) {
  const response = await send('POST', '/Users', { schemas: [USER], userName, ...extra });
  expect(response.status).toBe(201);
  return response.body as { id: string; meta: { version: string } };
}

describe('JSON nesting depth', () => {
  it('refuses a POST /Users whose name is wrapped in 5,000 arrays with 400 invalidSyntax (was 500)', async () => {
    // Prepare
    const body = `{"schemas":["${USER}"],"userName":"deep.name@example.com","name":${wrapped(5_000)}}`;

    // Act
    const response = await send('POST', '/Users', body);
    const found = await send('GET', '/Users?filter=userName eq "deep.name@example.com"');

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidSyntax');
    expect(response.body.detail).toContain(`${limits.maxJsonDepth} levels`);
    expect(found.body.totalResults).toBe(0);
  });

  it(`accepts a body nested exactly ${limits.maxJsonDepth} levels and refuses one level more`, async () => {
    // Prepare: the body object is level 1, the unknown attribute's arrays the rest.
    const body = (levels: number, userName: string) =>
      `{"schemas":["${USER}"],"userName":"${userName}","x-unknown":${wrapped(levels - 1)}}`;

    // Act
    const atLimit = await send('POST', '/Users', body(limits.maxJsonDepth, 'depth.ok@example.com'));
    const overLimit = await send(
      'POST',
      '/Users',
      body(limits.maxJsonDepth + 1, 'depth.no@example.com'),
    );

    // Assess
    expect(atLimit.status).toBe(201);
    expect(overLimit.status).toBe(400);
    expect(overLimit.body.scimType).toBe('invalidSyntax');
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    // Act
    const response = await send('POST', '/Users', {
      schemas: [USER],
      userName: 'brackets@example.com',
      displayName: `${'['.repeat(100)}\\"{`,
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.body.displayName).toBe(`${'['.repeat(100)}\\"{`);
  });

  it('refuses a PATCH whose value is nested 5,000 levels deep with 400 invalidSyntax, changing nothing', async () => {
    // Prepare
    const user = await createUser('deep.patch@example.com');
    const body = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"name","value":${wrapped(5_000, '{"givenName":"x"}')}}]}`;

    // Act
    const response = await send('PATCH', `/Users/${user.id}`, body);
    const read = await send('GET', `/Users/${user.id}`);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidSyntax');
    expect(read.body.meta.version).toBe(user.meta.version);
  });

  it('refuses a Bulk request with an unknown attribute nested 3,000 deep with 400 invalidSyntax, running nothing', async () => {
    // Prepare
    const body = `{"schemas":["${BULK}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"d","data":{"schemas":["${USER}"],"userName":"deep.bulk@example.com","junk":${wrapped(3_000)}}}]}`;

    // Act
    const response = await send('POST', '/Bulk', body);
    const found = await send('GET', '/Users?filter=userName eq "deep.bulk@example.com"');

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidSyntax');
    expect(found.body.totalResults).toBe(0);
  });
});

describe('values per multi-valued attribute', () => {
  it(`creates a user with ${limits.maxMultiValues} e-mails and refuses ${limits.maxMultiValues + 1} with 400 invalidValue naming the attribute`, async () => {
    // Act
    const atLimit = await send('POST', '/Users', {
      schemas: [USER],
      userName: 'many.mails@example.com',
      emails: emails(limits.maxMultiValues),
    });
    const overLimit = await send('POST', '/Users', {
      schemas: [USER],
      userName: 'too.many.mails@example.com',
      emails: emails(limits.maxMultiValues + 1),
    });

    // Assess
    expect(atLimit.status).toBe(201);
    expect(atLimit.body.emails).toHaveLength(limits.maxMultiValues);
    expect(overLimit.status).toBe(400);
    expect(overLimit.body.scimType).toBe('invalidValue');
    expect(overLimit.body.detail).toContain('emails');
    expect(overLimit.body.detail).toContain(String(limits.maxMultiValues));
  });

  it('refuses a PUT with too many phone numbers and an enterprise extension value list past the cap', async () => {
    // Prepare
    const user = await createUser('put.many@example.com');
    const phones = Array.from({ length: limits.maxMultiValues + 1 }, (_, index) => ({
      type: 'work',
      value: `+1 555 ${String(index).padStart(4, '0')}`,
    }));

    // Act
    const put = await send('PUT', `/Users/${user.id}`, {
      schemas: [USER, ENTERPRISE],
      userName: 'put.many@example.com',
      phoneNumbers: phones,
    });
    const read = await send('GET', `/Users/${user.id}`);

    // Assess
    expect(put.status).toBe(400);
    expect(put.body.scimType).toBe('invalidValue');
    expect(put.body.detail).toContain('phoneNumbers');
    expect(read.body.meta.version).toBe(user.meta.version);
  });

  it('refuses one PATCH adding 10,000 e-mails with 400 invalidValue (was 12 s of CPU, then 413), changing nothing', async () => {
    // Prepare
    const user = await createUser('patch.many@example.com');

    // Act
    const response = await send('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'emails', value: emails(10_000) }],
    });
    const read = await send('GET', `/Users/${user.id}`);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toContain('10000');
    expect(read.body.meta.version).toBe(user.meta.version);
  });

  it('adds e-mails up to the cap across operations and refuses the PATCH that would pass it, atomically', async () => {
    // Prepare
    const user = await createUser('patch.cap@example.com', {
      emails: emails(limits.maxMultiValues - 2, 'first'),
    });
    const add = (values: unknown[]) => ({
      schemas: [PATCH_OP],
      Operations: values.map((value) => ({ op: 'add', path: 'emails', value: [value] })),
    });

    // Act
    const toLimit = await send('PATCH', `/Users/${user.id}`, add(emails(2, 'second')));
    const again = await send('PATCH', `/Users/${user.id}`, add(emails(1, 'first')));
    const pastLimit = await send('PATCH', `/Users/${user.id}`, add(emails(1, 'third')));
    const read = await send('GET', `/Users/${user.id}`);

    // Assess: re-adding a held value (in another case) merges it; a new one passes the cap.
    expect(toLimit.status).toBe(204);
    expect(again.status).toBe(204);
    expect(pastLimit.status).toBe(400);
    expect(pastLimit.body.scimType).toBe('invalidValue');
    expect(read.body.emails).toHaveLength(limits.maxMultiValues);
  });

  it('removes listed e-mails by value in any case, leaving the others', async () => {
    // Prepare
    const user = await createUser('remove.listed@example.com', { emails: emails(50) });

    // Act
    const response = await send('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'remove',
          path: 'emails',
          value: emails(25).map((email) => ({ value: email.value.toUpperCase() })),
        },
      ],
    });
    const read = await send('GET', `/Users/${user.id}`);

    // Assess
    expect(response.status).toBe(204);
    expect(read.body.emails.map((email: { value: string }) => email.value)).toEqual(
      emails(50)
        .slice(25)
        .map((email) => email.value),
    );
  });
});
