/**
 * Measures what each group operation costs in DynamoDB calls, at 10 members and at 100,000, on a
 * fresh in-memory DynamoDB Local behind the local server (the same handlers and route table as
 * in AWS). Calls are read from the `x-store-*` response headers; the fixture (users and
 * membership items) is written straight to the table in bulk, since only its presence matters.
 *
 *     npx tsx test/bench/measure-groups.ts            # 10 and 100,000 members
 *     npx tsx test/bench/measure-groups.ts 20000      # 10 and 20,000 members
 *
 * Durations are DynamoDB Local's on this machine: they show the shape, not AWS latency. In AWS,
 * one group's membership items share a partition (about 1,000 writes a second), which bounds how
 * fast a large group can be filled or emptied whatever the client does.
 */
import { ensureTable, startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { generateSigningKey, issueRegisteredToken, publicJwks } from '../../infra/tokens.js';

const LARGE = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(LARGE) || LARGE < 100)
  throw new Error('usage: measure-groups.ts [members>=100]');
const TENANT = 'measure';
const TABLE_NAME = 'grouptalk-scim-measure';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const dynamodb = await startDynamoDbLocal();
await ensureTable(dynamodb.endpoint, TABLE_NAME);
const key = await generateSigningKey();

// Before the first import of a store or handler module: they read their configuration at import.
Object.assign(process.env, {
  TENANT,
  TOKEN_PUBLIC_KEYS: JSON.stringify(publicJwks([key])),
  TABLE_NAME,
  DYNAMODB_ENDPOINT: dynamodb.endpoint,
  AWS_REGION: 'us-east-1',
  STORE_STATS_HEADERS: 'true',
  LOG_LEVEL: 'WARN',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const { startLocalServer } = await import('../../infra/local/server.js');
const { batchWrite } = await import('../../shared/store/batch.js');
const { newStoreStats, withStoreStats } = await import('../../shared/common/request-context.js');
const { membershipItem } = await import('../../shared/store/memberships.js');
const { DELETE_SWEEP_BUDGET_MS } = await import('../../shared/service/groups.js');
const { sweepCleanups } = await import('../../shared/service/cleanups.js');
const { membershipCount, seedUsers } = await import('../support/scim-fixtures.js');

const server = await startLocalServer({ port: 0 });
const { token } = await issueRegisteredToken(key, {
  tenant: TENANT,
  endpoint: dynamodb.endpoint,
  tableName: TABLE_NAME,
  createdBy: 'measure',
});

interface Measured {
  status: number;
  calls: number;
  commands: Record<string, number>;
  ms: number;
  text: string;
}

async function request(method: string, path: string, body?: unknown): Promise<Measured> {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/scim+json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    calls: Number(response.headers.get('x-store-calls') ?? Number.NaN),
    commands: JSON.parse(response.headers.get('x-store-commands') ?? '{}'),
    ms: performance.now() - started,
    text,
  };
}

function expectStatus(step: string, measured: Measured, status: number): Measured {
  if (measured.status !== status) {
    throw new Error(
      `${step}: expected ${status}, got ${measured.status} ${measured.text.slice(0, 300)}`,
    );
  }
  return measured;
}

const describe = (m: Measured) =>
  `${m.calls} (${Object.entries(m.commands)
    .map(([name, n]) => `${name.replace('Command', '')} ${n}`)
    .join(', ')})`;

const rows: Record<string, Record<number, string>> = {};
function row(name: string, size: number, value: string): void {
  rows[name] ??= {};
  (rows[name] as Record<number, string>)[size] = value;
}

for (const size of [10, LARGE]) {
  console.error(`\n== group of ${size} members`);
  const created = expectStatus(
    'create',
    await request('POST', '/Groups', { schemas: [GROUP], displayName: `Measure ${size}` }),
    201,
  );
  const groupId = JSON.parse(created.text).id as string;

  let started = performance.now();
  const members = await seedUsers(size, 16);
  const added = new Date().toISOString();
  await batchWrite(
    members.map((userId) => ({ put: membershipItem(groupId, userId, added) })),
    16,
  );
  console.error(
    `   fixture: ${size} users + memberships in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const [one, ...hundred] = await seedUsers(101, 16);

  const add = expectStatus(
    'add one',
    await request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: one }] }],
    }),
    204,
  );
  row('PATCH add 1 member', size, describe(add));

  const remove = expectStatus(
    'remove one',
    await request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${one}"]` }],
    }),
    204,
  );
  row('PATCH remove 1 member', size, describe(remove));

  const excluded = expectStatus(
    'get excluded',
    await request('GET', `/Groups/${groupId}?excludedAttributes=members`),
    200,
  );
  row('GET excludedAttributes=members', size, describe(excluded));

  const full = expectStatus('get full', await request('GET', `/Groups/${groupId}`), 200);
  const body = JSON.parse(full.text);
  const bodyBytes = Buffer.byteLength(full.text, 'utf8');
  // The body travels as a JSON string inside Lambda's response payload (limit 6,291,556 bytes).
  const payloadBytes = Buffer.byteLength(JSON.stringify(full.text), 'utf8');
  row('GET full (all members)', size, describe(full));
  row(
    'GET full: members, body size, Lambda payload',
    size,
    `${body.members?.length ?? 0} members${body.members?.[0]?.$ref ? ' with $ref' : ' without $ref'}, ${(bodyBytes / 1e6).toFixed(2)} MB, ${(payloadBytes / 1e6).toFixed(2)} MB, ${full.ms.toFixed(0)} ms`,
  );

  const addHundred = expectStatus(
    'add 100',
    await request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: hundred.map((value) => ({ value })) }],
    }),
    204,
  );
  row('PATCH add 100 members', size, describe(addHundred));

  started = performance.now();
  const deleted = expectStatus('delete', await request('DELETE', `/Groups/${groupId}`), 204);
  const left = await membershipCount({ tableName: TABLE_NAME }, groupId);
  row('DELETE group (request)', size, `${describe(deleted)}, ${deleted.ms.toFixed(0)} ms`);
  row('membership items left after the DELETE', size, String(left));
  if (left > 0) {
    const stats = newStoreStats();
    const sweepStarted = performance.now();
    let result = { pending: 1 };
    while (result.pending > 0) result = await withStoreStats(stats, () => sweepCleanups(60_000));
    const sweepMs = performance.now() - sweepStarted;
    row(
      'sweeper to finish the DELETE',
      size,
      `${stats.calls} calls (${Object.entries(stats.byCommand)
        .map(([n, c]) => `${n.replace('Command', '')} ${c}`)
        .join(', ')}), ${(sweepMs / 1000).toFixed(1)} s`,
    );
  }
  row(
    'DELETE: all membership items gone after',
    size,
    `${((performance.now() - started) / 1000).toFixed(1)} s, ${await membershipCount({ tableName: TABLE_NAME }, groupId)} left`,
  );
}

console.log(
  `\nDynamoDB calls per group operation (DELETE sweeps for ${DELETE_SWEEP_BUDGET_MS / 1000} s at most, then the sweeper finishes)\n`,
);
console.log(`| operation | 10 members | ${LARGE.toLocaleString('en')} members |`);
console.log('|---|---|---|');
for (const [name, values] of Object.entries(rows)) {
  console.log(`| ${name} | ${values[10] ?? '—'} | ${values[LARGE] ?? '—'} |`);
}

await server.close();
await dynamodb.stop();
