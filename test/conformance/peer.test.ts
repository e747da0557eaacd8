import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { describeWithShared, sharedFile } from '../support/shared-folder.js';
import { ALL_FOLDERS, PEER_COLLECTION, runPeerSuite } from './peer-suite.js';

const collectionPath = sharedFile(PEER_COLLECTION);

/** Every folder of the collection: discovery, users, groups, complex attributes and garbage. */
const FOLDERS = ALL_FOLDERS;

describeWithShared(PEER_COLLECTION, "Microsoft's SCIM Postman collection with newman", () => {
  let service: TestService;
  let oauthService: TestService;
  beforeAll(async () => {
    service = await startTestService();
    oauthService = await startTestService({ credential: 'client-credentials' });
  });
  afterAll(async () => {
    await service?.close();
    await oauthService?.close();
  });

  it.each([
    ['a Secret Token', () => service, 'newman-report.json'],
    [
      'an access token from the token endpoint (client credentials)',
      () => oauthService,
      'newman-report-oauth.json',
    ],
  ] as const)(
    'passes every assertion of every folder apart from documented deviations, with %s',
    async (_credential, serviceOf, reportPath) => {
      const { url, token } = serviceOf();
      const result = await runPeerSuite({
        url,
        token,
        collectionPath: collectionPath as string,
        folders: FOLDERS,
        reportPath,
        quiet: true,
      });

      expect(result.requests).toBeGreaterThan(30);
      expect(result.assertions).toBeGreaterThan(30);
      expect(result.unexpected).toEqual([]);
    },
    120_000,
  );
});
