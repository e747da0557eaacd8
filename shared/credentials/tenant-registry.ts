/**
 * The registry of the tenant this function serves: the store's table and client, and the cache
 * window from `CREDENTIAL_CACHE_SECONDS` (60 by default and at most; tests shorten it).
 */
import { readCredentialConfig } from '../config.js';
import { documentClient, tableName } from '../store/client.js';
import { type CredentialRegistry, createCredentialRegistry } from './registry.js';

let registry: CredentialRegistry | undefined;

/** The module-scope registry (one cache per function instance). */
export function tenantRegistry(): CredentialRegistry {
  const config = readCredentialConfig();
  registry ??= createCredentialRegistry({
    documents: documentClient(),
    tableName: tableName(),
    cacheMs: config.cacheSeconds * 1000,
  });
  return registry;
}
