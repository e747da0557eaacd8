/**
 * Microsoft's SCIM reference Postman collection ("SCIM Tests", in `../shared/peer/`), run with
 * newman against a running service. Used by `npm run peer` and by the conformance test.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const PEER_COLLECTION = 'peer/microsoft-scim-tests.postman_collection.json';

/** Every folder but "Get Token", which belongs to Microsoft's reference server. */
export const ALL_FOLDERS = [
  'Endpoint tests',
  'User tests',
  'Group tests',
  'ComplexAttribute tests',
  'User tests with garbage',
  'Group tests with garbage',
  'Teardown garbage',
] as const;

/**
 * Assertions the service deliberately fails, each with its reason, keyed `request › assertion`.
 * Everything else in the collection must pass.
 */
export const DOCUMENTED_DEVIATIONS: Record<string, string> = {
  'Get ServiceProviderConfig › Status code is 200':
    "The collection asks for /serviceConfiguration, a path of an early build of Microsoft's " +
    'reference server. RFC 7644 §4 names the endpoint /ServiceProviderConfig, which the service ' +
    'serves (test/integration/discovery.test.ts) and Entra and other clients use; an alias would ' +
    'publish a second, non-standard endpoint (its own route and function) for this suite alone. ' +
    'The request gets 404.',
  'Get ServiceProviderConfig › Pach supported is true':
    'Follows from the 404 for /serviceConfiguration above; GET /ServiceProviderConfig answers ' +
    'patch.supported true.',
  'Get empty Users › Status code is 200':
    'The collection asks for /users in lower case. Resource endpoints are /Users and /Groups ' +
    '(RFC 7644 §3.2, as /ResourceTypes advertises them) and API Gateway matches routes ' +
    'case-sensitively, so /users is 404 in AWS; the local server answers the same.',
  'Get group by id › Body contians user':
    'The collection expects the member\'s "displayName": "new User" it sent in the PATCH to come ' +
    'back. A member\'s display is readOnly (RFC 7643 §4.2 "display ... READ-ONLY"): the service ' +
    'keeps memberships as ids and does not store text a client put there.',
  'Group patch add member › Status code is 204':
    'The collection adds the member "string id 1", which no user has. GroupTalk groups hold ' +
    'existing users only, so the PATCH is refused with 400 invalidValue and changes nothing ' +
    '(test/integration/groups.test.ts).',
  'Group patch add member2 › Status code is 204': 'As above, for the member "string id 2".',
};

export interface PeerFailure {
  readonly request: string;
  readonly assertion: string;
  readonly message: string;
}

export interface PeerResult {
  readonly requests: number;
  readonly assertions: number;
  readonly failures: readonly PeerFailure[];
  /** Failures not listed in DOCUMENTED_DEVIATIONS. */
  readonly unexpected: readonly PeerFailure[];
  readonly deviations: readonly PeerFailure[];
}

interface NewmanSummary {
  run: {
    stats: { requests: { total: number }; assertions: { total: number } };
    failures: { source?: { name?: string }; error: { test?: string; message: string } }[];
  };
}

/**
 * Runs the collection's `folders` against the Tenant URL `url` with `token`.
 * @example await runPeerSuite({ url: 'http://127.0.0.1:8080/scim/v2', token, collectionPath })
 */
export async function runPeerSuite(options: {
  url: string;
  token: string;
  collectionPath: string;
  folders?: readonly string[];
  reportPath?: string;
  quiet?: boolean;
}): Promise<PeerResult> {
  const newman = require('newman') as {
    run(
      options: Record<string, unknown>,
      callback: (error: Error | null, summary: NewmanSummary) => void,
    ): void;
  };
  const base = new URL(options.url);
  const collection = JSON.parse(readFileSync(options.collectionPath, 'utf8'));
  const environment = {
    values: [
      ['Protocol', base.protocol.replace(':', '')],
      ['Server', base.hostname],
      ['Port', base.port ? `:${base.port}` : ''],
      ['Api', base.pathname.replace(/^\/+|\/+$/g, '')],
      ['token', options.token],
    ].map(([key, value]) => ({ key, value, enabled: true })),
  };
  const summary = await new Promise<NewmanSummary>((resolve, reject) =>
    newman.run(
      {
        collection,
        environment,
        folder: [...(options.folders ?? ALL_FOLDERS)],
        reporters: options.quiet ? ['json'] : ['cli', 'json'],
        reporter: { json: { export: options.reportPath ?? 'newman-report.json' } },
        timeoutRequest: 30_000,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  const failures = summary.run.failures.map((failure) => ({
    request: failure.source?.name ?? 'unknown request',
    assertion: failure.error.test ?? 'request',
    message: failure.error.message,
  }));
  const isDocumented = (failure: PeerFailure) =>
    `${failure.request} › ${failure.assertion}` in DOCUMENTED_DEVIATIONS;
  return {
    requests: summary.run.stats.requests.total,
    assertions: summary.run.stats.assertions.total,
    failures,
    unexpected: failures.filter((failure) => !isDocumented(failure)),
    deviations: failures.filter(isDocumented),
  };
}
