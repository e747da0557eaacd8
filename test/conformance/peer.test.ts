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

  it('passes every assertion of every folder apart from documented deviations', async () => {
    const result = await runPeerSuite({
      url: service.url,
      token: service.token,
      collectionPath: collectionPath as string,
      folders: FOLDERS,
      reportPath: 'newman-report.json',
      quiet: true,
    });

    expect(result.requests).toBeGreaterThan(30);
    expect(result.assertions).toBeGreaterThan(30);
    expect(result.unexpected).toEqual([]);
  }, 120_000);

  it('passes the same way with an access token from the token endpoint (client credentials)', async () => {
    const result = await runPeerSuite({
      url: oauthService.url,
      token: oauthService.token,
      collectionPath: collectionPath as string,
      folders: FOLDERS,
      reportPath: 'newman-report-oauth.json',
      quiet: true,
    });

    expect(result.requests).toBeGreaterThan(30);
    expect(result.assertions).toBeGreaterThan(30);
    expect(result.unexpected).toEqual([]);
  }, 120_000);
});
