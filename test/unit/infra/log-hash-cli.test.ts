/**
 * `npm run log-hash -- --tenant <t>`: the operator's hashes come from the key the tenant's
 * functions derive (KMS at its seam: aws-sdk-client-mock answering with a real HMAC under a
 * stand-in key), and the key itself is never printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../infra/cli/log-hash.js';
import type { LocalServiceRecord } from '../../../infra/local/service-record.js';
import { logHash, logHashKeyMessage } from '../../../shared/http/log-identifiers.js';
import { kmsHmacStandIn } from '../../support/kms-stand-in.js';

const fleetKey = kmsHmacStandIn();
const kms = mockClient(KMSClient);
const tenantsDir = mkdtempSync(join(tmpdir(), 'log-hash-tenants-'));
writeFileSync(
  join(tenantsDir, 'hashed.json'),
  JSON.stringify({ name: 'hashed', logIdentifiers: 'hmac' }),
);
writeFileSync(join(tenantsDir, 'plain.json'), JSON.stringify({ name: 'plain' }));

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const regions: (string | undefined)[] = [];
  const code = await main(argv, {
    env,
    kms: (region) => {
      regions.push(region);
      return new KMSClient({ region: region ?? 'eu-west-1' });
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    tenantsDir,
    serviceRecordFile: join(tenantsDir, 'service.json'),
  });
  return { code, out: out.join('\n'), err: err.join('\n'), regions };
}

afterEach(() => {
  kms.reset();
});
afterAll(() => {
  rmSync(tenantsDir, { recursive: true, force: true });
});

describe('npm run log-hash -- --tenant', () => {
  it("prints the hashes of the tenant's KMS-derived key, deriving it as its functions do", async () => {
    // Prepare
    kms.on(GenerateMacCommand).callsFake(fleetKey.generateMac);
    const derived = fleetKey.mac(logHashKeyMessage('hashed')).toString('base64url');

    // Act
    const result = await run(['--tenant', 'hashed', '--region', 'eu-west-1', 'Bob@Example.com']);

    // Assess
    expect(result.code).toBe(0);
    const [call] = kms.commandCalls(GenerateMacCommand);
    expect(call!.args[0].input).toMatchObject({
      KeyId: 'alias/GroupTalkScim-log-identifiers',
      MacAlgorithm: 'HMAC_SHA_256',
    });
    expect(result.regions).toEqual(['eu-west-1']);
    expect(result.out).toContain(
      `userName / displayName: ${logHash(derived, 'userName', 'bob@example.com')}`,
    );
    expect(result.out).toContain(
      `externalId:             ${logHash(derived, 'externalId', 'Bob@Example.com')}`,
    );
    expect(result.out).not.toContain(derived);
  });

  it('uses the key given with --kms-key', async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array(32) });
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    const result = await run(['--tenant', 'hashed', '--kms-key', arn, 'bob@example.com']);

    expect(result.code).toBe(0);
    expect(kms.commandCalls(GenerateMacCommand)[0]!.args[0].input.KeyId).toBe(arn);
  });

  it('says what is missing when KMS refuses, and prints no hash', async () => {
    kms
      .on(GenerateMacCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    const result = await run(['--tenant', 'hashed', 'bob@example.com']);

    expect(result.code).toBe(1);
    expect(result.err).toContain('AccessDeniedException');
    expect(result.err).toContain('kms:GenerateMac');
    expect(result.out).not.toContain('hmac:');
  });

  it('refuses a tenant that logs identifiers as sent, and a key from two places', async () => {
    const plain = await run(['--tenant', 'plain', 'bob@example.com']);
    const both = await run(['--tenant', 'hashed', 'bob@example.com'], {
      LOG_HASH_KEY: 'k'.repeat(40),
    });

    expect(plain).toMatchObject({ code: 1, out: '' });
    expect(plain.err).toContain('logIdentifiers "clear"');
    expect(both).toMatchObject({ code: 1, out: '' });
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(0);
  });
});

describe('npm run log-hash -- --local', () => {
  /** The record a running npm start leaves (this process stands in for it). */
  function recordNpmStart(logIdentifiers: 'clear' | 'hmac') {
    const record: Partial<LocalServiceRecord> = {
      tenant: 'local',
      logFile: '.local/logs/service.jsonl',
      logIdentifiers,
      pid: process.pid,
    };
    writeFileSync(join(tenantsDir, 'service.json'), JSON.stringify(record));
  }

  it('says to search for the value itself when npm start logs identifiers as sent', async () => {
    recordNpmStart('clear');

    const result = await run(['--local', 'bob@example.com'], { LOG_HASH_KEY: 'k'.repeat(40) });

    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain('search .local/logs/service.jsonl for the value itself');
  });

  it('prints the hashes of LOG_HASH_KEY when npm start hashes', async () => {
    recordNpmStart('hmac');
    const key = 'k'.repeat(40);

    const result = await run(['--local', 'bob@example.com'], { LOG_HASH_KEY: key });

    expect(result.code).toBe(0);
    expect(result.out).toContain(
      `userName / displayName: ${logHash(key, 'userName', 'bob@example.com')}`,
    );
  });

  it('says npm start is not running when no record is there', async () => {
    rmSync(join(tenantsDir, 'service.json'), { force: true });

    const result = await run(['--local', 'bob@example.com'], { LOG_HASH_KEY: 'k'.repeat(40) });

    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain('found no running npm start');
  });
});
