/**
 * `npm run peer -- --url <Tenant URL> --token <Secret Token> [--folder "User tests" …]`
 *
 * Runs Microsoft's SCIM Postman collection with newman against a running service and exits
 * non-zero on any failure that is not a documented deviation. Without flags it targets the
 * `npm start` of this checkout (`SCIM_URL`/`SCIM_TOKEN` also work).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { absenceNote, sharedFile } from '../support/shared-folder.js';
import { ALL_FOLDERS, DOCUMENTED_DEVIATIONS, PEER_COLLECTION, runPeerSuite } from './peer-suite.js';

const LOCAL_TOKEN = new URL('../../.local/keys/local.secret-token.txt', import.meta.url);

const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default: process.env.SCIM_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}/scim/v2`,
    },
    token: {
      type: 'string',
      default:
        process.env.SCIM_TOKEN ??
        (existsSync(LOCAL_TOKEN) ? readFileSync(LOCAL_TOKEN, 'utf8').trim() : undefined),
    },
    folder: { type: 'string', multiple: true },
    report: { type: 'string', default: 'newman-report.json' },
  },
});

const collectionPath = sharedFile(PEER_COLLECTION);
if (!collectionPath) {
  // Under CI=true nothing may skip silently.
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  console.error(ci ? `CI=true: ${absenceNote(PEER_COLLECTION)}` : absenceNote(PEER_COLLECTION));
  process.exit(ci ? 1 : 0);
}
if (!values.url || !values.token) {
  console.error('usage: npm run peer -- --url <Tenant URL> --token <Secret Token> [--folder NAME]');
  process.exit(2);
}

const result = await runPeerSuite({
  url: values.url,
  token: values.token,
  collectionPath,
  folders: values.folder ?? ALL_FOLDERS,
  reportPath: values.report,
});
console.log(
  `\n${result.requests} requests, ${result.assertions} assertions, ` +
    `${result.failures.length} failed (${result.deviations.length} documented deviations).`,
);
for (const failure of result.deviations) {
  const key = `${failure.request} › ${failure.assertion}`;
  console.log(`  deviation: ${key}: ${DOCUMENTED_DEVIATIONS[key]}`);
}
for (const failure of result.unexpected) {
  console.log(`  FAILED: ${failure.request} › ${failure.assertion}: ${failure.message}`);
}
process.exit(result.unexpected.length > 0 ? 1 : 0);
