import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminError } from '../../../shared/admin/http.js';
import { searchTerms } from '../../../shared/admin/integration.js';
import {
  identifierLogPolicySource,
  logHash,
  logHashKeyMessage,
} from '../../../shared/http/log-identifiers.js';
import { kmsHmacStandIn } from '../../support/kms-stand-in.js';

const KEY = 'k'.repeat(40);
const fleetKey = kmsHmacStandIn();
const kms = mockClient(KMSClient);

describe('what the history search looks for', () => {
  afterEach(() => {
    kms.reset();
  });

  it('looks for the value itself where identifiers are logged as sent', async () => {
    expect(await searchTerms('Alice@Contoso.test', identifierLogPolicySource({}))).toEqual([
      'Alice@Contoso.test',
    ]);
  });

  it('also looks for its keyed hashes where the tenant logs identifiers hashed', async () => {
    const source = identifierLogPolicySource({ LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: KEY });
    const terms = await searchTerms('Alice@Contoso.test', source);
    expect(terms[0]).toBe('Alice@Contoso.test');
    // Names fold: any spelling finds the lines Entra's spelling wrote.
    expect(terms).toContain(logHash(KEY, 'userName', 'alice@contoso.test'));
    expect(terms).toContain(logHash(KEY, 'externalId', 'Alice@Contoso.test'));
  });

  it("hashes with the key the tenant's functions derive from the fleet's KMS key", async () => {
    // Prepare: KMS answers as it would with the fleet key.
    kms.on(GenerateMacCommand).callsFake(fleetKey.generateMac);
    const derived = fleetKey.mac(logHashKeyMessage('acme')).toString('base64url');
    const env = {
      LOG_IDENTIFIERS: 'hmac',
      LOG_HASH_KMS_KEY_ID: 'alias/GroupTalkScim-log-identifiers',
      TENANT: 'acme',
    };

    // Act
    const terms = await searchTerms('Alice@Contoso.test', identifierLogPolicySource(env));

    // Assess
    expect(terms).toContain(logHash(derived, 'userName', 'alice@contoso.test'));
    expect(terms).toContain(logHash(derived, 'externalId', 'Alice@Contoso.test'));
  });

  it('refuses to search (503) rather than search for the clear term alone when KMS fails', async () => {
    kms.on(GenerateMacCommand).rejects(new Error('AccessDeniedException'));
    const source = identifierLogPolicySource({
      LOG_IDENTIFIERS: 'hmac',
      LOG_HASH_KMS_KEY_ID: 'alias/GroupTalkScim-log-identifiers',
      TENANT: 'acme',
    });

    const refused = await searchTerms('Alice@Contoso.test', source).catch((error) => error);

    expect(refused).toBeInstanceOf(AdminError);
    expect(refused).toMatchObject({ status: 503, code: 'logKeyUnavailable' });
  });
});
