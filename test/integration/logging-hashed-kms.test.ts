/**
 * A hashing tenant as deployed: its functions derive the log hash key from the fleet's KMS HMAC
 * key (`LOG_HASH_KMS_KEY_ID`) at the first request. KMS answers at its seam (aws-sdk-client-mock)
 * with a real HMAC under a stand-in key; everything else is the real HTTP path and DynamoDB Local.
 * While KMS fails, requests are refused with a 503 before they run and no line holds a clear
 * identifier; once KMS answers, lines hold the hashes of the derived key.
 */
import { randomUUID } from 'node:crypto';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logHash, logHashKeyMessage } from '../../shared/http/log-identifiers.js';
import { TEST_TENANT } from '../support/environment.js';
import { kmsHmacStandIn } from '../support/kms-stand-in.js';
import { startTestService, type TestService } from '../support/service.js';

// Before the first request imports a handler: the log policy is read at cold start.
process.env.LOG_LEVEL = 'INFO';
process.env.LOG_IDENTIFIERS = 'hmac';
process.env.LOG_HASH_KMS_KEY_ID = 'alias/GroupTalkScim-log-identifiers';
delete process.env.LOG_HASH_KEY;

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** Stands for the key material inside KMS. */
const fleetKey = kmsHmacStandIn();
const kms = mockClient(KMSClient);
const userName = `Kms.Alice.${randomUUID().slice(0, 8)}@example.com`;

type LogLine = Record<string, unknown>;
const written: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);
const originalErrorWrite = process.stderr.write.bind(process.stderr);
function capture() {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof process.stdout.write;
}
function requestLines(): LogLine[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.message === 'request' || line.message === 'request failed');
}

let service: TestService;
beforeAll(async () => {
  process.stdout.write = capture();
  process.stderr.write = capture();
  service = await startTestService();
});
afterAll(async () => {
  process.stdout.write = originalWrite;
  process.stderr.write = originalErrorWrite;
  vi.restoreAllMocks();
  kms.restore();
  await service?.close();
});

describe('log lines of a tenant whose key comes from the fleet KMS key', () => {
  it('refuses requests with a 503 while KMS fails, then hashes with the derived key', async () => {
    // Prepare: KMS denies once, then answers as it would with the fleet key.
    kms
      .on(GenerateMacCommand)
      .rejectsOnce(Object.assign(new Error('KMS is unavailable'), { name: 'KMSInternalException' }))
      .callsFake(fleetKey.generateMac);
    const create = () => service.request('POST', '/Users', { schemas: [USER], userName });

    // Act: two requests while the failure is remembered, one after the 5 s retry delay.
    const refused = await create();
    const refusedAgain = await create();
    const linesWhileFailing = requestLines();
    const callsWhileFailing = kms.commandCalls(GenerateMacCommand).length;
    const later = Date.now() + 6_000;
    vi.spyOn(Date, 'now').mockImplementation(() => later);
    const created = await create();

    // Assess: refused before the handler ran, with a SCIM 503 to retry.
    expect([refused.status, refusedAgain.status, created.status]).toEqual([503, 503, 201]);
    expect(refused.headers['retry-after']).toBe('5');
    expect(callsWhileFailing).toBe(1);
    expect(linesWhileFailing.map((line) => `${line.message} ${line.status}`)).toEqual([
      'request failed 503',
      'request failed 503',
    ]);
    expect(linesWhileFailing[0]).toMatchObject({
      tenant: TEST_TENANT,
      error: { name: 'LogHashKeyUnavailableError', cause: { name: 'KMSInternalException' } },
    });
    // The one GenerateMac names this tenant; the key it gives hashes the created user's line.
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(2);
    expect(Buffer.from(calls[1]!.args[0].input.Message!).toString('utf8')).toBe(
      logHashKeyMessage(TEST_TENANT),
    );
    const derived = fleetKey.mac(logHashKeyMessage(TEST_TENANT)).toString('base64url');
    const createdLine = requestLines().find((line) => line.status === 201);
    expect(createdLine?.userName).toBe(logHash(derived, 'userName', userName));
    // No clear userName anywhere in what the service wrote, refused requests included.
    expect(written.join('').toLowerCase()).not.toContain(userName.toLowerCase());
  });
});
