/**
 * Health at a glance: is provisioning from Entra healthy, in one state and one sentence, from the
 * aggregated request items of the period (no extra log search).
 *
 * Entra's provisioning cycle. Entra runs a cycle about every 40 minutes; within one it sends its
 * requests back to back (an initial cycle spends 0.01 to 0.08 minutes per object), and a quiet
 * cycle sends none at all (/work/shared/entra/entra-scim-facts.md §3.4, Microsoft's "How
 * provisioning works" and "Plan an application provisioning deployment"). So the latest cycle is
 * read off the requests themselves: the run of requests ending at the latest one in which no two
 * consecutive requests are more than `CYCLE_GAP_MINUTES` apart. A gap that long never happens
 * inside a cycle and always between two (40 minutes apart); the cycle cannot reach before the
 * period either. At most `CYCLE_SCAN_LIMIT` requests are read for it: a longer run (an initial
 * cycle of a large directory) is reported as the latest `CYCLE_SCAN_LIMIT` with `partial: true`.
 *
 * Whose requests. Entra sends its credential with every request, so a request refused as
 * unauthorised with no caller on its log line (no bearer token, a malformed one, one no key of
 * GroupTalk's or the tenant's Entra signed) is not Entra's cycle: a scanner, a stale script. Those
 * are left out of the cycle and the last call and counted apart (`unauthenticated`), so that one
 * tokenless GET after a good cycle does not make health "failing". A refused token that a key of
 * GroupTalk's or the tenant's Entra did sign (a revoked or deleted credential, an expired access
 * token, an Entra token of another app) does name its caller on the log line
 * (`RefusedCredentialError` in `shared/http/auth.ts`): that is a credential someone was given
 * failing, most likely Entra's own, and it stays in the cycle. Any other request without a caller
 * (a 503 while the signing keys cannot be read, a throttled credential check) stays in it too:
 * the service failed before it could tell who called, and Entra's requests fail the same way.
 * Lines written before refused tokens named their caller count as unauthenticated.
 *
 * The states:
 * - `idle`: no request from Entra in the period.
 * - `failing`: the latest cycle's failures are half or more of its requests, or one of them was
 *   refused as unauthorised or forbidden (401, 403: every other request fails the same way, and
 *   Entra puts the job in quarantine).
 * - `attention`: the latest cycle had failures, fewer than that.
 * - `healthy`: the latest cycle had none (failures earlier in the period are mentioned: Entra
 *   retried them, or they are in the failures list). A latest "cycle" of Test Connection lookups
 *   only says so: nothing was provisioned since.
 */
import type { ReportRecord } from '../../store/reports.js';
import { count, failureTitle, outcomeTitle, requestTitle } from './wording.js';

/** The longest silence inside one provisioning cycle; cycles are ~40 minutes apart. */
export const CYCLE_GAP_MINUTES = 10;
/** Requests read to find the latest cycle's start (a page load reads at most this many items). */
export const CYCLE_SCAN_LIMIT = 2_000;

/** What a request the cycle is read from must hold. */
export type CycleRequest = Pick<
  ReportRecord,
  'timestamp' | 'status' | 'scimType' | 'probe' | 'callerKind'
> & { readonly operation?: string };

/** A request refused for want of any credential GroupTalk or the tenant's Entra issued. */
export function isUnauthenticated(request: Pick<ReportRecord, 'status' | 'callerKind'>): boolean {
  return request.status === 401 && !request.callerKind;
}

export interface ProvisioningCycle {
  readonly from: string;
  readonly to: string;
  readonly requests: number;
  readonly failures: number;
  /** The scan stopped at `CYCLE_SCAN_LIMIT` requests before the cycle's start. */
  readonly partial?: true;
}

export type HealthState = 'healthy' | 'attention' | 'failing' | 'idle';

export interface Health {
  readonly state: HealthState;
  readonly summary: string;
  readonly lastCall: {
    readonly at: string;
    readonly title: string;
    readonly outcome: 'succeeded' | 'failed';
  } | null;
  readonly lastCycle: ProvisioningCycle | null;
  /**
   * Requests of the period refused without a valid credential (not Entra's), when there were
   * any: how many among the requests read (`atLeast` when that was not all of the period's), the
   * latest, and one sentence about them.
   */
  readonly unauthenticated?: {
    readonly requests: number;
    readonly atLeast?: true;
    readonly last: string;
    readonly summary: string;
  };
}

/**
 * The latest cycle of `newestFirst` (requests of the period, newest first, as many as were read:
 * `complete` when that is all of the period's).
 *
 * @example latestCycle([{ timestamp: '…T12:00Z', status: 200 }, { timestamp: '…T11:20Z', status: 201 }], true)
 * // { from: '…T12:00Z', to: '…T12:00Z', requests: 1, failures: 0 }: 40 minutes is another cycle
 */
export function latestCycle(
  newestFirst: readonly CycleRequest[],
  complete: boolean,
  gapMinutes = CYCLE_GAP_MINUTES,
): (ProvisioningCycle & { readonly outcomes: readonly CycleRequest[] }) | null {
  const [latest] = newestFirst;
  if (!latest) return null;
  const gap = gapMinutes * 60_000;
  let earliest = latest;
  let index = 1;
  for (; index < newestFirst.length; index += 1) {
    const request = newestFirst[index] as CycleRequest;
    if (Date.parse(earliest.timestamp) - Date.parse(request.timestamp) > gap) break;
    earliest = request;
  }
  const cycle = newestFirst.slice(0, index);
  return {
    from: earliest.timestamp,
    to: latest.timestamp,
    requests: cycle.length,
    failures: cycle.filter((request) => request.status >= 400).length,
    ...(index === newestFirst.length && !complete ? { partial: true as const } : {}),
    outcomes: cycle,
  };
}

/** `24 hours`, `7 days`. */
function periodWords(days: number): string {
  return days <= 1 ? '24 hours' : `${days} days`;
}

/**
 * The health of the period.
 *
 * @param newestFirst the period's requests, newest first (at most `CYCLE_SCAN_LIMIT`)
 * @param complete whether those are all of the period's requests
 * @param latest the period's latest requests in full (for the last call's title), newest first
 * @param periodFailures failed requests in the whole period
 */
export function assessHealth(input: {
  readonly days: number;
  readonly newestFirst: readonly CycleRequest[];
  readonly complete: boolean;
  readonly latest: readonly ReportRecord[];
  readonly periodFailures: number;
}): Health {
  const entra = input.newestFirst.filter((request) => !isUnauthenticated(request));
  const refused = input.newestFirst.filter(isUnauthenticated);
  const unauthenticated = refused[0]
    ? {
        unauthenticated: unauthenticatedNote(
          refused.length,
          !input.complete,
          refused[0],
          input.days,
        ),
      }
    : {};
  const cycle = latestCycle(entra, input.complete);
  if (!cycle) {
    return {
      state: 'idle',
      summary: `Entra has not called GroupTalk in the last ${periodWords(input.days)}; if provisioning is on in Microsoft Entra ID, check its status there.`,
      lastCall: null,
      lastCycle: null,
      ...unauthenticated,
    };
  }
  const { outcomes, ...lastCycle } = cycle;
  // In full when it is among the latest requests read in full; else in the words of its outcome.
  const latest = input.latest.find((record) => !isUnauthenticated(record));
  const first = outcomes[0] as CycleRequest;
  const lastCall =
    latest && latest.timestamp >= first.timestamp
      ? {
          at: latest.timestamp,
          title: requestTitle(latest),
          outcome: latest.status >= 400 ? ('failed' as const) : ('succeeded' as const),
        }
      : {
          at: first.timestamp,
          title: outcomeTitle(first.operation ?? '', first.status),
          outcome: first.status >= 400 ? ('failed' as const) : ('succeeded' as const),
        };
  const failed = outcomes.filter((request) => request.status >= 400);
  const requests = `${cycle.partial ? 'at least ' : ''}${cycle.requests}`;
  if (failed.length === 0 && outcomes.every((request) => request.probe)) {
    // Test Connection only (a new connection, or an admin checking): no provisioning to judge.
    return {
      state: 'healthy',
      summary:
        'Test Connection succeeded; Entra has sent no provisioning requests since. Start provisioning in Microsoft Entra ID if it is not on.',
      lastCall,
      lastCycle,
      ...unauthenticated,
    };
  }
  if (failed.length === 0) {
    // The period's failures counted by hour know no caller: those read as unauthenticated are not
    // Entra's (older ones beyond the requests read may remain in the count).
    const earlier = Math.max(0, input.periodFailures - refused.length);
    return {
      state: 'healthy',
      summary:
        `Entra's latest provisioning cycle had no failures (${count(cycle.requests, 'request')})` +
        (earlier > 0
          ? `; ${count(earlier, 'earlier request')} in the last ${periodWords(input.days)} failed.`
          : '.'),
      lastCall,
      lastCycle,
      ...unauthenticated,
    };
  }
  const denied = failed.some((request) => request.status === 401 || request.status === 403);
  const failing = denied || failed.length * 2 >= cycle.requests;
  const commonest = mostCommon(failed);
  return {
    state: failing ? 'failing' : 'attention',
    summary: `${failed.length} of ${requests} requests failed in Entra's latest provisioning cycle: ${failureTitle(commonest.status, commonest.scimType)}`,
    lastCall,
    lastCycle,
    ...unauthenticated,
  };
}

/** The most frequent failure (status and scimType); 401/403 first, as they stop everything. */
function mostCommon(failed: readonly CycleRequest[]): CycleRequest {
  const refused = failed.find((request) => request.status === 401 || request.status === 403);
  if (refused) return refused;
  const counts = new Map<string, { request: CycleRequest; n: number }>();
  for (const request of failed) {
    const key = `${request.status}|${request.scimType ?? ''}`;
    const entry = counts.get(key) ?? { request, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.request as CycleRequest;
}

/** The sentence about requests refused without a valid credential. */
function unauthenticatedNote(
  requests: number,
  atLeast: boolean,
  latest: CycleRequest,
  days: number,
): NonNullable<Health['unauthenticated']> {
  const many = `${atLeast ? 'at least ' : ''}${count(requests, 'request')}`;
  return {
    requests,
    ...(atLeast ? { atLeast: true as const } : {}),
    last: latest.timestamp,
    summary: `GroupTalk refused ${many} without a valid credential in the last ${periodWords(days)}, the latest at ${latest.timestamp}: not Entra's, which sends its credential with each request. If a script of yours makes them, give it a credential of its own; otherwise there is nothing to do.`,
  };
}
