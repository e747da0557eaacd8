import { readTenantUrl } from '../config.js';

/**
 * The publisher's configuration (the stack sets it on the function; `infra/local` for
 * `npm start`), read when the publisher starts and failing fast.
 */
export interface FeedConfig {
  /** The tenant whose table's stream this is. */
  readonly tenant: string;
  /** The tenant's SCIM base URL (`https://host/scim/v2`), for `meta.location`. */
  readonly baseUrl: string;
  /** The fleet's event bus (AWS only). */
  readonly busName?: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} environment variable is not set`);
  }
  return value;
}

/** Reads `TENANT`, `TENANT_URL` and (when `bus` is wanted) `EVENT_BUS_NAME`. */
export function readFeedConfig(options: { bus: boolean }): FeedConfig {
  return {
    tenant: required('TENANT'),
    // The same Tenant URL the functions build Location from (the stack sets it on every function).
    baseUrl: readTenantUrl() ?? required('TENANT_URL'),
    ...(options.bus ? { busName: required('EVENT_BUS_NAME') } : {}),
  };
}
