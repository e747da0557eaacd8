/**
 * The membership cleanup that outlives the requests deleting users and groups. Each delete writes
 * a cleanup marker in its own transaction and then deletes what memberships it can (a group's
 * DELETE for a bounded time, a user's through the eventually consistent byMember index); the
 * scheduled sweeper (`functions/groups/sweep-memberships.ts`) finishes the rest from the markers.
 */
import { type Cleanup, pendingCleanups, removeCleanup } from '../store/cleanups.js';
import { removeAllMembers, removeIndexedMemberships } from '../store/memberships.js';

/**
 * A cleanup marker is removed only when nothing is left and the marker is older than this: by
 * then every request that read the group (or checked the user) before the delete has ended (the
 * functions time out after 10 s), so none can still write a membership the sweep would miss, and
 * the byMember index has caught up with every membership of a deleted user.
 */
export const CLEANUP_GRACE_MS = 5 * 60_000;

/**
 * What a user's or group's DELETE did about its memberships after the delete itself succeeded
 * (for the request's log line; the answer is 204 whatever it says, the marker guaranteeing the
 * rest): all deleted, some left for the sweeper for lack of time, or the cleanup failed (with the
 * error's name).
 */
export type DeleteOutcome = {
  readonly membershipCleanup: 'done' | 'deferred' | 'failed';
  readonly cleanupError?: string;
};

/** What one run of the sweeper did. */
export interface SweepResult {
  /** Deleted users and groups whose membership items were all deleted in this run. */
  readonly emptied: number;
  /** Markers removed (emptied and past the grace period). */
  readonly finished: number;
  /** Markers left unfinished for lack of time (at least; the rest of a page is not counted). */
  readonly pending: number;
}

/**
 * Finishes the membership cleanup of deleted groups and users: deletes the membership items a
 * group's DELETE left behind and any membership of a deleted user the byMember index showed late,
 * within `budgetMs`; removes each marker once nothing is left and the grace period is over. Run
 * on a schedule (e.g. every 5 minutes).
 *
 * @example const { pending } = await sweepCleanups(55_000);
 */
export async function sweepCleanups(budgetMs: number): Promise<SweepResult> {
  const deadline = Date.now() + budgetMs;
  const result = { emptied: 0, finished: 0, pending: 0 };
  for (const type of ['Group', 'User'] as const) {
    let next: Record<string, unknown> | undefined;
    do {
      const page = await pendingCleanups(type, 100, next);
      for (const cleanup of page.cleanups) await sweepOne(cleanup, deadline, result);
      next = page.next;
    } while (next && Date.now() < deadline);
    if (next) result.pending += 1;
  }
  return result;
}

async function sweepOne(
  cleanup: Cleanup,
  deadline: number,
  result: { emptied: number; finished: number; pending: number },
): Promise<void> {
  if (Date.now() > deadline) {
    result.pending += 1;
    return;
  }
  if (cleanup.type === 'Group') {
    if (!(await removeAllMembers(cleanup.id, deadline))) {
      result.pending += 1;
      return;
    }
  } else {
    await removeIndexedMemberships(cleanup.id);
  }
  result.emptied += 1;
  if (Date.now() - Date.parse(cleanup.deletedAt) > CLEANUP_GRACE_MS) {
    await removeCleanup(cleanup.type, cleanup.id);
    result.finished += 1;
  }
}
