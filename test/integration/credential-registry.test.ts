/**
 * The credential registry against DynamoDB Local: an allow-list read through a per-instance cache
 * (one Query per window), revocation within the window, the tenant's cut-off, client secrets
 * (hashes only, several active, expiry, revocation), last-used at most hourly, failure counting.
 * The clock is the registry's own, moved by the test: nothing here waits.
 */

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { newStoreStats, withStoreStats } from '../../shared/common/request-context.js';
import {
  type CredentialRegistry,
  createCredentialRegistry,
  hashSecret,
  LAST_USED_RESOLUTION_MS,
  matchSecret,
} from '../../shared/credentials/registry.js';
import { rememberAssertion } from '../../shared/store/assertions.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';

const T0 = Date.parse('2026-11-29T06:00:00Z');

function registryAt(clock: { now: number }, cacheMs = 60_000): CredentialRegistry {
  return createCredentialRegistry({
    documents: documentClient(),
    tableName: tableName(),
    cacheMs,
    missRefreshMs: 1_000,
    now: () => clock.now,
  });
}

async function rawItem(id: string) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: tableName(), Key: keys.credential(id), ConsistentRead: true }),
  );
  return Item;
}

describe('credential registry: the allow-list', () => {
  it('accepts a registered Secret Token and refuses an unknown credential id', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const token = await registry.createSecretToken({ createdBy: 'test' });

    const known = await registry.activeCredential({ credentialId: token.id, issuedAt: T0 / 1000 });
    const unknown = await registry.activeCredential({
      credentialId: 'not-registered',
      issuedAt: T0 / 1000,
    });

    expect(known?.id).toBe(token.id);
    expect(known?.kind).toBe('secret-token');
    expect(unknown).toBeUndefined();
  });

  it('reads the table once per cache window, however many lookups', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const writer = registryAt(clock);
    const token = await writer.createSecretToken({ createdBy: 'test' });
    const stats = newStoreStats();

    await withStoreStats(stats, async () => {
      for (let i = 0; i < 20; i++) {
        clock.now += 1_000; // 20 lookups over 20 s of one 60 s window
        await registry.activeCredential({ credentialId: token.id, issuedAt: T0 / 1000 });
      }
    });
    const secondWindow = newStoreStats();
    clock.now = T0 + 61_000;
    await withStoreStats(secondWindow, () =>
      registry.activeCredential({ credentialId: token.id, issuedAt: T0 / 1000 }),
    );

    expect(stats.byCommand).toEqual({ QueryCommand: 1 });
    expect(secondWindow.byCommand).toEqual({ QueryCommand: 1 });
  });

  it('refuses a revoked credential once the cache window has passed, not before', async () => {
    const clock = { now: T0 };
    const reader = registryAt(clock, 10_000);
    const writer = registryAt(clock);
    const token = await writer.createSecretToken({ createdBy: 'test' });
    const claims = { credentialId: token.id, issuedAt: T0 / 1000 };
    expect(await reader.activeCredential(claims)).toBeDefined();

    await writer.revoke(token.id, 'operator');
    clock.now += 9_000;
    const withinWindow = await reader.activeCredential(claims);
    clock.now += 1_000;
    const afterWindow = await reader.activeCredential(claims);

    expect(withinWindow).toBeDefined();
    expect(afterWindow).toBeUndefined();
    const stored = await writer.get(token.id);
    expect(stored?.revokedAt).toBe(new Date(T0).toISOString());
    expect(stored?.revokedBy).toBe('operator');
  });

  it('finds a credential created after the cached read at once, and re-reads for an unknown id at most once per interval', async () => {
    const clock = { now: T0 };
    const reader = registryAt(clock);
    await reader.activeCredential({ credentialId: 'warm-up', issuedAt: T0 / 1000 });
    clock.now += 1_000;
    const created = await registryAt(clock).createSecretToken({ createdBy: 'test' });
    const newToken = newStoreStats();
    const ghost = newStoreStats();

    const found = await withStoreStats(newToken, () =>
      reader.activeCredential({ credentialId: created.id, issuedAt: T0 / 1000 }),
    );
    await withStoreStats(ghost, async () => {
      for (let i = 0; i < 5; i++) {
        await reader.activeCredential({ credentialId: 'ghost', issuedAt: T0 / 1000 });
      }
      clock.now += 1_000;
      await reader.activeCredential({ credentialId: 'ghost', issuedAt: T0 / 1000 });
    });

    expect(found?.id).toBe(created.id);
    expect(newToken.byCommand).toEqual({ QueryCommand: 1 });
    // Five misses within the interval cost one read; the next interval one more.
    expect(ghost.byCommand).toEqual({ QueryCommand: 2 });
  });

  it('refuses an expired Secret Token', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const token = await registry.createSecretToken({
      createdBy: 'test',
      expiresAt: new Date(T0 + 5_000).toISOString(),
    });

    const before = await registry.activeCredential({ credentialId: token.id, issuedAt: T0 / 1000 });
    clock.now += 5_000;
    const after = await registry.activeCredential({ credentialId: token.id, issuedAt: T0 / 1000 });

    expect(before).toBeDefined();
    expect(after).toBeUndefined();
  });

  it("refuses every token issued before the tenant's cut-off, and accepts those issued after", async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const token = await registry.createSecretToken({ createdBy: 'test' });
    const cutOff = T0 + 60_000;

    await registry.refuseIssuedBefore(new Date(cutOff).toISOString(), 'operator');
    registry.invalidate();
    const older = await registry.activeCredential({
      credentialId: token.id,
      issuedAt: (cutOff - 1_000) / 1000,
    });
    const newer = await registry.activeCredential({
      credentialId: token.id,
      issuedAt: cutOff / 1000,
    });
    const { policy } = await registry.list();
    // Other tests of this file share the table: lift the cut-off again.
    await registry.refuseIssuedBefore(new Date(0).toISOString(), 'operator');

    expect(older).toBeUndefined();
    expect(newer?.id).toBe(token.id);
    expect(policy.notBefore).toBe(new Date(cutOff).toISOString());
  });
});

describe('credential registry: OAuth clients', () => {
  it('stores a 256-bit secret only as its hash, shown once', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);

    const { credential, secret } = await registry.createClient({ createdBy: 'test' });
    const item = await rawItem(credential.id);

    expect(Buffer.from(secret.secret, 'base64url')).toHaveLength(32);
    expect(JSON.stringify(item)).not.toContain(secret.secret);
    expect(item?.secrets[0].hash).toBe(hashSecret(secret.secret));
    expect(item?.accessTokenSeconds).toBe(3_600);
  });

  it('keeps two secrets active during a rotation, then refuses the revoked one and its tokens', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential, secret: first } = await registry.createClient({ createdBy: 'test' });

    const second = await registry.rotateSecret(credential.id);
    const rotated = await registry.get(credential.id);
    const bothActive = [first, second].map((s) => matchSecret(rotated!, s.secret, clock.now)?.id);
    await registry.revokeSecret(credential.id, first.secretId);
    const afterRevoke = await registry.get(credential.id);
    registry.invalidate();
    const oldToken = await registry.activeCredential({
      credentialId: credential.id,
      issuedAt: T0 / 1000,
      secretId: first.secretId,
    });
    const newToken = await registry.activeCredential({
      credentialId: credential.id,
      issuedAt: T0 / 1000,
      secretId: second.secretId,
    });

    expect(bothActive).toEqual([first.secretId, second.secretId]);
    expect(matchSecret(afterRevoke!, first.secret, clock.now)).toBeUndefined();
    expect(matchSecret(afterRevoke!, second.secret, clock.now)?.id).toBe(second.secretId);
    expect(matchSecret(afterRevoke!, 'not-the-secret', clock.now)).toBeUndefined();
    expect(oldToken).toBeUndefined();
    expect(newToken?.id).toBe(credential.id);
  });

  it('loses no secret and undoes no revocation when rotations and a revocation race', async () => {
    // Prepare: a client with two secrets; two admins act on it at once.
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential, secret: first } = await registry.createClient({ createdBy: 'test' });
    const second = await registry.rotateSecret(credential.id);

    // Act
    const [third, fourth] = await Promise.all([
      registry.rotateSecret(credential.id),
      registry.rotateSecret(credential.id),
      registry.revokeSecret(credential.id, first.secretId),
    ]);
    await registry.revokeSecret(credential.id, first.secretId);
    const client = await registry.get(credential.id);

    // Assess
    const ids = client?.secrets?.map((secret) => secret.id);
    expect(ids).toHaveLength(4);
    expect(ids).toEqual(
      expect.arrayContaining([first.secretId, second.secretId, third.secretId, fourth.secretId]),
    );
    expect(client?.secrets?.find((s) => s.id === first.secretId)?.revokedAt).toBeDefined();
    for (const issued of [second, third, fourth]) {
      expect(matchSecret(client!, issued.secret, clock.now)?.id).toBe(issued.secretId);
    }
  });

  it('adds no secret to a revoked client, and revokes every other one when asked', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential, secret: first } = await registry.createClient({ createdBy: 'test' });

    const only = await registry.rotateSecret(credential.id, { revokeOthers: true });
    const afterRotation = await registry.get(credential.id);
    await registry.revoke(credential.id, 'test');

    expect(matchSecret(afterRotation!, first.secret, clock.now)).toBeUndefined();
    expect(matchSecret(afterRotation!, only.secret, clock.now)?.id).toBe(only.secretId);
    await expect(registry.rotateSecret(credential.id)).rejects.toMatchObject({
      name: 'CredentialNotFoundError',
    });
    await expect(registry.revokeSecret(credential.id, 'no-such-secret')).rejects.toMatchObject({
      name: 'CredentialNotFoundError',
    });
  });

  it('refuses a secret once it has expired', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential, secret } = await registry.createClient({
      createdBy: 'test',
      secretExpiresAt: new Date(T0 + 1_000).toISOString(),
    });

    const before = matchSecret(credential, secret.secret, T0);
    const after = matchSecret(credential, secret.secret, T0 + 1_000);

    expect(before?.id).toBe(secret.secretId);
    expect(after).toBeUndefined();
  });

  it('refuses an access-token lifetime outside 1 to 6 hours', async () => {
    const registry = registryAt({ now: T0 });

    await expect(
      registry.createClient({ createdBy: 'test', accessTokenSeconds: 60 }),
    ).rejects.toThrow(/lifetime/);
    await expect(
      registry.createClient({ createdBy: 'test', accessTokenSeconds: 7 * 3_600 }),
    ).rejects.toThrow(/lifetime/);
  });

  it('counts failed attempts per window and starts over when the window has passed', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential } = await registry.createClient({ createdBy: 'test' });

    const counts = [];
    for (let i = 0; i < 3; i++) counts.push(await registry.recordFailure(credential.id, 60_000));
    clock.now += 61_000;
    counts.push(await registry.recordFailure(credential.id, 60_000));
    const unknown = await registry.recordFailure('no-such-client', 60_000);

    expect(counts).toEqual([1, 2, 3, 1]);
    expect(unknown).toBe(1);
    expect(await rawItem('no-such-client')).toBeUndefined();
  });
});

describe('credential registry: last used', () => {
  it('writes lastUsedAt at most once a minute per credential', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const other = registryAt(clock);
    const token = await registry.createSecretToken({ createdBy: 'test' });
    const stats = newStoreStats();

    await withStoreStats(stats, async () => {
      await registry.touch(token);
      clock.now += 1_000;
      await registry.touch(token);
      // Another instance, which has not written it itself, still sees the stored date.
      await other.touch((await other.get(token.id))!);
    });
    const firstUse = (await registry.get(token.id))?.lastUsedAt;
    clock.now = T0 + LAST_USED_RESOLUTION_MS + 1_000;
    await registry.touch((await registry.get(token.id))!);
    const later = (await registry.get(token.id))?.lastUsedAt;

    expect(stats.byCommand).toEqual({ UpdateItemCommand: 1, GetItemCommand: 1 });
    expect(firstUse).toBe(new Date(T0).toISOString());
    expect(later).toBe(new Date(T0 + LAST_USED_RESOLUTION_MS + 1_000).toISOString());
  });

  it('is exact to the minute: a use 30 s after the last write is not written, one 61 s after is', async () => {
    const clock = { now: T0 + 5 * LAST_USED_RESOLUTION_MS };
    const registry = registryAt(clock);
    const token = await registry.createSecretToken({ createdBy: 'test' });
    const first = clock.now;
    await registry.touch(token);
    clock.now = first + 30_000;
    await registry.touch((await registry.get(token.id))!);
    expect((await registry.get(token.id))?.lastUsedAt).toBe(new Date(first).toISOString());
    clock.now = first + 61_000;
    await registry.touch((await registry.get(token.id))!);
    expect((await registry.get(token.id))?.lastUsedAt).toBe(new Date(first + 61_000).toISOString());
    expect(LAST_USED_RESOLUTION_MS).toBe(60_000);
  });

  it('lists every credential, revoked ones included, oldest first', async () => {
    const clock = { now: T0 + 10 * LAST_USED_RESOLUTION_MS };
    const registry = registryAt(clock);
    const a = await registry.createSecretToken({ createdBy: 'test', description: 'first' });
    clock.now += 1_000;
    const b = await registry.createClient({ createdBy: 'test', description: 'second' });
    await registry.revoke(a.id, 'operator');

    const { credentials } = await registry.list();
    const ids = credentials.map((c) => c.id);

    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.credential.id));
    expect(credentials.find((c) => c.id === a.id)?.revokedAt).toBeDefined();
  });
});

describe('credential registry: a token names a credential of its own kind', () => {
  it('refuses a Secret Token credential for an access token, an OAuth client for a Secret Token', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const token = await registry.createSecretToken({ createdBy: 'test' });
    const { credential: client, secret } = await registry.createClient({ createdBy: 'test' });
    const issuedAt = T0 / 1000;

    const found = {
      tokenAsToken: await registry.activeCredential({
        credentialId: token.id,
        issuedAt,
        kind: 'secret-token',
      }),
      tokenAsClient: await registry.activeCredential({
        credentialId: token.id,
        issuedAt,
        secretId: 'wif',
        kind: 'oauth-client',
      }),
      clientAsClient: await registry.activeCredential({
        credentialId: client.id,
        issuedAt,
        secretId: secret.secretId,
        kind: 'oauth-client',
      }),
      clientAsToken: await registry.activeCredential({
        credentialId: client.id,
        issuedAt,
        kind: 'secret-token',
      }),
    };

    expect(found.tokenAsToken?.id).toBe(token.id);
    expect(found.tokenAsClient).toBeUndefined();
    expect(found.clientAsClient?.id).toBe(client.id);
    expect(found.clientAsToken).toBeUndefined();
  });

  it('refuses a workload-identity access token of a client without a workload identity', async () => {
    const clock = { now: T0 };
    const registry = registryAt(clock);
    const { credential: plain } = await registry.createClient({ createdBy: 'test' });
    const { credential: federated } = await registry.createClient({
      createdBy: 'test',
      workloadIdentity: {
        entraTenantId: '3c8a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b',
        subject: 'sync-fabric',
        audience: 'api://4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a',
      },
    });
    const claims = { issuedAt: T0 / 1000, secretId: 'wif', kind: 'oauth-client' } as const;

    expect(await registry.activeCredential({ ...claims, credentialId: plain.id })).toBeUndefined();
    expect((await registry.activeCredential({ ...claims, credentialId: federated.id }))?.id).toBe(
      federated.id,
    );
  });
});

describe('used assertions (shared/store/assertions.ts)', () => {
  const used = (identifier: string, expiresAt: number) => ({
    issuer: 'https://login.microsoftonline.com/3c8a1f2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b/v2.0',
    identifier,
    clientId: 'client-1',
    expiresAt,
    usedAt: new Date(T0).toISOString(),
  });
  const now = T0 / 1000;

  it('remembers an assertion once: the first put wins, every later one is told it was used', async () => {
    const first = await rememberAssertion(used('jti:a', now + 600), now);
    const again = await rememberAssertion(used('jti:a', now + 600), now + 1);
    const other = await rememberAssertion(used('jti:b', now + 600), now);

    expect([first, again, other]).toEqual([true, false, true]);
  });

  it('lets only one of many concurrent puts of one assertion win', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => rememberAssertion(used('jti:race', now + 600), now)),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('writes over an item whose time has passed, which TTL has not deleted yet', async () => {
    await rememberAssertion(used('jti:late', now + 60), now);

    const afterExpiry = await rememberAssertion(used('jti:late', now + 3_600), now + 61);
    const atExpiry = await rememberAssertion(used('jti:late', now + 3_600), now + 3_600);

    expect(afterExpiry).toBe(true);
    expect(atExpiry).toBe(false);
  });
});
