/**
 * The integration page's use cases behind its JSON API: the facts Entra needs, the provisioning
 * reports and the history of one user or group.
 */

import type { ResourceTypeName } from '../common/resource-types.js';
import {
  type IdentifierLogPolicySource,
  LOGGED_IDENTIFIERS,
  LogHashKeyUnavailableError,
  tenantIdentifierLogPolicy,
} from '../http/log-identifiers.js';
import { SCIM_BASE_PATH } from '../routes.js';
import { foldedName } from '../store/reports.js';
import { getByUniqueName } from '../store/resources.js';
import { AdminError, type AdminRequest, type AdminResponse, json } from './http.js';
import { ReportQueryError, ReportQueuedError } from './reports/cloudwatch-source.js';
import {
  buildReport,
  deepHistorySourceFor,
  type ProvisioningReport,
  reportRange,
  reportSourceFor,
} from './reports/report.js';
import type { ReportSource, RequestRecord } from './reports/source.js';
import { resourceTimeline } from './reports/timeline.js';
import { withTitle } from './reports/wording.js';

/** Where the client-credentials method fetches its access tokens (creds' token endpoint). */
export const TOKEN_ENDPOINT_PATH = '/oauth2/token';

/** What the page shows about the tenant and who is signed in. */
export function integrationFacts({ config, origin, session }: AdminRequest) {
  return {
    tenant: {
      name: config.tenantDisplayName,
      id: config.tenant,
      directoryId: config.entraTenantId,
    },
    tenantUrl: `${origin}${SCIM_BASE_PATH}`,
    tokenEndpoint: `${origin}${TOKEN_ENDPOINT_PATH}`,
    user: { name: session?.name, username: session?.username },
    csrfToken: session?.csrfToken,
    expiresAt: session ? new Date(session.expiresAt * 1000).toISOString() : undefined,
  };
}

let source: ReportSource | undefined;
function reportSource(request: AdminRequest): ReportSource {
  source ??= reportSourceFor(request.config);
  return source;
}

let deepSource: ReportSource | undefined;
function deepHistorySource(request: AdminRequest): ReportSource {
  deepSource ??= deepHistorySourceFor(request.config);
  return deepSource;
}

function days(request: AdminRequest): number {
  const value = Number(request.query.get('days') ?? 30);
  if (!Number.isInteger(value) || value < 1 || value > 30) {
    throw new AdminError(400, 'invalidDays', 'days must be a whole number from 1 to 30.');
  }
  return value;
}

export function provisioningReport(request: AdminRequest): Promise<ProvisioningReport> {
  return buildReport(reportSource(request), days(request));
}

/** The most records a history search or a timeline answers (the page says when it cut one). */
const HISTORY_LIMIT = 500;

/** Where a history search reads: the aggregated items, or the logs themselves (`source=logs`). */
export type HistorySource = 'reports' | 'logs';

/**
 * The history of one user or group: from the aggregated report items (every search), or with
 * `source=logs` from the logs themselves (Logs Insights in AWS, on demand). A deep search that
 * Logs Insights cannot take right now answers 202 with `queued` and `retryAfterSeconds` (and a
 * `retry-after` header): the page shows it as queued and asks again, never as an error.
 */
export async function resourceHistory(request: AdminRequest): Promise<AdminResponse> {
  if (request.query.has('type') || request.query.has('id')) return resourceTimelineOf(request);
  const term = (request.query.get('term') ?? '').trim();
  if (term === '' || term.length > 256) {
    throw new AdminError(
      400,
      'invalidTerm',
      'Give a userName, externalId, displayName or id (at most 256 characters).',
    );
  }
  const from = request.query.get('source') ?? 'reports';
  if (from !== 'reports' && from !== 'logs') {
    throw new AdminError(400, 'invalidSource', 'source must be reports or logs.');
  }
  const range = reportRange(days(request));
  // The term as logged, in the folded form names are also kept under, and the ids held for it.
  const folded = foldedName(term);
  const terms = [
    ...new Set([
      ...(await searchTerms(term)),
      ...(folded ? [folded] : []),
      ...(await heldIds(term)),
    ]),
  ];
  const reader = from === 'logs' ? deepHistorySource(request) : reportSource(request);
  try {
    // One past the limit: more than that says the answer was cut (the latest 500 are kept).
    const found: RequestRecord[] = await reader.history(range, terms, HISTORY_LIMIT + 1);
    const records = found.slice(-HISTORY_LIMIT);
    return json(200, {
      term,
      source: from,
      records: records.map(withTitle),
      truncated: found.length > HISTORY_LIMIT,
    });
  } catch (error) {
    if (error instanceof ReportQueuedError) {
      return {
        status: 202,
        json: {
          term,
          source: from,
          queued: true,
          retryAfterSeconds: error.retryAfterSeconds,
          message: `Other searches are using the log search right now. Yours is queued and runs in about ${error.retryAfterSeconds} seconds.`,
        },
        headers: { 'retry-after': String(error.retryAfterSeconds) },
      };
    }
    if (error instanceof ReportQueryError) {
      throw new AdminError(
        503,
        'logSearchUnavailable',
        'The log search did not finish in time. Try a shorter period, or again in a minute.',
        { 'retry-after': '30' },
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * The ids of the user and the group GroupTalk holds under `term` as a userName or group
 * displayName, compared as uniqueness compares them (case-insensitive, by the store's folded
 * guard keys): `JANE.DOE@contoso.test` finds jane.doe@contoso.test's requests, by her id.
 */
async function heldIds(term: string): Promise<string[]> {
  const held = await Promise.all([getByUniqueName('User', term), getByUniqueName('Group', term)]);
  return held.flatMap((resource) => (resource ? [resource.id] : []));
}

const TIMELINE_TYPES: readonly ResourceTypeName[] = ['User', 'Group'];

/**
 * GET /admin/api/history?type=User|Group&id=<id>&days=N: one timeline for the resource (see
 * `reports/timeline.ts`), newest first.
 */
async function resourceTimelineOf(request: AdminRequest): Promise<AdminResponse> {
  const type = request.query.get('type') ?? '';
  const id = (request.query.get('id') ?? '').trim();
  if (!TIMELINE_TYPES.includes(type as ResourceTypeName)) {
    throw new AdminError(400, 'invalidType', 'type must be User or Group.');
  }
  if (id === '' || id.length > 256) {
    throw new AdminError(
      400,
      'invalidId',
      'Give the id of a user or group (at most 256 characters).',
    );
  }
  const range = reportRange(days(request));
  const policy = tenantIdentifierLogPolicy();
  const timeline = await resourceTimeline(
    type as ResourceTypeName,
    id,
    range,
    HISTORY_LIMIT,
    (name) => searchTerms(name, policy),
  );
  return json(200, timeline);
}

/**
 * What the records hold for `term`: the term itself (ids are never hashed) and, where the tenant
 * logs identifiers as keyed hashes, its hash as a userName, displayName and externalId, under the
 * key the request log uses (the same source: in AWS derived from the fleet's KMS key). Without
 * the key the search is refused (503), never run for the clear term alone.
 */
export async function searchTerms(
  term: string,
  source: IdentifierLogPolicySource = tenantIdentifierLogPolicy(),
): Promise<string[]> {
  const policy = await source().catch((error: unknown) => {
    if (!(error instanceof LogHashKeyUnavailableError)) throw error;
    throw new AdminError(
      503,
      'logKeyUnavailable',
      'The history search cannot run right now. Try again in a minute.',
    );
  });
  if (policy.mode === 'clear') return [term];
  return [term, ...new Set(LOGGED_IDENTIFIERS.map((attribute) => policy.write(attribute, term)))];
}
