/**
 * A tenant's keys derived from a fleet KMS HMAC key, at the KMS seam (aws-sdk-client-mock: KMS
 * has no local engine) answering with a real HMAC-SHA256 computed here under a stand-in for the
 * KMS key, so the bytes are what KMS would compute with that key.
 */
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { newSession, openSession, sealSession } from '../../../shared/admin/session.js';
import {
  deriveTenantKey,
  TenantKeyUnavailableError,
  tenantKeyMessage,
  tenantKeySource,
} from '../../../shared/credentials/tenant-keys.js';
import { logHashKeyMessage } from '../../../shared/http/log-identifiers.js';
import { kmsHmacStandIn } from '../../support/kms-stand-in.js';

const ALIAS = 'alias/GroupTalkScim-admin-sessions';
const fleetKey = kmsHmacStandIn();

const kms = mockClient(KMSClient);
afterEach(() => {
  kms.reset();
});

function answerLikeKms() {
  kms.on(GenerateMacCommand).callsFake(fleetKey.generateMac);
}

describe("the integration page's sealing key derived from the fleet's KMS HMAC key", () => {
  it('is one GenerateMac with HMAC_SHA_256 over its own versioned message naming the tenant', async () => {
    // Prepare
    answerLikeKms();

    // Act
    const key = await tenantKeySource({ keyId: ALIAS, purpose: 'admin-session', tenant: 'acme' })();

    // Assess
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.KeyId).toBe(ALIAS);
    expect(input.MacAlgorithm).toBe('HMAC_SHA_256');
    expect(Buffer.from(input.Message!).toString('utf8')).toBe(
      'grouptalk-scim/admin-session/v1/acme',
    );
    expect(tenantKeyMessage('admin-session', 'acme')).not.toBe(logHashKeyMessage('acme'));
    expect(
      Buffer.from(key).equals(fleetKey.mac(Buffer.from('grouptalk-scim/admin-session/v1/acme'))),
    ).toBe(true);
  });

  it('differs from the log hash key and from another tenant’s, under the same KMS key', async () => {
    answerLikeKms();
    const client = new KMSClient({});

    const session = await deriveTenantKey(client, ALIAS, 'admin-session', 'acme');
    const logs = await deriveTenantKey(client, ALIAS, 'log-identifiers', 'acme');
    const other = await deriveTenantKey(client, ALIAS, 'admin-session', 'globex');

    expect(Buffer.from(session).equals(Buffer.from(logs))).toBe(false);
    expect(Buffer.from(session).equals(Buffer.from(other))).toBe(false);
  });

  it('opens in one instance a session another instance sealed, and not another tenant’s', async () => {
    // Prepare: two cold starts of the tenant's page functions, one of another tenant's.
    answerLikeKms();
    const sealing = await tenantKeySource({
      keyId: ALIAS,
      purpose: 'admin-session',
      tenant: 'acme',
    })();
    const opening = await tenantKeySource({
      keyId: ALIAS,
      purpose: 'admin-session',
      tenant: 'acme',
    })();
    const foreign = await tenantKeySource({
      keyId: ALIAS,
      purpose: 'admin-session',
      tenant: 'globex',
    })();
    const session = newSession({ userId: 'oid-1', name: 'Ada', username: 'ada@acme.test' }, 60);

    // Act
    const cookie = await sealSession(session, sealing, 'acme');

    // Assess
    expect(await openSession(cookie, opening, 'acme')).toEqual(session);
    expect(await openSession(cookie, foreign, 'acme')).toBeUndefined();
  });

  it('asks KMS once per cold start, however many requests wait for it', async () => {
    answerLikeKms();
    const source = tenantKeySource({ keyId: ALIAS, purpose: 'admin-session', tenant: 'acme' });

    const keys = await Promise.all([source(), source(), source()]);
    await source();

    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(1);
    expect(new Set(keys).size).toBe(1);
  });

  it('remembers a failure for 5 seconds, then asks again', async () => {
    // Prepare: KMS denies once, then answers.
    let clock = 1_000_000;
    kms
      .on(GenerateMacCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .callsFake(fleetKey.generateMac);
    const source = tenantKeySource({
      keyId: ALIAS,
      purpose: 'admin-session',
      tenant: 'acme',
      now: () => clock,
    });

    // Act
    const first = await source().catch((error: unknown) => error);
    clock += 4_999;
    const duringBackoff = await source().catch((error: unknown) => error);
    const callsDuringBackoff = kms.commandCalls(GenerateMacCommand).length;
    clock += 1;
    const recovered = await source();

    // Assess
    expect(first).toBeInstanceOf(TenantKeyUnavailableError);
    expect(first).toMatchObject({ purpose: 'admin-session' });
    expect((first as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
    expect(duringBackoff).toBe(first);
    expect(callsDuringBackoff).toBe(1);
    expect(recovered).toHaveLength(32);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(2);
  });

  it('refuses an answer without a 32-byte MAC, and a source without a key or tenant', async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array(16) });

    await expect(
      deriveTenantKey(new KMSClient({}), ALIAS, 'admin-session', 'acme'),
    ).rejects.toThrow('32-byte MAC');
    expect(() => tenantKeySource({ keyId: '', purpose: 'admin-session', tenant: 'acme' })).toThrow(
      'KMS key id',
    );
    expect(() => tenantKeySource({ keyId: ALIAS, purpose: 'admin-session', tenant: '' })).toThrow(
      'needs TENANT',
    );
  });
});
