import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  declaredTenants,
  loadTenant,
  parseTenantConfig,
  TenantConfigError,
} from '../../infra/tenants.js';

const demo = JSON.parse(
  readFileSync(new URL('../../infra/tenants/demo.json', import.meta.url), 'utf8'),
) as { tokenPublicKeys: { keys: Record<string, string>[] } };
const demoKey = demo.tokenPublicKeys.keys[0]!;

/** The demo tenant's settings with some fields replaced. */
function config(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...structuredClone(demo), ...overrides };
}

function problemsOf(raw: unknown, expectedName?: string): string {
  try {
    parseTenantConfig(raw, expectedName);
  } catch (error) {
    expect(error).toBeInstanceOf(TenantConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('declared tenants', () => {
  it('are demo and acme', () => {
    expect(declaredTenants()).toEqual(['acme', 'demo']);
  });

  it('are all valid', () => {
    for (const name of declaredTenants()) {
      expect(loadTenant(name).name).toBe(name);
    }
  });

  it('hold public keys only', () => {
    for (const name of declaredTenants()) {
      for (const key of loadTenant(name).tokenPublicKeys.keys) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      }
    }
  });

  it('reject an unknown tenant naming the declared ones', () => {
    expect(() => loadTenant('nope')).toThrow(
      'Unknown tenant "nope": declare it in infra/tenants/nope.json (declared: acme, demo)',
    );
  });
});

describe('tenant configuration', () => {
  it('fills in the defaults: 30 days of logs, INFO, 100 rps with bursts of 200, no revocations', () => {
    // Prepare
    const minimal = { name: 'minimal', tokenPublicKeys: demo.tokenPublicKeys };

    // Act
    const tenant = parseTenantConfig(minimal);

    // Assess
    expect(tenant).toEqual({
      name: 'minimal',
      tokenPublicKeys: demo.tokenPublicKeys,
      revokedTokenIds: [],
      logRetentionDays: 30,
      logLevel: 'INFO',
      throttling: { rateLimit: 100, burstLimit: 200 },
    });
  });

  it('rejects private key material with the tenant name and the field', () => {
    // Prepare
    const leaked = config({
      tokenPublicKeys: { keys: [{ ...demoKey, d: 'c2VjcmV0LXByaXZhdGUta2V5LW1hdGVyaWFsLTMyYg' }] },
    });

    // Act
    const message = problemsOf(leaked, 'demo');

    // Assess
    expect(message).toContain('Invalid configuration for tenant "demo"');
    expect(message).toContain(
      'tokenPublicKeys.keys[0] contains private key material ("d"): configure public keys only',
    );
  });

  it('rejects a key that is not ES256 or has no kid', () => {
    const { kid: _kid, ...withoutKid } = demoKey;
    const message = problemsOf(
      config({
        tokenPublicKeys: {
          keys: [withoutKid, { ...demoKey, kid: 'rsa', kty: 'RSA', crv: undefined }],
        },
      }),
    );

    expect(message).toContain('tokenPublicKeys.keys[0].kid is required');
    expect(message).toContain(
      'tokenPublicKeys.keys[1] must be an ES256 key (kty "EC", crv "P-256")',
    );
  });

  it('rejects an empty key set', () => {
    expect(problemsOf(config({ tokenPublicKeys: { keys: [] } }))).toContain(
      'tokenPublicKeys must be a JWKS object {"keys": [...]} with at least one key',
    );
  });

  it('rejects two keys with one kid', () => {
    expect(problemsOf(config({ tokenPublicKeys: { keys: [demoKey, demoKey] } }))).toContain(
      `tokenPublicKeys.keys[1].kid "${demoKey.kid}" is used by another key`,
    );
  });

  it('reports every bad field at once', () => {
    // Act
    const message = problemsOf(
      config({
        name: 'Acme Corp',
        entraTenantId: 'not-a-guid',
        logRetentionDays: 31,
        throttling: { rateLimit: 10, burstLimit: 5 },
        revokedTokenIds: ['a,b'],
        customDomain: { domainName: 'https://scim.acme.com', certificateArn: 'arn:aws:iam::1:x' },
        logRetentionDay: 30,
      }),
    );

    // Assess
    expect(message).toContain('Invalid configuration for tenant "Acme Corp"');
    for (const field of [
      '  - name must be 1-32 characters of lower-case letters',
      '  - entraTenantId must be a GUID',
      '  - logRetentionDays must be one of 1, 3, 5, 7, 14, 30,',
      '  - throttling.rateLimit must be a number of at least 25',
      '  - revokedTokenIds[0] must be a non-empty token id without commas',
      '  - customDomain.domainName must be a lower-case DNS name',
      '  - customDomain.certificateArn must be an ACM certificate ARN',
      '  - logRetentionDay is not a known field',
    ]) {
      expect(message).toContain(field);
    }
  });

  it('rejects a burst limit below the rate limit', () => {
    expect(problemsOf(config({ throttling: { rateLimit: 100, burstLimit: 50 } }))).toContain(
      'throttling.burstLimit (50) must be at least throttling.rateLimit (100)',
    );
  });

  it('rejects a file whose name field differs from its file name', () => {
    expect(problemsOf(config({ name: 'other' }), 'demo')).toContain(
      'name must equal the file name "demo", got "other"',
    );
  });

  it('accepts an alarm e-mail address and rejects anything else', () => {
    expect(parseTenantConfig(config({ alarmEmail: 'ops@acme.example' })).alarmEmail).toBe(
      'ops@acme.example',
    );
    for (const bad of ['Acme Ops', 'ops@', 'a@b.c, d@e.f', 42]) {
      expect(problemsOf(config({ alarmEmail: bad }))).toContain(
        'alarmEmail must be one e-mail address such as ops@example.com',
      );
    }
  });

  it('rejects token settings that would not fit in the Lambda environment', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `revoked-token-${i}`);

    expect(problemsOf(config({ revokedTokenIds: ids }))).toContain(
      'tokenPublicKeys and revokedTokenIds together exceed 3072 bytes',
    );
  });
});
