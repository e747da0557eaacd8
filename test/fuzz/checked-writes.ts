/**
 * Checks around the writes a case sends: a write that failed must leave its resource exactly as
 * it found it; a write that succeeded must have bumped the version it answered with; a failed
 * create must leave no name guard without its resource.
 */
import { CURRENT_VERSION, PREVIOUS_VERSION } from './arbitraries.js';
import { type CaseLog, json, same } from './case-log.js';
import type { Answer, Invocation } from './harness.js';
import type { TableReader } from './table.js';

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
export async function checkedWrite(
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
export async function removeCreated(log: CaseLog, locations: readonly string[]): Promise<void> {
  for (const location of locations) {
    const path = location.slice(location.indexOf('/scim/v2') + '/scim/v2'.length);
    const answer = await log.send({ method: 'DELETE', path });
    if (answer.status !== 204)
      log.problem('unexpected', `cleanup DELETE ${path}: ${answer.status}`);
  }
}

/** Checks a failed create left no trace: the unique name's guard is as before. */
export async function checkedCreate(
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
