/**
 * The Graph client for one request's token: Microsoft Graph v1.0 in AWS, the local stand-in
 * (`GRAPH_BASE_URL`) for `npm start` and the tests. Calls stop at the run's deadline, and the
 * client's waits for Graph's throttling stay within it.
 */
import { graphClient } from '../../graph/client.js';
import { deadlineFetch } from './flow.js';
import type { GraphPort } from './graph-port.js';

let baseUrl: string | undefined;
/** `GRAPH_BASE_URL`, or Graph v1.0. Read once. */
export function graphBaseUrl(): string {
  baseUrl ??= (process.env.GRAPH_BASE_URL || 'https://graph.microsoft.com/v1.0').replace(
    /\/+$/,
    '',
  );
  return baseUrl;
}

/** The client with this token; its calls end by `deadline` (epoch ms). */
export function graphFor(accessToken: string, deadline: number): GraphPort {
  return graphClient({
    baseUrl: graphBaseUrl(),
    accessToken,
    fetch: deadlineFetch(deadline),
    // A throttled call is retried once after at most 3 s: the run's budget is 20 s in all.
    retry: { attempts: 2, totalWaitMs: 3_000, defaultWaitMs: 1_000 },
  });
}
