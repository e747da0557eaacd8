/**
 * `npm start` prints what an Entra administrator needs for either method, and each works as
 * printed: the Secret Token, and the token endpoint with the client id and secret (client
 * credentials). Only its own file holds the client secret; the files that hold a secret are 0600.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningNpmStart, runNpmStartToEnd, startNpmStart } from '../support/npm-start.js';

let npmStart: RunningNpmStart | undefined;
let printed: ReadonlyMap<string, string>;

beforeAll(async () => {
  // This file's own table: another test's npm start rotates the client of its own table.
  npmStart = await startNpmStart({ LOCAL_TABLE_NAME: process.env.TABLE_NAME }, [
    'Client Secret',
    'Secret Token',
  ]);
  printed = npmStart.printed;
}, 120_000);

afterAll(async () => {
  await npmStart?.stop();
});

function firstUser(tenantUrl: string, bearer: string) {
  return fetch(`${tenantUrl}/Users?startIndex=1&count=1`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
}

it('prints a Secret Token that reads /Users', async () => {
  const response = await firstUser(printed.get('Tenant URL')!, printed.get('Secret Token')!);

  expect(response.status).toBe(200);
});

it('prints a token endpoint, client id and secret that Entra exchanges for a token reading /Users', async () => {
  const tenantUrl = printed.get('Tenant URL')!;
  expect(printed.get('Token endpoint')).toBe(new URL('/oauth2/token', tenantUrl).href);

  const answer = await fetch(printed.get('Token endpoint')!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: printed.get('Client ID')!,
      client_secret: printed.get('Client Secret')!,
    }).toString(),
  });
  const body = (await answer.json()) as { access_token: string; expires_in: number };

  expect(answer.status).toBe(200);
  expect(body.expires_in).toBe(3600);
  expect((await firstUser(tenantUrl, body.access_token)).status).toBe(200);
});

it('keeps the client secret in its own file only, and the files holding a secret at 0600', () => {
  const secret = printed.get('Client Secret')!;
  const keys = join(npmStart!.localDir, 'keys');
  for (const file of readdirSync(keys)) {
    const path = join(keys, file);
    if (file !== 'local.oauth-client.json')
      expect(readFileSync(path, 'utf8'), file).not.toContain(secret);
    expect(statSync(path).mode & 0o077, file).toBe(0);
  }
});

it('refuses to start with Entra-issued tokens but no pinned caller, saying where to find one', async () => {
  // Act: the check comes before anything is started or written.
  const result = await runNpmStartToEnd({
    ENTRA_TENANT_ID: '3f2c9a4e-8b1d-4c6e-9f0a-7d5b2e1c8a93',
    ENTRA_APP_ID: '',
    ENTRA_OBJECT_ID: '',
  });

  // Assess
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('ENTRA_TENANT_ID is set without ENTRA_APP_ID or ENTRA_OBJECT_ID');
  expect(result.stderr).toContain('Enterprise apps > All applications');
}, 90_000);
