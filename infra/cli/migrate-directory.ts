/**
 * `npm run migrate-directory -- --local | --table <name>`: writes the integration page's directory
 * items (search items, deactivated count) of users and groups stored before it (see
 * `shared/store/migrate-directory.ts`). Run it once per tenant after deploying the directory, once
 * its bySearch index is ACTIVE; running it again is harmless.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { terminalProgress } from '../progress.js';

const HELP = `Usage: npm run migrate-directory -- --local | --table <name> [--region <region>]

Writes the directory's search items and deactivated-users count for users and groups
stored before the integration page's directory (docs/architecture.md, "Storage"). In AWS,
run it once the table's bySearch index is ACTIVE (aws dynamodb describe-table).

  --local          the table of npm start: the running one's (found through
                   .local/service.json), else DynamoDB Local in .local/dynamodb-data;
                   DYNAMODB_ENDPOINT, when set, names another DynamoDB Local
  --table <name>   a tenant's table in AWS (the stack output TableName), with the
                   caller's AWS credentials; --region or AWS_REGION
Prints how many it brought up to date; those the service wrote meanwhile needed nothing.`;

const { values } = parseArgs({
  options: {
    local: { type: 'boolean', default: false },
    table: { type: 'string' },
    region: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || values.local === (values.table !== undefined)) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}

let localTable = process.env.LOCAL_TABLE_NAME ?? 'grouptalk-scim-local';
let stop: (() => Promise<void>) | undefined;
if (values.local) {
  const { ensureTable, startDynamoDbLocal } = await import('../local/dynamodb-local.js');
  const { localStateDir, readServiceRecord } = await import('../local/service-record.js');
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  // A running npm start holds the data folder: its DynamoDB Local is the one to use.
  const service = endpoint ? undefined : await readServiceRecord();
  if (service) {
    endpoint = service.dynamodbEndpoint;
    localTable = process.env.LOCAL_TABLE_NAME ?? service.tableName;
  }
  if (!endpoint) {
    const dbPath = join(localStateDir(), 'dynamodb-data');
    const running = await startDynamoDbLocal({ dbPath });
    endpoint = running.endpoint;
    stop = () => running.stop();
  }
  // As npm start does: the table gets the bySearch index when it predates it.
  await ensureTable(endpoint, localTable).catch(async (error) => {
    await stop?.();
    throw error;
  });
  Object.assign(process.env, { TABLE_NAME: localTable, DYNAMODB_ENDPOINT: endpoint });
} else {
  process.env.TABLE_NAME = values.table;
  delete process.env.DYNAMODB_ENDPOINT;
}
process.env.AWS_REGION = values.region ?? process.env.AWS_REGION ?? 'us-east-1';

try {
  // After the environment is set: the store reads its configuration at import time.
  const { migrateDirectory } = await import('../../shared/store/migrate-directory.js');
  const progress = terminalProgress({ label: 'migrate-directory' });
  const report = await migrateDirectory({ progress });
  progress.stop();
  console.log(
    `Examined ${report.examined} users and groups; brought ${report.migrated} up to date; written by the service meanwhile ${report.changed}.`,
  );
  process.exitCode = 0;
} finally {
  await stop?.();
}
