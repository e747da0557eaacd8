import { randomBytes } from 'node:crypto';
import { EncryptJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  csrfMatches,
  newSession,
  openSession,
  openSignIn,
  ROLE_CHECK_SECONDS,
  roleCheckDue,
  sealSession,
  sealSignIn,
} from '../../../shared/admin/session.js';

const key = new Uint8Array(randomBytes(32));
const user = { userId: 'oid-1', name: 'Ada Admin', username: 'ada@contoso.test' };

describe('admin session cookies', () => {
  it('opens a sealed session with its user and CSRF token', async () => {
    const session = newSession(user, 60);
    const opened = await openSession(await sealSession(session, key, 'acme'), key, 'acme');
    expect(opened).toEqual(session);
    expect(session.csrfToken).toMatch(/^[\w-]{43}$/);
  });

  it('refuses a session sealed for another tenant, with another key, or altered', async () => {
    const sealed = await sealSession(newSession(user, 60), key, 'acme');
    expect(await openSession(sealed, key, 'globex')).toBeUndefined();
    expect(await openSession(sealed, new Uint8Array(randomBytes(32)), 'acme')).toBeUndefined();
    const altered = `${sealed.slice(0, -4)}${sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await openSession(altered, key, 'acme')).toBeUndefined();
    expect(await openSession(undefined, key, 'acme')).toBeUndefined();
  });

  it('refuses a cookie of an earlier version, which names no session record', async () => {
    const { sessionId: _none, expiresAt, ...claims } = newSession(user, 60);
    const earlier = await new EncryptJWT(claims)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience('urn:grouptalk:admin:acme:session')
      .setExpirationTime(expiresAt)
      .encrypt(key);
    expect(await openSession(earlier, key, 'acme')).toBeUndefined();
  });

  it('gives each session its own id', () => {
    const ids = new Set([1, 2, 3].map(() => newSession(user, 60).sessionId));
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[\w-]{22}$/);
  });

  it('asks for a role check an hour after the last one, not before', () => {
    const checked = 1_800_000_000;
    expect(roleCheckDue(checked, checked + 3599)).toBe(false);
    expect(roleCheckDue(checked, checked + 3600)).toBe(true);
    expect(ROLE_CHECK_SECONDS).toBe(3600);
  });

  it('refuses an expired session', async () => {
    const expired = await new EncryptJWT({ ...user, csrfToken: 'x' })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience('urn:grouptalk:admin:acme:session')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .encrypt(key);
    expect(await openSession(expired, key, 'acme')).toBeUndefined();
  });

  it('keeps a sign-in transaction apart from a session', async () => {
    const transaction = {
      state: 's',
      nonce: 'n',
      codeVerifier: 'v',
      redirectUri: 'https://x/admin/callback',
      silent: true,
    };
    const sealed = await sealSignIn(transaction, key, 'acme');
    expect(await openSignIn(sealed, key, 'acme')).toEqual(transaction);
    // A sign-in cookie is not a session, nor the reverse.
    expect(await openSession(sealed, key, 'acme')).toBeUndefined();
    const session = await sealSession(newSession(user, 60), key, 'acme');
    expect(await openSignIn(session, key, 'acme')).toBeUndefined();
  });

  it('matches the CSRF token exactly', () => {
    const session = newSession(user, 60);
    expect(csrfMatches(session, session.csrfToken)).toBe(true);
    expect(csrfMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfMatches(session, session.csrfToken.slice(1))).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
  });
});
