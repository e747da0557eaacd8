import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CYCLE_BURST,
  checkTenantInFleet,
  declaredTenants,
  fleetCells,
  loadFleet,
  loadTenant,
  parseFleetConfig,
  parseTenantConfig,
  placeTenant,
  TenantConfigError,
  tenantConcurrencyBound,
  throttlingForShare,
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
  it('fills in the defaults: 30 days of logs, INFO, 50 rps with bursts of 100, no revocations, no own alarms', () => {
    // Prepare
    const minimal = { name: 'minimal', tokenPublicKeys: demo.tokenPublicKeys };

    // Act
    const tenant = parseTenantConfig(minimal);

    // Assess
    expect(tenant).toEqual({
      name: 'minimal',
      canary: false,
      tokenPublicKeys: demo.tokenPublicKeys,
      revokedTokenIds: [],
      tokenKmsKeyArns: [],
      logRetentionDays: 30,
      logLevel: 'INFO',
      logIdentifiers: 'clear',
      throttling: { rateLimit: 50, burstLimit: 100 },
    });
  });

  it('accepts a file holding only its name', () => {
    const tenant = parseTenantConfig({ name: 'solo' }, 'solo');

    expect(tenant.name).toBe('solo');
    expect(tenant.tokenPublicKeys).toEqual({ keys: [] });
    expect(tenant.account).toBeUndefined();
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
        revokedTokenIds: ['a'],
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
      '  - revokedTokenIds is no longer read: tokens are refused unless registered',
      '  - customDomain.domainName must be a lower-case DNS name',
      '  - customDomain.certificateArn must be an ACM certificate ARN',
      '  - logRetentionDay is not a known field',
    ]) {
      expect(message).toContain(field);
    }
  });

  it('refuses Entra-issued tokens without a pinned caller, saying where the operator finds one', () => {
    const directory = '3f2c9a4e-8b1d-4c6e-9f0a-7d5b2e1c8a93';
    const guid = '5e1d2c3b-4a59-4687-9b0a-1c2d3e4f5a6b';

    const unpinned = problemsOf(config({ entraTenantId: directory }));

    expect(unpinned).toContain(
      'entraAppId or entraObjectId is needed with entraTenantId (Entra-issued tokens must name their caller)',
    );
    expect(unpinned).toContain(
      'Entra ID > Enterprise apps > All applications > the GroupTalk application > Properties: Application ID (entraAppId), Object ID (entraObjectId)',
    );
    for (const pin of [{ entraAppId: guid }, { entraObjectId: guid }]) {
      expect(parseTenantConfig(config({ entraTenantId: directory, ...pin }), 'demo')).toMatchObject(
        pin,
      );
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

  it('accepts own alarms with an e-mail address and rejects anything else', () => {
    expect(parseTenantConfig(config({ alarms: { email: 'ops@acme.example' } })).alarms).toEqual({
      email: 'ops@acme.example',
    });
    expect(parseTenantConfig(config({ alarms: true })).alarms).toEqual({});
    expect(parseTenantConfig(config({ alarms: false })).alarms).toBeUndefined();
    for (const bad of ['Acme Ops', 'ops@', 'a@b.c, d@e.f', 42]) {
      expect(problemsOf(config({ alarms: { email: bad } }))).toContain(
        'alarms.email must be one e-mail address such as ops@example.com',
      );
    }
  });

  it('writes log identifiers as sent unless told hmac, and names the choices otherwise', () => {
    expect(parseTenantConfig(config({})).logIdentifiers).toBe('clear');
    expect(parseTenantConfig(config({ logIdentifiers: 'hmac' })).logIdentifiers).toBe('hmac');
    expect(problemsOf(config({ logIdentifiers: 'hashed' }))).toContain(
      'logIdentifiers must be one of clear, hmac, got "hashed"',
    );
  });

  it('rejects an account or region that is not one', () => {
    const message = problemsOf(config({ account: '1234', region: 'Europe' }));

    expect(message).toContain('  - account must be a 12-digit AWS account id, got "1234"');
    expect(message).toContain('  - region must be an AWS region such as eu-west-1, got "Europe"');
  });

  it('rejects token settings that would not fit in the Lambda environment', () => {
    const arns = Array.from(
      { length: 45 },
      (_, i) =>
        `arn:aws:kms:eu-west-1:111111111111:key/0b6c2a1e-7d4f-4c3b-9a8e-5f6d7c8b9a${String(i).padStart(2, '0')}`,
    );

    expect(problemsOf(config({ tokenKmsKeyArns: arns }))).toContain(
      'tokenPublicKeys and tokenKmsKeyArns together exceed 3072 bytes',
    );
  });
});

describe('fleet configuration', () => {
  const fleet = parseFleetConfig({ account: '111111111111', region: 'eu-west-1' });

  it('is valid as declared, naming its account and region', () => {
    expect(loadFleet()).toMatchObject({ account: expect.stringMatching(/^\d{12}$/) });
  });

  it('requires an account and a region: nothing falls back to a default', () => {
    expect(() => parseFleetConfig({})).toThrow(
      /the fleet:\n {2}- account must be a 12-digit AWS account id, got nothing\n {2}- region must be an AWS region/,
    );
  });

  it('places a tenant in its own account and region, or else in the fleet one', () => {
    expect(placeTenant(parseTenantConfig({ name: 'here' }), fleet)).toMatchObject({
      account: '111111111111',
      region: 'eu-west-1',
    });
    expect(
      placeTenant(
        parseTenantConfig({ name: 'away', account: '222222222222', region: 'us-west-2' }),
        fleet,
      ),
    ).toMatchObject({ account: '222222222222', region: 'us-west-2' });
  });

  it('bounds one tenant by burst + rate × 10 s, and refuses throttling above the fleet bound', () => {
    const defaults = parseTenantConfig({ name: 'bounded' });
    const greedy = parseTenantConfig({
      name: 'greedy',
      throttling: { rateLimit: 100, burstLimit: 200 },
    });

    expect(tenantConcurrencyBound(defaults.throttling)).toBe(600);
    expect(() => checkTenantInFleet(defaults, fleet)).not.toThrow();
    expect(() => checkTenantInFleet(greedy, fleet)).toThrow(
      "throttling allows 1200 concurrent functions (burstLimit + rateLimit × 10 s), more than the fleet's maxTenantConcurrency (600)",
    );
  });
});

describe('cells and throttling derived from a tenant concurrency share', () => {
  const base = { account: '111111111111', region: 'eu-west-1' };
  const withCells = parseFleetConfig({
    ...base,
    cells: [
      { id: 'eu1', ...base },
      { id: 'eu2', account: '222222222222', region: 'eu-west-1', otherApis: 10 },
    ],
  });

  it('places a tenant in the cell it names, its own account and region, or the first cell', () => {
    expect(placeTenant(parseTenantConfig({ name: 'a', cell: 'eu2' }), withCells)).toMatchObject({
      cell: 'eu2',
      account: '222222222222',
      region: 'eu-west-1',
    });
    expect(placeTenant(parseTenantConfig({ name: 'b' }), withCells)).toMatchObject({ cell: 'eu1' });
    expect(
      placeTenant(parseTenantConfig({ name: 'c', account: '222222222222' }), withCells).cell,
    ).toBe('eu2');
    expect(() => placeTenant(parseTenantConfig({ name: 'd', cell: 'nope' }), withCells)).toThrow(
      'cell "nope" is not declared in infra/fleet.json (cells: eu1, eu2)',
    );
    expect(() =>
      placeTenant(parseTenantConfig({ name: 'e', cell: 'eu1', region: 'us-east-1' }), withCells),
    ).toThrow('contradict cell "eu1"');
    expect(() =>
      placeTenant(parseTenantConfig({ name: 'f', region: 'us-east-1' }), withCells),
    ).toThrow('111111111111/us-east-1 is no declared cell');
  });

  it('keeps the declared tenants in the account and region they had, now as cell eu1', () => {
    const fleet = loadFleet();
    for (const name of declaredTenants()) {
      expect(placeTenant(loadTenant(name), fleet)).toMatchObject({
        cell: 'eu1',
        account: '111111111111',
        region: 'eu-west-1',
      });
    }
  });

  it('refuses two cells in one account and region', () => {
    const twice = parseFleetConfig({
      ...base,
      cells: [
        { id: 'a', ...base },
        { id: 'b', ...base },
      ],
    });
    expect(() => fleetCells(twice)).toThrow('a cell is one account and region');
  });

  it('derives the stage throttle from the share: 25/s sustained at least, a burst for a cycle', () => {
    // (600 − 100 burst) / 10 s timeout: every request may run to its timeout within the share.
    expect(throttlingForShare(600)).toEqual({ rateLimit: 50, burstLimit: CYCLE_BURST });
    expect(tenantConcurrencyBound(throttlingForShare(600))).toBe(600);
    expect(throttlingForShare(350)).toEqual({ rateLimit: 25, burstLimit: 100 });
    expect(() => throttlingForShare(349)).toThrow('raise maxTenantConcurrency to at least 350');
    expect(parseTenantConfig({ name: 'x' }).throttling).toEqual(throttlingForShare(600));
    // A tenant without throttling of its own gets the one its share allows; an explicit one stays.
    const larger = parseFleetConfig({ ...base, maxTenantConcurrency: 1100 });
    expect(placeTenant(parseTenantConfig({ name: 'x' }), larger).throttling).toEqual({
      rateLimit: 100,
      burstLimit: 100,
    });
    const own = { rateLimit: 30, burstLimit: 60 };
    expect(
      placeTenant(parseTenantConfig({ name: 'y', throttling: own }), larger).throttling,
    ).toEqual(own);
  });
});
