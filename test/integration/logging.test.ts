/**
 * The one log line per request, read from what the handlers really write to stdout and stderr:
 * the fields an operator troubleshoots with are there, tokens and payloads are not, and the saved
 * Logs Insights queries name fields the service writes. The metrics (EMF) are checked here once.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkServerErrorsFilter } from '../../infra/constructs/monitoring.js';
import { logQueries } from '../../infra/log-queries.js';
import { generateSigningKey, issueToken } from '../../infra/tokens.js';
import { limits, TOKEN_ISSUER, tokenAudience } from '../../shared/config.js';
import { type Route, routes } from '../../shared/routes.js';
import { documentClient } from '../../shared/store/client.js';
import { TEST_TENANT } from '../support/environment.js';
import { filterField, filterPatternMatches } from '../support/filter-pattern.js';
import { issueTestToken, startTestService, type TestService } from '../support/service.js';

// Before the first request imports a handler: the logger and the metrics read these then.
process.env.LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** A route whose handler fails with a plain Error (a bug), next to the service's own routes. */
const FAILING_ROUTE: Route = {
  method: 'POST',
  path: '/Fixtures/failing',
  operation: 'failingFixture',
  entry: 'test/support/failing-scim-handler.ts',
  table: 'none',
};
/** What that handler's Error says: never for a response body. */
const INTERNAL_MESSAGE = 'connection string Password=Intern4l-Db-S3cret-9c2e';
/** Values that must never reach a log: a password, a name, an e-mail address, a phone number. */
const SECRET = 'Sup3r-S3cret-Passw0rd-4f1d';
const PAYLOAD_MARKERS = [
  SECRET,
  'Zebulon-Payload-Marker',
  'zeb.private@home.example',
  '+1 555 0100 777',
];

type LogLine = Record<string, unknown>;

/** What the process wrote during the current test, and during the whole file. */
let captured: string[] = [];
const everything: string[] = [];
const originalWrites = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
/** Keeps what is written instead of printing it (the lines would drown the test report). */
function capture() {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    captured.push(text);
    everything.push(text);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

function jsonLines(): LogLine[] {
  return captured
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function requestLines(): LogLine[] {
  return jsonLines().filter(
    (line) => line.message === 'request' || line.message === 'request failed',
  );
}

function emfLines(): LogLine[] {
  return jsonLines().filter((line) => line._aws !== undefined);
}

/** The request line of the one request sent since the last reset. */
function onlyRequestLine(): LogLine {
  const lines = requestLines();
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

let service: TestService;
const seenFields = new Set<string>();

beforeAll(async () => {
  process.stdout.write = capture();
  process.stderr.write = capture();
  service = await startTestService({ routes: [...routes, FAILING_ROUTE] });
});
beforeEach(() => {
  for (const line of requestLines()) for (const field of Object.keys(line)) seenFields.add(field);
  captured = [];
});
afterAll(async () => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
  await service?.close();
});

describe('request log line', () => {
  let created: { id: string };

  it('logs a created user with its ids, outcome, timing, DynamoDB work and both request ids', async () => {
    // Act
    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'log.alice@example.com',
      externalId: 'ext-log-alice',
      password: SECRET,
      name: { givenName: 'Zebulon-Payload-Marker', familyName: 'Alice' },
      emails: [{ type: 'home', value: 'zeb.private@home.example' }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100 777' }],
    });

    // Assess
    expect(response.status).toBe(201);
    created = response.body;
    const line = onlyRequestLine();
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'grouptalk-scim',
      tenant: TEST_TENANT,
      operation: 'createUser',
      method: 'POST',
      route: 'POST /scim/v2/Users',
      path: '/scim/v2/Users',
      status: 201,
      resourceType: 'User',
      resourceId: created.id,
      externalId: 'ext-log-alice',
      userName: 'log.alice@example.com',
      callerKind: 'service-token',
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.dynamodbCalls).toBeGreaterThan(0);
    expect(line.dynamodbCapacityUnits).toEqual(expect.any(Number));
    expect(line.dynamodbMs).toEqual(expect.any(Number));
    // API Gateway's request id and Lambda's awsRequestId (from the Powertools context).
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.function_request_id).not.toBe(line.requestId);
    expect(line.cold_start).toEqual(expect.any(Boolean));
    expect(line.callerTokenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.scimType).toBeUndefined();
    expect(line.errorDetail).toBeUndefined();
  });

  it('logs a uniqueness conflict with its status, scimType and detail', async () => {
    // Act
    const response = await service.request('POST', '/Users', {
      schemas: [USER],
      userName: 'LOG.alice@example.com',
      password: SECRET,
    });

    // Assess
    expect(response.status).toBe(409);
    const line = onlyRequestLine();
    expect(line).toMatchObject({
      operation: 'createUser',
      status: 409,
      scimType: 'uniqueness',
      errorDetail: response.body.detail,
    });
    expect(captured.join('')).not.toContain(SECRET);
  });

  it('logs a read of an unknown id as a 404 with the id and the route', async () => {
    // Prepare
    const id = randomUUID();

    // Act
    const response = await service.request('GET', `/Users/${id}`);

    // Assess
    expect(response.status).toBe(404);
    expect(onlyRequestLine()).toMatchObject({
      operation: 'getUser',
      route: 'GET /scim/v2/Users/{id}',
      path: `/scim/v2/Users/${id}`,
      status: 404,
      resourceId: id,
      errorDetail: response.body.detail,
    });
  });

  it('logs a lookup by userName with the attribute, the value and the number found', async () => {
    // Act
    const response = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "log.alice@example.com"')}`,
    );

    // Assess
    expect(response.body.totalResults).toBe(1);
    const line = onlyRequestLine();
    expect(line).toMatchObject({
      operation: 'listUsers',
      status: 200,
      filterAttribute: 'userName',
      filterValue: 'log.alice@example.com',
      totalResults: 1,
    });
    expect(line.probe).toBeUndefined();
  });

  it("marks Entra's Test Connection probe: a random GUID userName that matches nothing", async () => {
    // Prepare
    const guid = randomUUID();

    // Act
    const response = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${guid}"`)}`,
    );

    // Assess
    expect(response.body.totalResults).toBe(0);
    expect(onlyRequestLine()).toMatchObject({
      operation: 'listUsers',
      filterAttribute: 'userName',
      filterValue: guid,
      totalResults: 0,
      probe: true,
    });
  });

  it('logs a lookup by e-mail with the attribute but not the address', async () => {
    // Act
    await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "zeb.private@home.example"')}`,
    );

    // Assess
    const line = onlyRequestLine();
    expect(line).toMatchObject({
      filterAttribute: 'emails[type eq "work"].value',
      totalResults: 0,
    });
    expect(line.filterValue).toBeUndefined();
    expect(captured.join('')).not.toContain('zeb.private@home.example');
  });

  it('logs any other filter with its string values masked', async () => {
    // Act
    await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('name.givenName eq "Zebulon-Payload-Marker" and active eq true')}`,
    );

    // Assess
    expect(onlyRequestLine().filter).toBe('name.givenName eq "…" and active eq true');
    expect(captured.join('')).not.toContain('Zebulon-Payload-Marker');
  });

  it('logs a body that is not JSON with the position of the error, never its text', async () => {
    // Prepare: an unquoted password, which V8's own message would quote with what surrounds it.
    const body = `{"userName": "log.bob@example.com", "password": ${SECRET}}`;
    const column = body.indexOf(SECRET) + 1;

    // Act
    const response = await service.request('POST', '/Users', body);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      scimType: 'invalidSyntax',
      detail: `The request body is not valid JSON: unexpected character at line 1, column ${column}.`,
    });
    expect(onlyRequestLine()).toMatchObject({
      operation: 'createUser',
      status: 400,
      scimType: 'invalidSyntax',
      errorDetail: response.body.detail,
    });
    const written = captured.join('');
    for (const fragment of [SECRET.slice(0, 5), 'assword', 'log.bob']) {
      expect(response.text).not.toContain(fragment);
      expect(written).not.toContain(fragment);
    }
  });

  it('logs a filter with unquoted values with every value masked but its identifiers', async () => {
    // Act
    const response = await service.request(
      'GET',
      `/Users?filter=${encodeURIComponent('emails.value eq zeb.private@home.example and active eq true or userName sw log.')}`,
    );

    // Assess
    expect(response.status).toBe(200);
    expect(onlyRequestLine().filter).toBe(
      'emails.value eq "…" and active eq true or userName sw "log."',
    );
    expect(captured.join('')).not.toContain('zeb.private');
  });

  it('logs a filter that does not parse with its position and length, not its text', async () => {
    // Prepare: the parser stops inside the second value, which its message quotes back.
    const filter = 'emails.value eq "zeb.private@home.example" and zeb.private@home.example pr';
    const at = filter.lastIndexOf('zeb.private') + 'zeb.'.length + 1;

    // Act
    const response = await service.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);

    // Assess: the client is told what is wrong and where; the log says only where.
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidFilter');
    expect(response.body.detail).toContain(`at character ${at}`);
    expect(onlyRequestLine()).toMatchObject({
      operation: 'listUsers',
      status: 400,
      scimType: 'invalidFilter',
      errorDetail: `Invalid filter at character ${at} of ${filter.length}.`,
    });
    expect(captured.join('')).not.toContain('home.example');
  });

  it('logs a created group with its displayName', async () => {
    // Act
    const response = await service.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Log Dispatchers',
      externalId: 'ext-log-group',
    });

    // Assess
    expect(response.status).toBe(201);
    expect(onlyRequestLine()).toMatchObject({
      operation: 'createGroup',
      resourceType: 'Group',
      resourceId: response.body.id,
      displayName: 'Log Dispatchers',
      externalId: 'ext-log-group',
    });
  });
});

describe('request log line of a refused token', () => {
  it('logs the 401 without the token or any part of it', async () => {
    // Prepare: a well-formed token the service does not trust, and a forged one.
    const stranger = await issueToken(await generateSigningKey({ kid: 'stranger' }), {
      tenant: TEST_TENANT,
    });
    const forged = await new SignJWT({ tenant: TEST_TENANT, jti: 'forged' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(tokenAudience(TEST_TENANT))
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));

    for (const token of [stranger, forged]) {
      captured = [];

      // Act
      const response = await service.request(
        'POST',
        '/Users',
        { userName: 'x', password: SECRET },
        {
          authorization: `Bearer ${token}`,
        },
      );

      // Assess
      expect(response.status).toBe(401);
      expect(onlyRequestLine()).toMatchObject({
        operation: 'createUser',
        status: 401,
        errorDetail: 'Authentication failed: a valid bearer token is required.',
      });
      const written = captured.join('');
      for (const part of [token, ...token.split('.'), service.token, SECRET]) {
        expect(written).not.toContain(part);
      }
    }
  });
});

describe('request log line of a token signed with its key but refused', () => {
  it('names the caller of a token signed with its key but refused (revoked, expired), and no other', async () => {
    // Prepare: a Secret Token whose credential is not registered (revoked and deleted), an expired
    // one signed with the tenant's key, and one signed with a key the service does not trust.
    const unregistered = await issueTestToken({ register: false, jti: 'gone-credential' });
    const key = JSON.parse(process.env.TEST_SIGNING_KEY ?? '') as JWK;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ tenant: TEST_TENANT })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid as string, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(tokenAudience(TEST_TENANT))
      .setJti('expired-credential')
      .setIssuedAt(now - 7_200)
      .setExpirationTime(now - 3_600)
      .sign(await importJWK({ ...key, alg: 'ES256' }, 'ES256'));
    const stranger = await issueToken(await generateSigningKey({ kid: 'stranger' }), {
      tenant: TEST_TENANT,
    });
    const lineOf = async (authorization?: string) => {
      captured = [];
      const response = await service.request('GET', '/Users', undefined, { authorization });
      expect(response.status).toBe(401);
      return onlyRequestLine();
    };

    // Act and assess
    expect(await lineOf(`Bearer ${unregistered}`)).toMatchObject({
      status: 401,
      callerKind: 'service-token',
      callerTokenId: 'gone-credential',
    });
    expect(await lineOf(`Bearer ${expired}`)).toMatchObject({
      status: 401,
      callerKind: 'service-token',
      callerTokenId: 'expired-credential',
    });
    for (const line of [await lineOf(`Bearer ${stranger}`), await lineOf(undefined)]) {
      expect(line).toMatchObject({ status: 401 });
      expect(line).not.toHaveProperty('callerKind');
      expect(line).not.toHaveProperty('callerTokenId');
    }
  });
});

describe('request log line of a server error', () => {
  it('answers 500 without the cause and logs it without the token or the request body', async () => {
    // Act
    const response = await service.request('POST', '/Fixtures/failing', {
      userName: 'zeb.private@home.example',
      password: SECRET,
      name: { givenName: 'Zebulon-Payload-Marker' },
      phoneNumbers: [{ value: '+1 555 0100 777' }],
    });

    // Assess: the body says nothing about the cause.
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'Internal server error',
    });
    expect(response.text).not.toContain(INTERNAL_MESSAGE);
    // The error line has what an operator needs, and no token or payload.
    const line = onlyRequestLine();
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      operation: 'failingFixture',
      status: 500,
      errorDetail: 'internal error',
      callerKind: 'service-token',
      error: { name: 'Error', message: INTERNAL_MESSAGE },
    });
    const written = captured.join('');
    for (const part of [service.token, ...service.token.split('.'), ...PAYLOAD_MARKERS]) {
      expect(written).not.toContain(part);
    }
  });
});

describe('request metrics (embedded metric format)', () => {
  it('emits latency, client and server errors per request by service and operation, never by tenant', async () => {
    // Act
    await service.request('GET', `/Users/${randomUUID()}`);

    // Assess
    const [emf] = emfLines();
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'GroupTalkScim',
            // The cell's metrics whatever its tenants: a tenant Entra calls each cycle adds no
            // custom metric (issue 19); the tenant's own counts are AWS's and the access log's.
            Dimensions: [['service', 'operation']],
            Metrics: [
              { Name: 'Latency', Unit: 'Milliseconds' },
              { Name: 'ClientErrors', Unit: 'Count' },
              { Name: 'ServerErrors', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'grouptalk-scim',
      operation: 'getUser',
      ClientErrors: 1,
      ServerErrors: 0,
    });
    expect(emf!.Latency).toEqual(expect.any(Number));
    expect(emf).not.toHaveProperty('tenant');
    expect(emfLines()).toHaveLength(1);
  });
});

describe('Bulk operations that fail with an internal error', () => {
  const FAULT = 'loggingTestBulkFault';
  afterEach(() => {
    documentClient().middlewareStack.remove(FAULT);
  });

  it('count in the 5xx metric and the log line although the Bulk answer is 200', async () => {
    // Prepare: every DynamoDB call fails with a plain Error (a bug, not an outage).
    documentClient().middlewareStack.add(
      () => async () => {
        throw new Error('injected internal failure');
      },
      { step: 'initialize', name: FAULT },
    );

    // Act
    const response = await service.request('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'u1',
          data: { schemas: [USER], userName: `bulk.fault.${randomUUID()}@example.com` },
        },
      ],
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.Operations[0].status).toBe('500');
    const bulkMetrics = emfLines().filter((line) => line.operation === 'bulk');
    expect(bulkMetrics).toHaveLength(1);
    expect(bulkMetrics[0]).toMatchObject({ ServerErrors: 1, ClientErrors: 0 });
    expect(onlyRequestLine()).toMatchObject({
      operation: 'bulk',
      status: 200,
      failed: 1,
      innerServerErrors: 1,
    });
    // The function-log metric filter (infra/scim-stack.ts) selects this line, counts 1 and names
    // the tenant: the fleet's 5xx alarm sees it although API Gateway answered 200.
    const line = onlyRequestLine();
    expect(filterPatternMatches(bulkServerErrorsFilter.pattern.logPatternString, line)).toBe(true);
    expect(filterField(bulkServerErrorsFilter.metricValue, line)).toBe(1);
    expect(filterField(bulkServerErrorsFilter.dimensions.tenant, line)).toBe(TEST_TENANT);
  });

  it('leave the 5xx metric at 0 for operations deferred by the work budget (503 to send again)', async () => {
    // Prepare: a group; each PATCH naming 500 members needs at least 17 DynamoDB calls and makes
    // 6 (the group, then 5 BatchGetItem that find none of those users: 400), so two run and the
    // next two no longer fit in the work budget of 24.
    const group = await service.request('POST', '/Groups', {
      displayName: `deferred.${randomUUID()}`,
    });
    const addMembers = {
      method: 'PATCH',
      path: `/Groups/${group.body.id}`,
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: Array.from({ length: limits.maxPatchMembers }, () => ({ value: randomUUID() })),
          },
        ],
      },
    };
    captured = [];

    // Act
    const response = await service.request('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [addMembers, addMembers, addMembers, addMembers],
    });

    // Assess
    const statuses = response.body.Operations.map(
      (operation: { status: string }) => operation.status,
    );
    expect(statuses).toEqual(['400', '400', '503', '503']);
    const bulkMetrics = emfLines().filter((line) => line.operation === 'bulk');
    expect(bulkMetrics[0]).toMatchObject({ ServerErrors: 0 });
    expect(onlyRequestLine()).toMatchObject({
      deferred: statuses.filter((status: string) => status === '503').length,
    });
    expect(onlyRequestLine().innerServerErrors).toBeUndefined();
    expect(
      filterPatternMatches(bulkServerErrorsFilter.pattern.logPatternString, onlyRequestLine()),
    ).toBe(false);
  });

  it('leave the 5xx metric at 0 when every operation succeeds or fails with a 4xx', async () => {
    // Act
    const response = await service.request('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'DELETE', path: `/Users/${randomUUID()}` }],
    });

    // Assess
    expect(response.body.Operations[0].status).toBe('404');
    const bulkMetrics = emfLines().filter((line) => line.operation === 'bulk');
    expect(bulkMetrics[0]).toMatchObject({ ServerErrors: 0 });
    expect(onlyRequestLine().innerServerErrors).toBeUndefined();
    expect(
      filterPatternMatches(bulkServerErrorsFilter.pattern.logPatternString, onlyRequestLine()),
    ).toBe(false);
  });
});

describe('everything the service wrote in this file', () => {
  it('holds no request body: no password, name, e-mail or phone number, and no token', () => {
    // Assess: request lines, metrics and anything else, over every request above.
    const written = everything.join('');
    expect(written).toContain('"message":"request"');
    for (const marker of [...PAYLOAD_MARKERS, service.token]) {
      expect(written).not.toContain(marker);
    }
  });

  it('has the Bulk 5xx metric filter select only the Bulk line with an internal failure', () => {
    // Prepare: every JSON line of the file (request lines, the 500's ERROR line, EMF lines).
    const lines = everything
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

    // Act
    const selected = lines.filter((line) =>
      filterPatternMatches(bulkServerErrorsFilter.pattern.logPatternString, line),
    );

    // Assess: the failing route's own 500 is the access log filter's, not this one's.
    expect(lines.length).toBeGreaterThan(20);
    expect(selected.map((line) => `${line.operation} ${line.status}`)).toEqual(['bulk 200']);
  });
});

describe('saved Logs Insights queries', () => {
  it('name only fields the request lines carry', () => {
    // Prepare: every field seen in this file's request lines.
    for (const line of requestLines()) for (const field of Object.keys(line)) seenFields.add(field);
    const named = logQueries
      .filter((query) => !query.accessLog)
      .flatMap((query) => query.query.fields ?? [])
      .filter((field) => !field.startsWith('@'));

    // Assess
    expect([...new Set(named)].filter((field) => !seenFields.has(field))).toEqual([]);
  });
});
