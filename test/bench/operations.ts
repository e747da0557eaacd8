/**
 * The measured operations: each sends Entra-shaped requests (built by the simulator's request
 * builders) against the benchmark service and returns its `OperationResult`.
 */
import type { ScimClient, ScimResponse } from '../../infra/simulator/client.js';
import type { UserState } from '../../infra/simulator/dataset.js';
import {
  activePatch,
  addMembersPatch,
  attributesPatch,
  createGroupBody,
  createUserBody,
  type Dialect,
  groupLookupQuery,
  removeMembersPatch,
  USER_PATHS,
} from '../../infra/simulator/entra-requests.js';
import type { BenchClient, OperationResult } from './measure.js';

/** Users already in the table, with their ids, to read and look up. */
export interface UserPool {
  readonly users: readonly UserState[];
  readonly ids: readonly string[];
}

const quoted = (value: string) => JSON.stringify(value);

/** Unrecorded requests before each measured operation (JIT, connection, first-call paths). */
export const WARMUP = 10;

/** An index into the first `size` users, spread over the whole range. */
const spread = (i: number, size: number) => Math.abs((i * 7919 + 104_729) % size);

/** The read operations whose cost must not grow with the number of users. */
export async function userReads(
  bench: BenchClient,
  pool: UserPool,
  size: number,
  samples: number,
): Promise<OperationResult[]> {
  const user = (i: number) => pool.users[spread(i, size)] as UserState;
  const id = (i: number) => pool.ids[spread(i, size)] as string;
  const lookup = (filter: (i: number) => string) => (client: ScimClient, i: number) =>
    client.request('lookup', 'GET', '/Users', { query: { filter: filter(i) } }).then(found(1));
  return [
    await bench.measure('get user by id', samples, (client, i) =>
      client.request('get', 'GET', `/Users/${id(i)}`),
    ),
    // Without `groups` (read from the byMember index in parallel): the single GetItem.
    await bench.measure('get user by id (excludedAttributes=groups)', samples, (client, i) =>
      client.request('get', 'GET', `/Users/${id(i)}`, {
        query: { excludedAttributes: 'groups' },
      }),
    ),
    await bench.measure(
      'lookup userName',
      samples,
      lookup((i) => `userName eq ${quoted(user(i).userName)}`),
    ),
    await bench.measure(
      'lookup externalId',
      samples,
      lookup((i) => `externalId eq ${quoted(user(i).externalId)}`),
    ),
    await bench.measure(
      'lookup work email',
      samples,
      lookup((i) => `emails[type eq "work"].value eq ${quoted(user(i).email)}`),
    ),
    await bench.measure(
      'lookup mobile',
      samples,
      lookup((i) => `phoneNumbers[type eq "mobile"].value eq ${quoted(user(i).mobile)}`),
    ),
    await bench.measure(
      'lookup id',
      samples,
      lookup((i) => `id eq ${quoted(id(i))}`),
    ),
  ];
}

/** How far `startIndex` may skip before the service asks for cursor paging (its default limit). */
const MAX_START_INDEX_SKIP = 20_000;

/**
 * Unfiltered list pages of 100: the first; one deep by `startIndex` (walked to: it costs what it
 * skips, so the service caps it); and one from the middle by cursor (RFC 9865: one Query from
 * the cursor, at any depth).
 */
export async function userListPages(
  bench: BenchClient,
  size: number,
  samples: number,
  deepSamples: number,
): Promise<OperationResult[]> {
  const page = (query: Record<string, string>) => (client: ScimClient) =>
    client.request('list', 'GET', '/Users', { query: { ...query, count: '100' } });
  const deepStart = Math.min(Math.floor(size / 2), MAX_START_INDEX_SKIP);
  let cursor = '';
  for (let position = 0; position < size / 2; position += 200) {
    const walked = await bench.client.request('walk', 'GET', '/Users', {
      query: { cursor, count: '200' },
    });
    if (typeof walked.body?.nextCursor !== 'string') break;
    cursor = walked.body.nextCursor;
  }
  return [
    await bench.measure('list page (first, 100)', samples, page({ startIndex: '1' })),
    await bench.measure(
      `list page (startIndex ${deepStart}, 100)`,
      deepSamples,
      page({ startIndex: String(deepStart) }),
      { warmup: 1 },
    ),
    await bench.measure('list page by cursor (from the middle, 100)', samples, page({ cursor })),
  ];
}

/** Creates, changes and deletes users of its own (`fresh` must not exist yet). */
export async function userWrites(
  bench: BenchClient,
  fresh: readonly UserState[],
  samples: number,
): Promise<OperationResult[]> {
  const warmup = WARMUP;
  const ids: string[] = [];
  const results: OperationResult[] = [];
  results.push(
    await bench.measure(
      'create user',
      samples,
      async (client, i) => {
        const response = await client.request('create', 'POST', '/Users', {
          body: createUserBody(fresh[i + warmup] as UserState),
        });
        ids[i + warmup] = response.body?.id;
        return response;
      },
      { warmup },
    ),
  );
  const idOf = (i: number) => ids[i + warmup] as string;
  const patch = (dialect: Dialect) => (client: ScimClient, i: number) => {
    const suffix = `${dialect === 'default' ? 'd' : 'f'}${i}`;
    return client.request('patch', 'PATCH', `/Users/${idOf(i)}`, {
      body: attributesPatch(dialect, [
        { path: USER_PATHS.givenName, value: `Given${suffix}`, present: true },
        {
          path: USER_PATHS.email,
          value: `patched.${suffix}.${i}@bench.example.test`,
          present: true,
        },
        { path: USER_PATHS.costCenter, value: `CC-${suffix}`, present: true },
        { path: USER_PATHS.label3, value: `zone-${suffix}`, present: false },
      ]),
    });
  };
  results.push(await bench.measure('PATCH user (default dialect)', samples, patch('default')));
  results.push(
    await bench.measure('PATCH user (aadOptscim062020)', samples, patch('aadOptscim062020')),
  );
  results.push(
    await bench.measure('PATCH user disable (default, "False")', samples, (client, i) =>
      client.request('disable', 'PATCH', `/Users/${idOf(i)}`, {
        body: activePatch('default', false),
      }),
    ),
  );
  results.push(
    await bench.measure('PUT user', samples, (client, i) =>
      client.request('put', 'PUT', `/Users/${idOf(i)}`, {
        body: {
          ...createUserBody({ ...(fresh[i + warmup] as UserState), displayName: `Put ${i}` }),
          active: true,
        },
      }),
    ),
  );
  results.push(
    await bench.measure(
      'DELETE user',
      samples,
      // The warm-up deletes the users the create warm-up made.
      (client, i) => client.request('delete', 'DELETE', `/Users/${ids[i + warmup]}`),
      { warmup },
    ),
  );
  return results;
}

/** Group creation, lookups and member changes on small groups. */
export async function groupOperations(
  bench: BenchClient,
  pool: UserPool,
  prefix: string,
  samples: number,
): Promise<OperationResult[]> {
  const warmup = WARMUP;
  const groupIds: string[] = [];
  const names: string[] = [];
  const results: OperationResult[] = [];
  results.push(
    await bench.measure(
      'create group',
      samples,
      async (client, i) => {
        names[i + warmup] = `${prefix} group ${i + warmup}`;
        const response = await client.request('create', 'POST', '/Groups', {
          body: createGroupBody({
            displayName: names[i + warmup] as string,
            externalId: `${prefix}-${i + warmup}`,
            description: 'bench',
          }),
        });
        groupIds[i + warmup] = response.body?.id;
        return response;
      },
      { warmup },
    ),
  );
  const group = (i: number) => groupIds[i + warmup] as string;
  const member = (k: number) => {
    const n = pool.ids.length;
    return pool.ids[((k % n) + n) % n] as string;
  };
  // Ten members each, as a small team starts; the newcomer is the next user along.
  for (let i = -warmup; i < samples; i++) {
    const members = Array.from({ length: 10 }, (_, k) => member(i * 10 + k));
    await bench.client.request('setup', 'PATCH', `/Groups/${group(i)}`, {
      body: addMembersPatch('default', members),
      expect: [204],
    });
  }
  const newcomer = (i: number) => member(i * 10 + 10);
  results.push(
    await bench.measure(
      'lookup group displayName (excludedAttributes=members)',
      samples,
      (client, i) =>
        client
          .request('lookup', 'GET', '/Groups', {
            query: groupLookupQuery(names[spread(i, samples) + warmup] as string),
          })
          .then(found(1)),
    ),
  );
  results.push(
    await bench.measure('member add (1, default)', samples, (client, i) =>
      client.request('add', 'PATCH', `/Groups/${group(i)}`, {
        body: addMembersPatch('default', [newcomer(i)]),
      }),
    ),
  );
  results.push(
    await bench.measure('member remove (1, default value list)', samples, (client, i) =>
      client.request('remove', 'PATCH', `/Groups/${group(i)}`, {
        body: removeMembersPatch('default', [newcomer(i)]),
      }),
    ),
  );
  results.push(
    await bench.measure('member add (1, aadOptscim062020)', samples, (client, i) =>
      client.request('add', 'PATCH', `/Groups/${group(i)}`, {
        body: addMembersPatch('aadOptscim062020', [newcomer(i)]),
      }),
    ),
  );
  results.push(
    await bench.measure('member remove (1, members[value eq])', samples, (client, i) =>
      client.request('remove', 'PATCH', `/Groups/${group(i)}`, {
        body: removeMembersPatch('aadOptscim062020', [newcomer(i)]),
      }),
    ),
  );
  results.push(
    await bench.measure('GET group excludedAttributes=members', samples, (client, i) =>
      client.request('get', 'GET', `/Groups/${group(spread(i, samples))}`, {
        query: { excludedAttributes: 'members' },
      }),
    ),
  );
  results.push(
    await bench.measure('GET group (10 members)', samples, (client, i) =>
      client.request('get', 'GET', `/Groups/${group(spread(i, samples))}`),
    ),
  );
  return results;
}

/** Member operations on one group of `size` members (`outsiders` are users not in it). */
export async function memberOperations(
  bench: BenchClient,
  groupId: string,
  member: string,
  outsiders: readonly string[],
  samples: number,
  fullSamples: number,
): Promise<OperationResult[]> {
  const warmup = WARMUP;
  const outsider = (i: number) => outsiders[i + warmup] as string;
  const results: OperationResult[] = [];
  results.push(
    await bench.measure(
      'member add (1)',
      samples,
      (client, i) =>
        client.request('add', 'PATCH', `/Groups/${groupId}`, {
          body: addMembersPatch('default', [outsider(i)]),
        }),
      { warmup },
    ),
  );
  results.push(
    await bench.measure(
      'member remove (1)',
      samples,
      (client, i) =>
        client.request('remove', 'PATCH', `/Groups/${groupId}`, {
          body: removeMembersPatch('default', [outsider(i)]),
        }),
      { warmup },
    ),
  );
  results.push(
    await bench.measure('GET group excludedAttributes=members', samples, (client) =>
      client.request('get', 'GET', `/Groups/${groupId}`, {
        query: { excludedAttributes: 'members' },
      }),
    ),
  );
  results.push(
    await bench.measure('membership check (id eq and members eq)', samples, (client) =>
      client
        .request('check', 'GET', '/Groups', {
          query: {
            filter: `id eq ${quoted(groupId)} and members eq ${quoted(member)}`,
            attributes: 'id',
          },
        })
        .then(found(1)),
    ),
  );
  results.push(
    await bench.measure(
      'GET group (all members)',
      fullSamples,
      (client) => client.request('get', 'GET', `/Groups/${groupId}`),
      { warmup: 1 },
    ),
  );
  return results;
}

/** Makes a lookup fail the benchmark when it does not find exactly `count` resources. */
function found(count: number) {
  return (response: ScimResponse): ScimResponse =>
    response.status === 200 && response.body?.totalResults !== count
      ? { ...response, status: 599, body: { unexpected: response.body?.totalResults } }
      : response;
}
