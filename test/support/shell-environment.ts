/**
 * Variables a developer's shell may hold that would change what a test sees: both Vitest
 * projects' setup files remove them before any module reads its configuration.
 */
export const DEVELOPER_VARIABLES = [
  'REVOKED_TOKEN_IDS',
  'TOKEN_ISSUER',
  'TOKEN_KMS_KEY_IDS',
  'TOKEN_SIGNING_KMS_KEY_ID',
  'CREDENTIAL_CACHE_SECONDS',
  'ENTRA_TENANT_ID',
  'ENTRA_JWKS_URL',
  'ENTRA_APP_ID',
  'ENTRA_OBJECT_ID',
] as const;

/** Removes `DEVELOPER_VARIABLES` (and `extra`) from this process's environment. */
export function forgetDeveloperVariables(extra: readonly string[] = []): void {
  for (const name of [...DEVELOPER_VARIABLES, ...extra]) delete process.env[name];
}
