/**
 * The tenant's log hash key and policy: the key derived from the fleet's KMS HMAC key at its seam
 * (aws-sdk-client-mock: KMS has no local engine) answering with a real HMAC-SHA256 computed here
 * under a stand-in for the KMS key, so the bytes are what KMS would compute with that key.
 */
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deriveLogHashKey,
  identifierLogPolicySource,
  LogHashKeyUnavailableError,
  logHash,
  logHashKeyMessage,
} from '../../../shared/http/log-identifiers.js';
import { kmsHmacStandIn } from '../../support/kms-stand-in.js';

const ALIAS = 'alias/GroupTalkScim-log-identifiers';
const fleetKey = kmsHmacStandIn();

const kms = mockClient(KMSClient);
afterEach(() => {
  kms.reset();
});

function answerLikeKms() {
  kms.on(GenerateMacCommand).callsFake(fleetKey.generateMac);
}

const kmsEnv = (tenant: string) => ({
  LOG_IDENTIFIERS: 'hmac',
  LOG_HASH_KMS_KEY_ID: ALIAS,
  TENANT: tenant,
});

describe("a tenant's log hash key derived from the fleet's KMS HMAC key", () => {
  it('is one GenerateMac with HMAC_SHA_256 over the fixed, versioned message naming the tenant', async () => {
    // Prepare
    answerLikeKms();

    // Act
    const key = await deriveLogHashKey(new KMSClient({}), ALIAS, 'acme');

    // Assess
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.KeyId).toBe(ALIAS);
    expect(input.MacAlgorithm).toBe('HMAC_SHA_256');
    expect(Buffer.from(input.Message!).toString('utf8')).toBe(
      'grouptalk-scim/log-identifiers/v1/acme',
    );
    expect(logHashKeyMessage('acme')).toBe('grouptalk-scim/log-identifiers/v1/acme');
    expect(key).toBe(
      fleetKey.mac(Buffer.from('grouptalk-scim/log-identifiers/v1/acme')).toString('base64url'),
    );
  });

  it('hashes as LOG_HASH_KEY does with the same key, and differently for another tenant', async () => {
    // Prepare
    answerLikeKms();
    const acmeKey = fleetKey.mac(Buffer.from(logHashKeyMessage('acme'))).toString('base64url');

    // Act
    const fromKms = await identifierLogPolicySource(kmsEnv('acme'))();
    const fromVariable = await identifierLogPolicySource({
      LOG_IDENTIFIERS: 'hmac',
      LOG_HASH_KEY: acmeKey,
    })();
    const otherTenant = await identifierLogPolicySource(kmsEnv('globex'))();

    // Assess
    expect(fromKms.mode).toBe('hmac');
    for (const attribute of ['userName', 'displayName', 'externalId'] as const) {
      const hash = fromKms.write(attribute, 'Alice@Contoso.test');
      expect(hash).toMatch(/^hmac:[0-9a-f]{32}$/);
      expect(hash).toBe(fromVariable.write(attribute, 'Alice@Contoso.test'));
      expect(hash).toBe(logHash(acmeKey, attribute, 'Alice@Contoso.test'));
      expect(otherTenant.write(attribute, 'Alice@Contoso.test')).not.toBe(hash);
    }
  });

  it('asks KMS once per cold start, however many requests wait for it', async () => {
    // Prepare
    answerLikeKms();
    const source = identifierLogPolicySource(kmsEnv('acme'));

    // Act
    const policies = await Promise.all([source(), source(), source()]);
    await source();

    // Assess
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(1);
    expect(new Set(policies).size).toBe(1);
  });

  it('refuses with a 503 while KMS fails, asks again after 5 seconds, and never hashes in clear', async () => {
    // Prepare: KMS throttles once, then answers.
    let clock = 1_000_000;
    kms
      .on(GenerateMacCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .callsFake(fleetKey.generateMac);
    const source = identifierLogPolicySource(kmsEnv('acme'), { now: () => clock });

    // Act
    const first = await source().catch((error: unknown) => error);
    clock += 4_000;
    const duringBackoff = await source().catch((error: unknown) => error);
    const callsDuringBackoff = kms.commandCalls(GenerateMacCommand).length;
    clock += 1_000;
    const recovered = await source();

    // Assess
    expect(first).toBeInstanceOf(LogHashKeyUnavailableError);
    expect(first).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect((first as Error).cause).toMatchObject({ name: 'ThrottlingException' });
    expect(duringBackoff).toBe(first);
    expect(callsDuringBackoff).toBe(1);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(2);
    expect(recovered.write('userName', 'alice@contoso.test')).toMatch(/^hmac:[0-9a-f]{32}$/);
  });

  it('refuses an answer without a 32-byte MAC', async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array(16) });

    await expect(deriveLogHashKey(new KMSClient({}), ALIAS, 'acme')).rejects.toThrow('32-byte MAC');
  });
});

describe('the log identifier setting, read at cold start', () => {
  it('writes identifiers as sent by default, without asking KMS', async () => {
    const policy = await identifierLogPolicySource({
      LOG_HASH_KMS_KEY_ID: ALIAS,
      TENANT: 'acme',
    })();

    expect(policy.mode).toBe('clear');
    expect(policy.write('userName', 'alice@contoso.test')).toBe('alice@contoso.test');
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(0);
  });

  it.each([
    [{ LOG_IDENTIFIERS: 'hashed' }, 'LOG_IDENTIFIERS must be clear or hmac'],
    [{ LOG_IDENTIFIERS: 'hmac' }, 'needs LOG_HASH_KMS_KEY_ID, or LOG_HASH_KEY'],
    [{ LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: 'short' }, 'at least 32 characters'],
    [
      { LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: 'k'.repeat(40), LOG_HASH_KMS_KEY_ID: ALIAS },
      'not both',
    ],
    [{ LOG_IDENTIFIERS: 'hmac', LOG_HASH_KMS_KEY_ID: ALIAS }, 'needs TENANT'],
  ])('refuses %o', (env, message) => {
    expect(() => identifierLogPolicySource(env)).toThrow(message);
  });
});
