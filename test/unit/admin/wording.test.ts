import { describe, expect, it } from 'vitest';
import { assessHealth, latestCycle } from '../../../shared/admin/reports/health.js';
import {
  auditTitle,
  failureTitle,
  membershipTitle,
  outcomeTitle,
  requestTitle,
} from '../../../shared/admin/reports/wording.js';
import { changeLogFields, MAX_LOGGED_MEMBER_IDS } from '../../../shared/http/responses.js';
import type { ReportRecord } from '../../../shared/store/reports.js';

const at = '2026-12-07T12:00:00.000Z';
const request = (fields: Partial<ReportRecord> & Pick<ReportRecord, 'operation' | 'status'>) =>
  ({ timestamp: at, ...fields }) as ReportRecord;

describe('the words of a request', () => {
  it.each([
    [{ operation: 'createUser', status: 201 }, 'Created user'],
    [{ operation: 'patchUser', status: 204 }, 'Updated user'],
    [{ operation: 'patchUser', status: 200, activeChange: 'deactivated' }, 'Deactivated user'],
    [{ operation: 'replaceUser', status: 200, activeChange: 'reactivated' }, 'Reactivated user'],
    [{ operation: 'deleteUser', status: 204 }, 'Deleted user'],
    [{ operation: 'getUser', status: 200 }, 'Read user'],
    [{ operation: 'createUser', status: 409, scimType: 'uniqueness' }, 'Could not create a user'],
    [
      { operation: 'patchGroup', status: 204, membersAdded: 3, membersRemoved: 0 },
      'Added 3 members',
    ],
    [
      { operation: 'patchGroup', status: 204, membersAdded: 0, membersRemoved: 1 },
      'Removed 1 member',
    ],
    [
      { operation: 'replaceGroup', status: 200, membersAdded: 2, membersRemoved: 5 },
      'Added 2 members, removed 5',
    ],
    [{ operation: 'patchGroup', status: 204 }, 'Updated group'],
    [
      { operation: 'createGroup', status: 201, membersAdded: 1, membersRemoved: 0 },
      'Created group with 1 member',
    ],
    [
      {
        operation: 'listUsers',
        status: 200,
        filterAttribute: 'userName',
        probe: true,
        totalResults: 0,
      },
      'Test Connection: looked up a user',
    ],
    [
      { operation: 'listUsers', status: 200, filterAttribute: 'userName', totalResults: 0 },
      'Looked up a user by user name: not found',
    ],
    [
      { operation: 'listGroups', status: 200, filterAttribute: 'displayName', totalResults: 1 },
      'Looked up a group by display name',
    ],
    [{ operation: 'listUsers', status: 200 }, 'Listed users'],
    [{ operation: 'bulk', status: 200 }, 'Sent a batch of changes'],
    [{ operation: 'getServiceProviderConfig', status: 200 }, 'Read what GroupTalk supports'],
    [{ operation: 'somethingNew', status: 500 }, 'Request failed (somethingNew)'],
  ] as const)('%o → %s', (fields, title) => {
    expect(requestTitle(request(fields as never))).toBe(title);
  });

  it("says what a group's write did to a member, without a hashed name", () => {
    expect(membershipTitle('added', 'Sales')).toBe('Added to group "Sales"');
    expect(membershipTitle('removed', 'Sales')).toBe('Removed from group "Sales"');
    expect(membershipTitle('added', 'hmac:0123abcd')).toBe('Added to a group');
    expect(
      requestTitle(
        request({ operation: 'patchGroup', status: 204, membership: 'removed', groupName: 'Ops' }),
      ),
    ).toBe('Removed from group "Ops"');
  });

  it('says what a failure means in a sentence', () => {
    expect(failureTitle(409, 'uniqueness')).toBe(
      'GroupTalk already holds a user or group with that name.',
    );
    expect(failureTitle(401)).toBe('GroupTalk refused the credential Entra used.');
    expect(failureTitle(502)).toBe('Something failed on the GroupTalk side.');
  });

  it("says a report row's operation in words", () => {
    expect(outcomeTitle('listUsers', 200)).toBe('Looked up users');
    expect(outcomeTitle('createUser', 201)).toBe('Created user');
    expect(outcomeTitle('createUser', 409)).toBe('Could not create a user');
    expect(outcomeTitle('patchGroup', 204)).toBe('Updated group (members or attributes)');
  });

  it('says admin actions in words, a new one from its name', () => {
    expect(auditTitle('generateSecretToken')).toBe('Generated a Secret Token');
    expect(auditTitle('signInRefused')).toBe('Sign-in refused');
    expect(auditTitle('rotateSomething')).toBe('Rotate something');
  });
});

describe("a group write's log fields", () => {
  it('always count the member changes and list at most 100 ids each way', () => {
    const many = Array.from({ length: 250 }, (_, index) => `u${index}`);
    const fields = changeLogFields({ membersAdded: many, membersRemoved: ['x'] });
    expect(fields).toEqual({
      membersAdded: 250,
      membersRemoved: 1,
      addedMemberIds: many.slice(0, MAX_LOGGED_MEMBER_IDS),
      removedMemberIds: ['x'],
    });
    expect(changeLogFields({ active: 'deactivated' })).toEqual({ activeChange: 'deactivated' });
    expect(changeLogFields(undefined)).toEqual({});
  });
});

const minute = 60_000;
const t = (minutesAgo: number) => new Date(Date.parse(at) - minutesAgo * minute).toISOString();

describe("Entra's latest provisioning cycle", () => {
  it('is the run of requests up to the latest one without a gap of more than 10 minutes', () => {
    const newestFirst = [
      { timestamp: t(0), status: 200 },
      { timestamp: t(3), status: 409, scimType: 'uniqueness' },
      { timestamp: t(12), status: 201 }, // 9 minutes before the previous: same cycle
      { timestamp: t(52), status: 500 }, // 40 minutes before: the cycle before
      { timestamp: t(53), status: 200 },
    ];
    const cycle = latestCycle(newestFirst, true);
    expect(cycle).toMatchObject({ from: t(12), to: t(0), requests: 3, failures: 1 });
    expect(cycle).not.toHaveProperty('partial');
    expect(latestCycle([], true)).toBeNull();
    // Everything read belongs to the cycle but the period holds more: it may start earlier.
    expect(latestCycle(newestFirst.slice(0, 2), false)).toMatchObject({ partial: true });
  });

  it('is healthy, attention, failing or idle', () => {
    const judge = (statuses: number[], periodFailures = 0) =>
      assessHealth({
        days: 7,
        newestFirst: statuses.map((status, index) => ({
          timestamp: t(index),
          status,
          callerKind: 'service-token',
        })),
        complete: true,
        latest: statuses.length
          ? [
              request({
                timestamp: t(0),
                operation: 'patchUser',
                status: statuses[0] as number,
                callerKind: 'service-token',
              }),
            ]
          : [],
        periodFailures,
      });
    expect(judge([])).toMatchObject({ state: 'idle', lastCall: null, lastCycle: null });
    expect(judge([]).summary).toBe(
      'Entra has not called GroupTalk in the last 7 days; if provisioning is on in Microsoft Entra ID, check its status there.',
    );
    const healthy = judge([200, 201, 204]);
    expect(healthy).toMatchObject({
      state: 'healthy',
      lastCall: { at: t(0), title: 'Updated user', outcome: 'succeeded' },
      lastCycle: { requests: 3, failures: 0 },
    });
    expect(judge([200, 201], 4).summary).toBe(
      "Entra's latest provisioning cycle had no failures (2 requests); 4 earlier requests in the last 7 days failed.",
    );
    expect(judge([200, 409, 201, 204]).state).toBe('attention');
    expect(judge([200, 409, 201, 204]).summary).toBe(
      "1 of 4 requests failed in Entra's latest provisioning cycle: A change conflicted with another.",
    );
    expect(judge([404, 404, 200, 201]).state).toBe('failing');
    const tested = assessHealth({
      days: 1,
      newestFirst: [{ timestamp: t(0), status: 200, probe: true }],
      complete: true,
      latest: [
        request({
          operation: 'listUsers',
          status: 200,
          probe: true,
          filterAttribute: 'userName',
        }),
      ],
      periodFailures: 0,
    });
    expect(tested).toMatchObject({
      state: 'healthy',
      lastCall: { title: 'Test Connection: looked up a user' },
    });
    expect(tested.summary).toContain('Test Connection succeeded');
    // One refused credential is enough: every other request fails the same way.
    const refused = judge([200, 200, 200, 401]);
    expect(refused.state).toBe('failing');
    expect(refused.summary).toContain('GroupTalk refused the credential Entra used.');
  });

  it('leaves requests refused without any credential out of the cycle, and counts them apart', () => {
    const entra = {
      timestamp: t(30),
      status: 200,
      callerKind: 'entra-token',
      operation: 'getUser',
    };
    const stranger = { timestamp: t(0), status: 401, operation: 'listUsers' };
    const health = assessHealth({
      days: 1,
      newestFirst: [stranger, { ...stranger, timestamp: t(1) }, entra],
      complete: true,
      // Only the stranger's among the latest read in full: the last call is the cycle's outcome.
      latest: [request({ ...stranger })],
      periodFailures: 2,
    });
    expect(health).toMatchObject({
      state: 'healthy',
      lastCall: { at: t(30), title: 'Read user', outcome: 'succeeded' },
      lastCycle: { from: t(30), to: t(30), requests: 1, failures: 0 },
      unauthenticated: { requests: 2, last: t(0) },
    });
    expect(health.unauthenticated?.summary).toBe(
      `GroupTalk refused 2 requests without a valid credential in the last 24 hours, the latest at ${t(0)}: not Entra's, which sends its credential with each request. If a script of yours makes them, give it a credential of its own; otherwise there is nothing to do.`,
    );
    // A stranger alone: Entra did not call.
    const alone = assessHealth({
      days: 1,
      newestFirst: [stranger],
      complete: false,
      latest: [request({ ...stranger })],
      periodFailures: 1,
    });
    expect(alone).toMatchObject({ state: 'idle', unauthenticated: { requests: 1, atLeast: true } });
  });
});
