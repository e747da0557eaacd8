/**
 * The integration page's use cases behind its JSON API: the facts Entra needs, the provisioning
 * reports and the history of one user or group.
 */
import {
  type IdentifierLogPolicySource,
  LOGGED_IDENTIFIERS,
  LogHashKeyUnavailableError,
  tenantIdentifierLogPolicy,
} from '../http/log-identifiers.js';
import { SCIM_BASE_PATH } from '../routes.js';
import { AdminError, type AdminRequest } from './http.js';
import {
  buildReport,
  type ProvisioningReport,
  reportRange,
  reportSourceFor,
} from './reports/report.js';
import type { ReportSource, RequestRecord } from './reports/source.js';

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

export async function resourceHistory(
  request: AdminRequest,
): Promise<{ term: string; records: RequestRecord[] }> {
  const term = (request.query.get('term') ?? '').trim();
  if (term === '' || term.length > 256) {
    throw new AdminError(
      400,
      'invalidTerm',
      'Give a userName, externalId, displayName or id (at most 256 characters).',
    );
  }
  const records = await reportSource(request).history(
    reportRange(days(request)),
    await searchTerms(term),
    500,
  );
  return { term, records };
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
