/**
 * The checks against every tenant, customers' included, that touch no customer data: the API
 * answers (401 without a token, the fallback's SCIM 404 for an unknown path), and each deployed
 * function runs the bundle of this build (`BUILD_ID`, see `infra/bundles.ts`).
 */
import { randomBytes } from 'node:crypto';
import { CheckFailure, type CheckRun } from './report.js';

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * `GET /Users` without a token: 401 with a SCIM error body. An unknown path reaches the fallback
 * function (API Gateway's own answer would be a plain `{"message":"Not Found"}`): with a token
 * (the canary's verification credential) its SCIM 404; without one (a customer's tenant, whose
 * data verify does not touch) its SCIM 401, since the fallback checks the token first.
 */
export async function verifyApiAnswers(
  run: CheckRun,
  name: string,
  tenantUrl: string,
  token?: string,
): Promise<void> {
  await run.check(
    `${name}: API answers`,
    "check the stack's API and its $default route in the console (API Gateway, grouptalk-scim-<tenant>) and the function log",
    async () => {
      const base = tenantUrl.replace(/\/+$/, '');
      const unauthenticated = await get(`${base}/Users?startIndex=1&count=1`);
      if (unauthenticated.status !== 401 || !unauthenticated.scimError) {
        throw new CheckFailure(
          `GET /Users without a token answered ${unauthenticated.status}${unauthenticated.scimError ? '' : ' without a SCIM error body'}, expected 401`,
        );
      }
      const unknown = `/verify-unknown-${randomBytes(4).toString('hex')}`;
      const expected = token ? 404 : 401;
      const fallback = await get(`${base}${unknown}`, token);
      if (fallback.status !== expected || !fallback.scimError) {
        throw new CheckFailure(
          `GET ${unknown}${token ? '' : ' without a token'} answered ${fallback.status}${fallback.scimError ? '' : ' without a SCIM error body'}, expected the fallback's SCIM ${expected}`,
          "a plain 404 is API Gateway's own: the $default route or its function (gts-<tenant>-routeNotFound) is missing; redeploy the tenant's stack",
        );
      }
      return {
        detail: `401 without a token; an unknown path gets the fallback's SCIM ${expected}${token ? '' : ' (no token: customer data untouched)'}`,
      };
    },
  );
}

async function get(url: string, token?: string): Promise<{ status: number; scimError: boolean }> {
  const response = await fetch(url, {
    headers: {
      accept: 'application/scim+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let scimError = false;
  try {
    const body = JSON.parse(text) as { schemas?: unknown };
    scimError = Array.isArray(body.schemas) && body.schemas.includes(SCIM_ERROR);
  } catch {
    // Not JSON (API Gateway's own answers are): not a SCIM error.
  }
  return { status: response.status, scimError };
}

/** A function's name and the build id it must run. */
export interface ExpectedFunction {
  readonly functionName: string;
  readonly buildId: string;
}

/** Reads a deployed function's `BUILD_ID` (Lambda GetFunctionConfiguration in AWS). */
export type DeployedBuildId = (functionName: string) => Promise<string | undefined>;

/** Every function of the tenant runs the build id the synthesized template gives it. */
export async function verifyBuild(
  run: CheckRun,
  tenant: string,
  expected: readonly ExpectedFunction[],
  deployed: DeployedBuildId,
): Promise<void> {
  await run.check(
    `tenant ${tenant}: functions run this build`,
    `deploy the tenant again (npm run deploy -- --tenant ${tenant}); if it says "no changes", synthesize again: the assembly verify compared with is older than the deployment`,
    async () => {
      if (expected.length === 0) {
        throw new CheckFailure(
          'the synthesized template lists no function with a BUILD_ID',
          'synthesize the fleet first (npm run deploy -- --dry-run prints the command) or pass --assembly',
        );
      }
      const stale: string[] = [];
      for (const fn of expected) {
        const actual = await deployed(fn.functionName);
        if (actual !== fn.buildId) stale.push(`${fn.functionName} runs ${actual ?? 'no BUILD_ID'}`);
      }
      if (stale.length > 0) {
        throw new CheckFailure(
          `${stale.length} of ${expected.length} function(s) do not run this build (${stale.slice(0, 3).join('; ')})`,
        );
      }
      return { detail: `${expected.length} function(s) run this build` };
    },
  );
}
