/**
 * `npm run peer -- --url <Tenant URL> --token <Secret Token> [--folder "User tests" …]`
 *
 * Runs Microsoft's SCIM Postman collection with newman against a running service (`npm start`
 * prints the URL and token; `SCIM_URL` and `SCIM_TOKEN` work too) and exits non-zero on any
 * failure that is not a documented deviation.
 */
import { parseArgs } from 'node:util';
import { absenceNote, sharedFile } from '../support/shared-folder.js';
import { ALL_FOLDERS, DOCUMENTED_DEVIATIONS, PEER_COLLECTION, runPeerSuite } from './peer-suite.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SCIM_URL },
    token: { type: 'string', default: process.env.SCIM_TOKEN },
    folder: { type: 'string', multiple: true },
    report: { type: 'string', default: 'newman-report.json' },
  },
});

const collectionPath = sharedFile(PEER_COLLECTION);
if (!collectionPath) {
  console.error(absenceNote(PEER_COLLECTION));
  process.exit(0);
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
