/**
 * The Graph client for one request's token: Microsoft Graph v1.0 in AWS, the local stand-in
 * (`GRAPH_BASE_URL`) for `npm start` and the tests. Calls stop at the run's deadline.
 */

import { deadlineFetch } from './flow.js';
import type { GraphPort } from './graph-port.js';

/** `GRAPH_BASE_URL`, or Graph v1.0. Read once. */
let baseUrl: string | undefined;
export function graphBaseUrl(): string {
  baseUrl ??= (process.env.GRAPH_BASE_URL || 'https://graph.microsoft.com/v1.0').replace(
    /\/+$/,
    '',
  );
  return baseUrl;
}

/** Set once the Graph client module (`shared/graph`) is merged; see `graphFor`. */
type Factory = (options: {
  baseUrl: string;
  accessToken: string;
  fetch: typeof fetch;
}) => GraphPort;
let factory: Factory | undefined;

/** The client with this token; its calls end by `deadline` (epoch ms). */
export function graphFor(accessToken: string, deadline: number): GraphPort {
  if (!factory) throw new Error('the Graph client is not available');
  return factory({ baseUrl: graphBaseUrl(), accessToken, fetch: deadlineFetch(deadline) });
}

/** Installs the Graph client (until `shared/graph` is merged: the tests' own). */
export function useGraphClient(make: Factory): void {
  factory = make;
}
