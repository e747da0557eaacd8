/**
 * The worst handler CPU time of hostile requests of at most 1 MiB (issue 10: none may take more
 * than 100 ms): deep nesting, wide multi-valued PATCHes, long PATCHes over a full attribute,
 * look-alike names, a full Bulk, a large member PATCH. Each request goes through the real handler
 * modules in this process (the fuzz harness, no socket), one at a time, and is timed with
 * `process.cpuUsage()`: user plus system CPU of this process while the handler runs, which
 * includes the AWS SDK's work and leaves out DynamoDB Local (a separate Java process).
 */
import { limits } from '../../shared/config.js';
import { createHarness, type Invocation } from '../fuzz/harness.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** The goal each case is checked against. */
export const HANDLER_CPU_GOAL_MS = 100;

export interface WorstCase {
  readonly name: string;
  readonly bytes: number;
  /** Statuses answered (a case runs several times). */
  readonly statuses: readonly number[];
  /**
   * The request's handler CPU: the median of its runs, in milliseconds. The goal is checked on
   * it: one run may also pay for a garbage collection or a JIT compilation of earlier work, which
   * `process.cpuUsage()` counts (V8 does both on background threads of the same process).
   */
  readonly cpuMs: number;
  /** The most CPU one run took: the median plus whatever landed in that run. */
  readonly worstCpuMs: number;
  readonly wallMs: number;
}

export interface WorstCaseReport {
  readonly runs: number;
  readonly cases: readonly WorstCase[];
}

interface CaseDefinition {
  readonly name: string;
  /** Builds the request; runs once before the timed runs, so fixtures can be created. */
  build(): Promise<Invocation>;
}

/**
 * Sends each hostile request `runs` times (after one untimed run that warms the code path) and
 * reports its worst CPU time. The environment must already point at a table (bench stack).
 */
export async function measureWorstCases(token: string, runs = 5): Promise<WorstCaseReport> {
  const harness = createHarness(token);
  const send = (invocation: Invocation) => harness.invoke(invocation);
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}.${Date.now()}.${counter++}@worst.example.com`;
  const createUser = async (extra: Record<string, unknown> = {}): Promise<string> => {
    const answer = await send({
      method: 'POST',
      path: '/Users',
      body: JSON.stringify({ schemas: [USER], userName: fresh('fixture'), ...extra }),
    });
    if (answer.status !== 201) throw new Error(`fixture user: ${answer.status} ${answer.text}`);
    return answer.body.id as string;
  };
  const emails = (count: number, prefix: string, width = 0) =>
    Array.from({ length: count }, (_, index) => ({
      type: 'work',
      value: `${prefix}.${index}.${'x'.repeat(width)}@example.com`,
    }));
  const patch = (id: string, operations: unknown[], resource = 'Users'): Invocation => ({
    method: 'PATCH',
    path: `/${resource}/${id}`,
    body: JSON.stringify({ schemas: [PATCH_OP], Operations: operations }),
  });
  const fullUser = await createUser({ emails: emails(limits.maxMultiValues, 'full') });
  const createGroup = async (members: readonly string[] = []): Promise<string> => {
    const answer = await send({
      method: 'POST',
      path: '/Groups',
      body: JSON.stringify({
        displayName: `Worst ${Date.now()} ${counter++}`,
        members: members.map((value) => ({ value })),
      }),
    });
    if (answer.status !== 201) throw new Error(`fixture group: ${answer.status} ${answer.text}`);
    return answer.body.id as string;
  };
  const group = await createGroup();
  const bulk = (operations: unknown[]): Invocation => ({
    method: 'POST',
    path: '/Bulk',
    body: JSON.stringify({ schemas: [BULK], Operations: operations }),
  });
  /** Users created 20 to a Bulk request, to be members. */
  const createUsers = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    while (ids.length < count) {
      const size = Math.min(limits.maxBulkOperations, count - ids.length);
      const answer = await send(
        bulk(
          Array.from({ length: size }, (_, index) => ({
            method: 'POST',
            path: '/Users',
            bulkId: `u${index}`,
            data: { schemas: [USER], userName: fresh('member') },
          })),
        ),
      );
      for (const operation of answer.body.Operations as { status: string; location: string }[]) {
        if (operation.status !== '201') throw new Error(`fixture member: ${operation.status}`);
        ids.push(operation.location.slice(operation.location.lastIndexOf('/') + 1));
      }
    }
    return ids;
  };
  const members = await createUsers(limits.maxPatchMembers * 2);
  const addMembers = (groupId: string, ids: readonly string[]) =>
    patch(
      groupId,
      [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
      'Groups',
    );

  const cases: CaseDefinition[] = [
    {
      name: 'POST /Users, name wrapped in 5,000 arrays',
      build: async () => ({
        method: 'POST',
        path: '/Users',
        body: `{"schemas":["${USER}"],"userName":"${fresh('deep')}","name":${'['.repeat(5_000)}1${']'.repeat(5_000)}}`,
      }),
    },
    {
      name: 'POST /Users, 1 MiB of 250,000 nested brackets inside a string and 32 levels',
      build: async () => {
        const head = `{"schemas":["${USER}"],"userName":"${fresh('brackets')}","x":${'['.repeat(31)}"`;
        const tail = `"${']'.repeat(31)}}`;
        return {
          method: 'POST',
          path: '/Users',
          body: head + '['.repeat(limits.maxBodyBytes - head.length - tail.length) + tail,
        };
      },
    },
    {
      name: 'PATCH add of 10,000 e-mails in one operation',
      build: async () =>
        patch(await createUser(), [{ op: 'add', path: 'emails', value: emails(10_000, 'wide') }]),
    },
    {
      name: `PATCH, ${limits.maxPatchOperations} operations re-adding e-mails of a user holding ${limits.maxMultiValues}`,
      build: async () =>
        patch(
          fullUser,
          Array.from({ length: limits.maxPatchOperations }, (_, index) => ({
            op: 'add',
            path: 'emails',
            value: [{ value: `FULL.${index % limits.maxMultiValues}.@EXAMPLE.COM`, type: 'work' }],
          })),
        ),
    },
    {
      name: `PATCH, ${limits.maxPatchOperations} filtered replaces over ${limits.maxMultiValues} e-mails`,
      build: async () =>
        patch(
          fullUser,
          Array.from({ length: limits.maxPatchOperations }, (_, index) => ({
            op: 'replace',
            path: `emails[type eq "work" and value co "${index % 10}"].display`,
            value: `d${index}`,
          })),
        ),
    },
    {
      name: 'PATCH remove with a value list of 10,000 e-mails',
      build: async () =>
        patch(fullUser, [{ op: 'remove', path: 'emails', value: emails(10_000, 'gone', 40) }]),
    },
    {
      name: `POST /Users, ${limits.maxMultiValues} e-mails of 9 KB each (1 MiB)`,
      build: async () => ({
        method: 'POST',
        path: '/Users',
        body: JSON.stringify({
          schemas: [USER],
          userName: fresh('big'),
          emails: emails(limits.maxMultiValues, 'big', 9_000),
        }),
      }),
    },
    {
      name: 'POST /Users, look-alike userName of 256 U+FDFA (NFKC: 18 characters each)',
      build: async () => ({
        method: 'POST',
        path: '/Users',
        body: JSON.stringify({ schemas: [USER], userName: '\ufdfa'.repeat(256) }),
      }),
    },
    {
      name: `POST /Bulk, ${limits.maxBulkOperations} creates with ${limits.maxMultiValues} e-mails each`,
      build: async () => {
        const tag = fresh('bulk');
        return {
          method: 'POST',
          path: '/Bulk',
          body: JSON.stringify({
            schemas: [BULK],
            Operations: Array.from({ length: limits.maxBulkOperations }, (_, index) => ({
              method: 'POST',
              path: '/Users',
              bulkId: `b${index}`,
              data: {
                schemas: [USER],
                userName: `${index}.${tag}`,
                emails: emails(limits.maxMultiValues, `${index}`, 20),
              },
            })),
          }),
        };
      },
    },
    {
      name: `PATCH /Groups, ${limits.maxPatchMembers} members that are not users`,
      build: async () =>
        patch(
          group,
          [
            {
              op: 'add',
              path: 'members',
              value: Array.from({ length: limits.maxPatchMembers }, (_, index) => ({
                value: `no-such-user-${index}`,
              })),
            },
          ],
          'Groups',
        ),
    },
    {
      name: `PATCH /Groups adding ${limits.maxPatchMembers} users (valid)`,
      build: async () => addMembers(await createGroup(), members.slice(0, limits.maxPatchMembers)),
    },
    {
      name: `DELETE /Groups of a group of ${limits.maxPatchMembers * 2} members`,
      build: async () => {
        const id = await createGroup();
        for (let start = 0; start < members.length; start += limits.maxPatchMembers) {
          const answer = await send(
            addMembers(id, members.slice(start, start + limits.maxPatchMembers)),
          );
          if (answer.status !== 204) throw new Error(`fixture members: ${answer.status}`);
        }
        return { method: 'DELETE', path: `/Groups/${id}` };
      },
    },
    {
      name: `PATCH /Groups removing all of ${limits.maxPatchMembers * 2} members (refused)`,
      build: async () => {
        const id = await createGroup();
        for (let start = 0; start < members.length; start += limits.maxPatchMembers) {
          await send(addMembers(id, members.slice(start, start + limits.maxPatchMembers)));
        }
        return patch(id, [{ op: 'remove', path: 'members' }], 'Groups');
      },
    },
    {
      name: 'DELETE /Users of a user in 200 groups',
      build: async () => {
        const [user] = await createUsers(1);
        for (let start = 0; start < 200; start += limits.maxBulkOperations) {
          await send(
            bulk(
              Array.from({ length: limits.maxBulkOperations }, (_, index) => ({
                method: 'POST',
                path: '/Groups',
                bulkId: `g${index}`,
                data: {
                  displayName: `Worst ${Date.now()} ${counter++}`,
                  members: [{ value: user }],
                },
              })),
            ),
          );
        }
        return { method: 'DELETE', path: `/Users/${user}` };
      },
    },
    {
      name: `POST /Bulk, ${limits.maxBulkOperations} user DELETEs (past the work budget)`,
      build: async () =>
        bulk(
          (await createUsers(limits.maxBulkOperations)).map((id) => ({
            method: 'DELETE',
            path: `/Users/${id}`,
          })),
        ),
    },
    {
      name: `POST /Bulk, ${limits.maxBulkOperations} PATCHes each adding ${limits.maxPatchMembers / 2} members`,
      build: async () => {
        const groups = await Promise.all(
          Array.from({ length: limits.maxBulkOperations }, () => createGroup()),
        );
        return bulk(
          groups.map((id, index) => ({
            method: 'PATCH',
            path: `/Groups/${id}`,
            data: {
              schemas: [PATCH_OP],
              Operations: [
                {
                  op: 'add',
                  path: 'members',
                  value: members
                    .slice(index * 50, index * 50 + limits.maxPatchMembers / 2)
                    .map((value) => ({ value })),
                },
              ],
            },
          })),
        );
      },
    },
    {
      name: `POST /Bulk, ${limits.maxBulkOperations} PUTs of users with ${limits.maxMultiValues} e-mails each`,
      build: async () => {
        const ids = await createUsers(limits.maxBulkOperations);
        return bulk(
          ids.map((id, index) => ({
            method: 'PUT',
            path: `/Users/${id}`,
            data: {
              schemas: [USER],
              userName: fresh(`put${index}`),
              emails: emails(limits.maxMultiValues, `put${index}`, 20),
            },
          })),
        );
      },
    },
  ];

  const results: WorstCase[] = [];
  for (const definition of cases) {
    const statuses: number[] = [];
    const cpuRuns: number[] = [];
    let wallMs = 0;
    let bytes = 0;
    for (let run = 0; run <= runs; run++) {
      // A fresh request each run: creates need fresh names, and a run may change its fixture.
      const invocation = await definition.build();
      bytes = Buffer.byteLength(invocation.body ?? '', 'utf8');
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const answer = await send(invocation);
      const wall = performance.now() - wallBefore;
      const cpu = process.cpuUsage(cpuBefore);
      if (run === 0) continue; // the untimed warm-up
      statuses.push(answer.status);
      cpuRuns.push((cpu.user + cpu.system) / 1000);
      wallMs = Math.max(wallMs, wall);
    }
    const sorted = [...cpuRuns].sort((a, b) => a - b);
    results.push({
      name: definition.name,
      bytes,
      statuses: [...new Set(statuses)],
      cpuMs: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
      worstCpuMs: sorted.at(-1) ?? 0,
      wallMs,
    });
  }
  return { runs, cases: results };
}

/** The issue 10 goal as a row of the report's targets table. */
export function worstCaseTarget(report: WorstCaseReport): {
  target: string;
  measured: string;
  met: boolean;
} {
  const worst = Math.max(...report.cases.map((c) => c.cpuMs));
  return {
    target: `handler CPU of a hostile request of at most 1 MiB ≤ ${HANDLER_CPU_GOAL_MS} ms (issue 10; median of its runs)`,
    measured: `worst ${worst.toFixed(1)} ms over ${report.cases.length} kinds`,
    met: worst <= HANDLER_CPU_GOAL_MS,
  };
}

/** The Markdown section of the benchmark report. */
export function renderWorstCases(report: WorstCaseReport): string[] {
  const worst = report.cases.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  return [
    '## Hostile requests: handler CPU (issue 10)',
    '',
    `${report.runs} runs each, after one untimed run; CPU time of the handler's process (user + system) while it ran. A request's CPU is the median of its runs; the most one run took is beside it (a garbage collection or a JIT compilation of earlier work, on V8's background threads, can land in any run). Goal: at most ${HANDLER_CPU_GOAL_MS} ms for any request of at most 1 MiB. **Worst: ${worst.cpuMs.toFixed(1)} ms** (${worst.name}).`,
    '',
    '| request | bytes | status | CPU ms (median) | most in one run | worst wall ms |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...report.cases.map(
      (c) =>
        `| ${c.name} | ${c.bytes.toLocaleString('en-US')} | ${c.statuses.join(', ')} | ${c.cpuMs.toFixed(1)} | ${(c.worstCpuMs ?? c.cpuMs).toFixed(1)} | ${c.wallMs.toFixed(1)} |`,
    ),
    '',
  ];
}
