/**
 * `npm run migrate-directory -- --local | --table <name>`: writes the integration page's directory
 * items (search items, deactivated count) of users and groups stored before it (see
 * `shared/store/migrate-directory.ts`). Run it once per tenant after deploying the directory, once
 * its bySearch index is ACTIVE; running it again is harmless.
 */
import { terminalProgress } from '../progress.js';
import { migrationTable } from './migration-table.js';

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

const table = await migrationTable(HELP);

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
  await table.stop();
}
