/**
 * The fuzz targets: what each sends through the real handlers and what it checks afterwards.
 * Every answer must keep the SCIM contract (`contractViolation`); a write that failed must leave
 * its resource exactly as it found it (version, data and, for a group, its members); a write that
 * succeeded must have bumped the version it answered with. Each target works on fixtures of its
 * own, so targets can run side by side.
 */
import fc from 'fast-check';
import {
  attributePath,
  BULK_URN,
  CURRENT_VERSION,
  contentType,
  etagHeader,
  type FuzzFixtures,
  filterText,
  GROUP_URN,
  groupBody,
  junkAuthorization,
  listQuery,
  PATCH_OP_URN,
  PREVIOUS_VERSION,
  patchBody,
  rawBody,
  SEARCH_URN,
  sometimes,
  USER_URN,
  userBody,
} from './arbitraries.js';
import { contractViolation } from './checks.js';
import type { Answer, Harness, Invocation } from './harness.js';
import type { TableReader } from './table.js';

export interface FuzzContext {
  readonly harness: Harness;
  readonly reader: TableReader;
}

/** What one case found wrong, in words, by kind. */
export interface CaseProblem {
  readonly kind: 'server-error' | 'contract' | 'partial-write' | 'unexpected';
  readonly detail: string;
}

export interface CaseOutcome {
  readonly statuses: readonly number[];
  readonly problems: readonly CaseProblem[];
}

export interface FuzzTarget {
  readonly name: string;
  /** What the target sends, for the report. */
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<unknown>;
  run(input: unknown): Promise<CaseOutcome>;
  /** Puts the target's fixtures back as they were created (run between batches). */
  reset(): Promise<void>;
}

/** A case's answers and problems, collected as it runs. */
export class CaseLog {
  readonly statuses: number[] = [];
  readonly problems: CaseProblem[] = [];
  constructor(private readonly harness: Harness) {}

  async send(invocation: Invocation): Promise<Answer> {
    const answer = await this.harness.invoke(invocation);
    this.statuses.push(answer.status);
    const violation = contractViolation(answer);
    if (violation !== undefined) {
      const kind =
        answer.threw !== undefined || (answer.status >= 500 && answer.status !== 503)
          ? 'server-error'
          : 'contract';
      this.problems.push({ kind, detail: `${invocation.method} ${invocation.path}: ${violation}` });
    } else if (answer.status === 503 || answer.status === 429) {
      // Nothing is injected while fuzzing: "retry later" here means an input was misjudged.
      this.problems.push({
        kind: 'unexpected',
        detail: `${invocation.method} ${invocation.path}: ${answer.status} ${answer.text.slice(0, 200)}`,
      });
    }
    return answer;
  }

  problem(kind: CaseProblem['kind'], detail: string): void {
    this.problems.push({ kind, detail });
  }

  outcome(): CaseOutcome {
    return { statuses: this.statuses, problems: this.problems };
  }
}

const json = (value: unknown) => JSON.stringify(value) ?? 'null';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface OwnFixtures {
  readonly userIds: string[];
  readonly userBodies: Record<string, unknown>[];
  readonly groupIds: string[];
  readonly groupBodies: Record<string, unknown>[];
}

/** Creates a target's own users and groups (each group holds the first two users). */
async function createFixtures(
  context: FuzzContext,
  prefix: string,
  users: number,
  groups: number,
): Promise<OwnFixtures> {
  const fixtures: OwnFixtures = { userIds: [], userBodies: [], groupIds: [], groupBodies: [] };
  for (let index = 0; index < users; index++) {
    const body = {
      schemas: [USER_URN],
      userName: `${prefix}.user.${index}@fuzz.test`,
      externalId: `${prefix}-ext-${index}`,
      active: true,
      name: { givenName: `Given${index}`, familyName: `Family${index}` },
      emails: [{ type: 'work', value: `${prefix}.user.${index}@fuzz.test`, primary: true }],
      phoneNumbers: [{ type: 'mobile', value: `+4670000${index}` }],
    };
    const answer = await context.harness.invoke({
      method: 'POST',
      path: '/Users',
      body: json(body),
    });
    if (answer.status !== 201) throw new Error(`fixture user: ${answer.status} ${answer.text}`);
    fixtures.userIds.push(answer.body.id);
    fixtures.userBodies.push(body);
  }
  for (let index = 0; index < groups; index++) {
    const body = {
      schemas: [GROUP_URN],
      displayName: `${prefix} group ${index}`,
      externalId: `${prefix}-group-${index}`,
      members: fixtures.userIds.slice(0, 2).map((value) => ({ value })),
    };
    const answer = await context.harness.invoke({
      method: 'POST',
      path: '/Groups',
      body: json(body),
    });
    if (answer.status !== 201) throw new Error(`fixture group: ${answer.status} ${answer.text}`);
    fixtures.groupIds.push(answer.body.id);
    fixtures.groupBodies.push(body);
  }
  return fixtures;
}

/** Puts fixtures back (PUT of the original bodies; groups get their original members back). */
async function resetFixtures(context: FuzzContext, fixtures: OwnFixtures): Promise<void> {
  for (const [index, id] of fixtures.userIds.entries()) {
    await context.harness.invoke({
      method: 'PUT',
      path: `/Users/${id}`,
      body: json(fixtures.userBodies[index]),
    });
  }
  for (const [index, id] of fixtures.groupIds.entries()) {
    await context.harness.invoke({
      method: 'PUT',
      path: `/Groups/${id}`,
      body: json(fixtures.groupBodies[index]),
    });
  }
}

function asFixtures(own: OwnFixtures, global: FuzzFixtures): FuzzFixtures {
  return {
    userIds: [...own.userIds, ...global.userIds],
    userNames: global.userNames,
    groupIds: [...own.groupIds, ...global.groupIds],
    groupNames: global.groupNames,
  };
}

/** The stored state a failed write must not change, and a successful one must version. */
async function snapshot(reader: TableReader, type: 'User' | 'Group', id: string) {
  const stored = await reader.resource(type, id);
  return type === 'Group' ? { ...stored, members: await reader.members(id) } : stored;
}

/**
 * Sends a write to a fixture and checks it: unchanged after a failure; after a success, the
 * version moved on (unless a group PATCH changed nothing) and the answer's ETag names the stored
 * version.
 */
async function checkedWrite(
  log: CaseLog,
  reader: TableReader,
  type: 'User' | 'Group',
  id: string,
  invocation: Invocation,
): Promise<Answer> {
  const before = await snapshot(reader, type, id);
  const answer = await log.send(withVersions(invocation, before.version ?? 0));
  const after = await snapshot(reader, type, id);
  if (answer.status >= 400) {
    if (!same(before, after)) {
      log.problem(
        'partial-write',
        `${invocation.method} ${invocation.path} answered ${answer.status} but changed the ${type}: ` +
          `${json(before).slice(0, 300)} → ${json(after).slice(0, 300)}`,
      );
    }
  } else if (answer.status < 300 && invocation.method !== 'GET') {
    // A group PATCH that changes nothing (members already there, same value) writes nothing.
    const noOp = type === 'Group' && invocation.method === 'PATCH' && same(before, after);
    if (!noOp && (after.version === undefined || (before.version ?? 0) >= after.version)) {
      log.problem(
        'unexpected',
        `${invocation.method} ${invocation.path} answered ${answer.status} without a new version`,
      );
    } else if (
      answer.headers.etag !== undefined &&
      answer.headers.etag !== `W/"${after.version}"`
    ) {
      log.problem('unexpected', `ETag ${answer.headers.etag} but version ${after.version} stored`);
    }
  }
  return answer;
}

/** Puts the stored version into generated precondition headers (see `etagHeader`). */
function withVersions(invocation: Invocation, version: number): Invocation {
  if (!invocation.headers) return invocation;
  return {
    ...invocation,
    headers: Object.fromEntries(
      Object.entries(invocation.headers).map(([name, value]) => [
        name,
        value
          ?.replaceAll(CURRENT_VERSION, String(version))
          .replaceAll(PREVIOUS_VERSION, String(version - 1)),
      ]),
    ),
  };
}

/** Deletes what a case created (its 201 answers), checking each delete works. */
async function removeCreated(log: CaseLog, locations: readonly string[]): Promise<void> {
  for (const location of locations) {
    const path = location.slice(location.indexOf('/scim/v2') + '/scim/v2'.length);
    const answer = await log.send({ method: 'DELETE', path });
    if (answer.status !== 204)
      log.problem('unexpected', `cleanup DELETE ${path}: ${answer.status}`);
  }
}

/** Checks a failed create left no trace: the unique name's guard is as before. */
async function checkedCreate(
  log: CaseLog,
  reader: TableReader,
  type: 'User' | 'Group',
  body: unknown,
  invocation: Invocation,
): Promise<void> {
  const name = (body as Record<string, unknown> | null)?.[
    type === 'User' ? 'userName' : 'displayName'
  ];
  const guardable = typeof name === 'string' && name !== '' && name.length <= 256;
  const before = guardable ? await reader.guard(type, name) : undefined;
  const answer = await log.send(invocation);
  if (answer.status === 201) {
    await removeCreated(log, [answer.headers.location ?? '']);
  } else if (guardable && (await reader.guard(type, name)) !== before) {
    // Cases run concurrently and draw names from shared pools, so another case may have created
    // or deleted a resource of this name meanwhile. What a failed create must never leave is a
    // guard whose resource does not exist (a half-written create).
    const holder = await reader.guard(type, name);
    if (holder === undefined) return;
    const resource = await reader.resource(type, holder);
    // Read the guard again: a concurrent delete removes guard and resource in one transaction.
    if (resource.version !== undefined || (await reader.guard(type, name)) !== holder) return;
    log.problem(
      'partial-write',
      `POST ${invocation.path} answered ${answer.status} but left a ${type} name guard with no ${type}`,
    );
  }
}

/** Builds every target, creating its fixtures. `global` are ids and names shared by all. */
export async function createTargets(
  context: FuzzContext,
  global: FuzzFixtures,
): Promise<FuzzTarget[]> {
  const { harness, reader } = context;
  const targets: FuzzTarget[] = [];
  const newLog = () => new CaseLog(harness);

  // filter: GET ?filter= and POST /.search, on both resource types.
  targets.push({
    name: 'filter',
    description:
      'GET /Users|/Groups?filter= and POST /.search with grammar-built, mutated, deep, long and junk filters',
    arbitrary: fc.oneof(
      fc.tuple(fc.constant('User' as const), filterText('User', global), fc.boolean()),
      fc.tuple(fc.constant('Group' as const), filterText('Group', global), fc.boolean()),
    ),
    async run(input) {
      const [type, filter, search] = input as ['User' | 'Group', string, boolean];
      const log = newLog();
      const path = type === 'User' ? '/Users' : '/Groups';
      const answer = search
        ? await log.send({
            method: 'POST',
            path: `${path}/.search`,
            body: json({ schemas: [SEARCH_URN], filter }),
          })
        : await log.send({
            method: 'GET',
            path,
            query: `filter=${encodeURIComponent(filter.replace(/[\ud800-\udfff]/g, '\ufffd'))}`,
          });
      if (answer.status !== 200 && answer.status !== 400) {
        log.problem('unexpected', `filter answered ${answer.status}`);
      }
      return log.outcome();
    },
    reset: async () => {},
  });

  // query: every list and projection parameter, raw and encoded.
  targets.push({
    name: 'query',
    description:
      'GET lists and GET by id with random filter, startIndex, count, sortBy, sortOrder, cursor, attributes, excludedAttributes and unknown parameters',
    arbitrary: fc.oneof(
      fc.tuple(fc.constant('/Users'), listQuery('User', global)),
      fc.tuple(fc.constant('/Groups'), listQuery('Group', global)),
      fc.tuple(
        fc.constantFrom(...global.userIds.map((id) => `/Users/${id}`)),
        listQuery('User', global),
      ),
      fc.tuple(
        fc.constantFrom(...global.groupIds.map((id) => `/Groups/${id}`)),
        listQuery('Group', global),
      ),
    ),
    async run(input) {
      const [path, query] = input as [string, string];
      const log = newLog();
      await log.send({ method: 'GET', path, query });
      return log.outcome();
    },
    reset: async () => {},
  });

  // patch-user
  const patchUsers = await createFixtures(context, 'fz-patch-user', 3, 0);
  const patchUserFixtures = asFixtures(patchUsers, global);
  targets.push({
    name: 'patch-user',
    description:
      'PATCH /Users/{id} with Entra-shaped operations (both dialects), their mutations, generic and junk operations and envelopes, sometimes with If-Match',
    arbitrary: fc.tuple(
      fc.constantFrom(...patchUsers.userIds),
      patchBody('User', patchUserFixtures),
      sometimes(etagHeader),
      fc.boolean(),
    ),
    async run(input) {
      const [id, body, ifMatch, attributes] = input as [string, unknown, string | null, boolean];
      const log = newLog();
      await checkedWrite(log, reader, 'User', id, {
        method: 'PATCH',
        path: `/Users/${id}`,
        body: json(body),
        ...(attributes ? { query: 'attributes=userName,emails' } : {}),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, patchUsers),
  });

  // patch-group
  const patchGroups = await createFixtures(context, 'fz-patch-group', 6, 2);
  const patchGroupFixtures = asFixtures(
    { ...patchGroups, groupIds: [] },
    { ...global, userIds: [] },
  );
  targets.push({
    name: 'patch-group',
    description:
      'PATCH /Groups/{id}: member adds, removes (value lists and filters), replaces, renames, path-less replaces, mutations and junk',
    arbitrary: fc.tuple(
      fc.constantFrom(...patchGroups.groupIds),
      patchBody('Group', patchGroupFixtures),
      sometimes(etagHeader, 8),
    ),
    async run(input) {
      const [id, body, ifMatch] = input as [string, unknown, string | null];
      const log = newLog();
      await checkedWrite(log, reader, 'Group', id, {
        method: 'PATCH',
        path: `/Groups/${id}`,
        body: json(body),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, patchGroups),
  });

  // create-user / create-group
  targets.push({
    name: 'create-user',
    description:
      'POST /Users with plausible, mistyped, case-mangled and junk bodies (created users are deleted again)',
    arbitrary: userBody(global),
    async run(body) {
      const log = newLog();
      await checkedCreate(log, reader, 'User', body, {
        method: 'POST',
        path: '/Users',
        body: json(body),
      });
      return log.outcome();
    },
    reset: async () => {},
  });
  const createGroupUsers = await createFixtures(context, 'fz-create-group', 4, 0);
  targets.push({
    name: 'create-group',
    description:
      'POST /Groups with members (existing, unknown, groups, junk) and junk bodies (created groups are deleted again)',
    arbitrary: groupBody(asFixtures(createGroupUsers, { ...global, userIds: [] })),
    async run(body) {
      const log = newLog();
      await checkedCreate(log, reader, 'Group', body, {
        method: 'POST',
        path: '/Groups',
        body: json(body),
      });
      return log.outcome();
    },
    reset: async () => {},
  });

  // replace-user / replace-group
  const replaced = await createFixtures(context, 'fz-replace', 3, 1);
  const replacedFixtures = asFixtures(replaced, global);
  targets.push({
    name: 'replace',
    description:
      'PUT /Users/{id} and PUT /Groups/{id} with generated bodies, sometimes with If-Match',
    arbitrary: fc.oneof(
      fc.tuple(
        fc.constant('User' as const),
        fc.constantFrom(...replaced.userIds),
        userBody(replacedFixtures),
        sometimes(etagHeader),
      ),
      fc.tuple(
        fc.constant('Group' as const),
        fc.constantFrom(...replaced.groupIds),
        groupBody(asFixtures({ ...replaced, groupIds: [] }, { ...global, userIds: [] })),
        sometimes(etagHeader),
      ),
    ),
    async run(input) {
      const [type, id, body, ifMatch] = input as ['User' | 'Group', string, unknown, string | null];
      const log = newLog();
      await checkedWrite(log, reader, type, id, {
        method: 'PUT',
        path: `/${type}s/${id}`,
        body: json(body),
        ...(ifMatch === null ? {} : { headers: { 'if-match': ifMatch } }),
      });
      return log.outcome();
    },
    reset: () => resetFixtures(context, replaced),
  });

  // raw: broken JSON, bytes, base64, deep nesting, BOM, on every write route.
  const raw = await createFixtures(context, 'fz-raw', 2, 1);
  const rawUser = raw.userIds[0] as string;
  const rawGroup = raw.groupIds[0] as string;
  const rawFixtures = asFixtures(raw, global);
  const rawRoutes = [
    { method: 'POST', path: '/Users', body: userBody(rawFixtures) },
    { method: 'POST', path: '/Groups', body: groupBody(rawFixtures) },
    {
      method: 'PATCH',
      path: `/Users/${rawUser}`,
      body: patchBody('User', rawFixtures),
      type: 'User' as const,
      id: rawUser,
    },
    {
      method: 'PATCH',
      path: `/Groups/${rawGroup}`,
      body: patchBody('Group', rawFixtures),
      type: 'Group' as const,
      id: rawGroup,
    },
    {
      method: 'PUT',
      path: `/Users/${rawUser}`,
      body: userBody(rawFixtures),
      type: 'User' as const,
      id: rawUser,
    },
    { method: 'POST', path: '/Bulk', body: fc.constant({ schemas: [BULK_URN], Operations: [] }) },
    {
      method: 'POST',
      path: '/Users/.search',
      body: fc.constant({ schemas: [SEARCH_URN], filter: 'userName pr' }),
    },
  ];
  targets.push({
    name: 'raw',
    description:
      'raw request bodies on every write route: truncated and trailing-garbage JSON, random text and bytes, base64, BOM, 200,000-deep nesting, duplicate keys, prototype keys',
    arbitrary: fc
      .nat(rawRoutes.length - 1)
      .chain((index) =>
        fc.tuple(
          fc.constant(index),
          rawBody((rawRoutes[index] as (typeof rawRoutes)[number]).body),
          contentType,
        ),
      ),
    async run(input) {
      const [index, { body, isBase64Encoded }, type] = input as [
        number,
        { body: string; isBase64Encoded?: boolean },
        string | undefined,
      ];
      const route = rawRoutes[index] as (typeof rawRoutes)[number];
      const log = newLog();
      const invocation: Invocation = {
        method: route.method,
        path: route.path,
        body,
        ...(isBase64Encoded ? { isBase64Encoded } : {}),
        headers: { 'content-type': type },
      };
      if ('id' in route && route.type !== undefined) {
        await checkedWrite(log, reader, route.type, route.id as string, invocation);
      } else {
        const answer = await log.send(invocation);
        if (answer.status === 201 && answer.headers.location)
          await removeCreated(log, [answer.headers.location]);
      }
      return log.outcome();
    },
    reset: () => resetFixtures(context, raw),
  });

  // headers: content types, preconditions, bad tokens, header case.
  const headed = await createFixtures(context, 'fz-headers', 1, 0);
  const headedUser = headed.userIds[0] as string;
  const headerArbitrary = fc.record(
    {
      method: fc.constantFrom('GET', 'PATCH', 'PUT'),
      contentType,
      ifMatch: etagHeader,
      ifNoneMatch: etagHeader,
      authorization: sometimes(junkAuthorization, 7),
      upperCase: fc.boolean(),
      accept: fc.constantFrom('application/scim+json', 'application/xml', '*/*', 'text/html'),
    },
    { requiredKeys: ['method'] },
  );
  targets.push({
    name: 'headers',
    description:
      'GET/PATCH/PUT /Users/{id} with random Content-Type, If-Match, If-None-Match, Accept, junk Authorization and upper-case header names',
    arbitrary: headerArbitrary,
    async run(input) {
      const headers = input as {
        method: string;
        contentType?: string | undefined;
        ifMatch?: string;
        ifNoneMatch?: string;
        authorization?: string | null;
        upperCase?: boolean;
        accept?: string;
      };
      const name = (header: string) => (headers.upperCase ? header.toUpperCase() : header);
      const sent: Record<string, string | undefined> = {
        ...('contentType' in headers ? { [name('content-type')]: headers.contentType } : {}),
        ...(headers.ifMatch !== undefined ? { [name('if-match')]: headers.ifMatch } : {}),
        ...(headers.ifNoneMatch !== undefined
          ? { [name('if-none-match')]: headers.ifNoneMatch }
          : {}),
        ...(typeof headers.authorization === 'string'
          ? { [name('authorization')]: headers.authorization }
          : {}),
        ...(headers.accept !== undefined ? { [name('accept')]: headers.accept } : {}),
      };
      const log = newLog();
      const body =
        headers.method === 'PATCH'
          ? json({
              schemas: [PATCH_OP_URN],
              Operations: [{ op: 'replace', path: 'title', value: 'Header fuzz' }],
            })
          : headers.method === 'PUT'
            ? json(headed.userBodies[0])
            : undefined;
      const answer = await checkedWrite(log, reader, 'User', headedUser, {
        method: headers.method,
        path: `/Users/${headedUser}`,
        ...(body === undefined ? {} : { body }),
        headers: sent,
      });
      if (typeof headers.authorization === 'string' && answer.status !== 401) {
        log.problem('unexpected', `a junk Authorization header was answered ${answer.status}`);
      }
      return log.outcome();
    },
    reset: () => resetFixtures(context, headed),
  });

  // paths: methods and ids no route expects.
  targets.push({
    name: 'paths',
    description:
      'any method on junk paths and ids: unknown, over-long, multi-byte and percent-encoded ids, trailing slashes, discovery ids, wrong-case segments',
    arbitrary: fc.tuple(
      fc.constantFrom(
        'GET',
        'GET',
        'PATCH',
        'PUT',
        'DELETE',
        'POST',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'get',
      ),
      fc.constantFrom(
        '/Users/',
        '/Groups/',
        '/Schemas/',
        '/ResourceTypes/',
        '/users/',
        '/Bulk/',
        '/',
        '/Me/',
        '/ServiceProviderConfig/',
      ),
      fc.oneof(
        fc.uuid(),
        fc
          .string({ maxLength: 20 })
          .map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))),
        fc.constantFrom(
          '',
          '.search',
          '%',
          '%E0%A4%A',
          '%2F',
          '..',
          'a/b',
          'x'.repeat(600),
          encodeURIComponent('中'.repeat(400)),
          encodeURIComponent('\u0958'.repeat(300)),
          'urn:ietf:params:scim:schemas:core:2.0:User',
          'user',
        ),
      ),
      sometimes(attributePath('User'), 4),
    ),
    async run(input) {
      const [method, base, id, attributes] = input as [string, string, string, string | null];
      const log = newLog();
      await log.send({
        method,
        path: `${base}${id}`,
        ...(attributes === null ? {} : { query: `attributes=${encodeURIComponent(attributes)}` }),
        ...(method === 'GET' || method === 'DELETE' || method === 'HEAD'
          ? {}
          : { body: json({ schemas: [USER_URN], userName: 'path.fuzz@fuzz.test' }) }),
      });
      if (method === 'POST' || method === 'PUT') {
        // A POST on an unexpected path must never create anything.
        const guard = await reader.guard('User', 'path.fuzz@fuzz.test');
        if (guard !== undefined) log.problem('unexpected', `${method} ${base}${id} created a user`);
      }
      return log.outcome();
    },
    reset: async () => {},
  });

  // bulk
  const bulked = await createFixtures(context, 'fz-bulk', 3, 1);
  const bulkFixtures = asFixtures(bulked, { ...global, userIds: [], groupIds: [] });
  const bulkOperation = fc.oneof(
    fc.record(
      {
        method: fc.constantFrom('POST', 'post', 'PUT', 'PATCH', 'DELETE', 'GET', 'x'),
        path: fc.oneof(
          fc.constantFrom(
            '/Users',
            '/Groups',
            '/Users/bulkId:u1',
            '/Groups/bulkId:g1',
            '/Bulk',
            '/Users/',
            'Users',
            '',
            '/Schemas',
          ),
          fc.constantFrom(
            ...bulked.userIds.map((id) => `/Users/${id}`),
            ...bulked.groupIds.map((id) => `/Groups/${id}`),
          ),
          fc.uuid().map((id) => `/Users/${id}`),
        ),
        bulkId: fc.constantFrom('u1', 'g1', 'u2', '', 'x y'),
        version: etagHeader,
        data: fc.oneof(
          userBody(bulkFixtures),
          groupBody(bulkFixtures),
          patchBody('Group', bulkFixtures),
          patchBody('User', bulkFixtures),
        ),
      },
      { requiredKeys: ['method', 'path'] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  targets.push({
    name: 'bulk',
    description:
      'POST /Bulk with up to 8 generated operations (bulkId references, cycles, unknown methods and paths, bodies of every kind); created resources are deleted again',
    arbitrary: fc.record(
      {
        schemas: fc.constant([BULK_URN]),
        failOnErrors: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(null)),
        Operations: fc.array(bulkOperation, { maxLength: 8 }),
      },
      { requiredKeys: ['Operations'] },
    ),
    async run(body) {
      const log = newLog();
      // DELETE of a fixture would leave nothing to fuzz: such operations are dropped.
      const operations = ((body as { Operations: unknown[] }).Operations ?? []).filter(
        (operation) =>
          !(
            typeof operation === 'object' &&
            operation !== null &&
            String((operation as { method?: unknown }).method).toUpperCase() === 'DELETE' &&
            [...bulked.userIds, ...bulked.groupIds].some((id) =>
              String((operation as { path?: unknown }).path).includes(id),
            )
          ),
      );
      const answer = await log.send({
        method: 'POST',
        path: '/Bulk',
        body: json({ ...(body as object), Operations: operations }),
      });
      const created: string[] = [];
      for (const result of (answer.body?.Operations ?? []) as {
        status?: string;
        location?: string;
        method?: string;
      }[]) {
        const status = Number(result.status);
        if (!Number.isInteger(status) || status >= 500) {
          log.problem(
            'server-error',
            `bulk operation answered ${result.status}: ${json(result).slice(0, 300)}`,
          );
        }
        if (status === 201 && result.location) created.push(result.location);
      }
      // Users first would leave their memberships to clean; groups go first.
      created.sort((a, b) => Number(a.includes('/Users/')) - Number(b.includes('/Users/')));
      const live: string[] = [];
      for (const location of created) {
        const path = location.slice(location.indexOf('/scim/v2') + '/scim/v2'.length);
        if ((await harness.invoke({ method: 'GET', path })).status === 200) live.push(location);
      }
      await removeCreated(log, live);
      return log.outcome();
    },
    reset: () => resetFixtures(context, bulked),
  });

  return targets;
}

/** The ids and names every target's generators may name: a few users and groups. */
export async function createGlobalFixtures(context: FuzzContext): Promise<FuzzFixtures> {
  const own = await createFixtures(context, 'fz-global', 8, 3);
  // One user whose e-mail, external id and name sit beyond the key limit (left out of indexes).
  const long = await context.harness.invoke({
    method: 'POST',
    path: '/Users',
    body: json({
      schemas: [USER_URN],
      userName: `long.${'x'.repeat(200)}@fuzz.test`,
      externalId: '中'.repeat(400),
      emails: [{ type: 'work', value: `${'\u0958'.repeat(300)}@fuzz.test` }],
    }),
  });
  if (long.status !== 201) throw new Error(`fixture user: ${long.status} ${long.text}`);
  return {
    userIds: [...own.userIds, long.body.id],
    userNames: own.userBodies.map((body) => body.userName as string),
    groupIds: own.groupIds,
    groupNames: own.groupBodies.map((body) => body.displayName as string),
  };
}
