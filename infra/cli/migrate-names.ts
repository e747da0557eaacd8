/**
 * `npm run migrate-names -- --local | --table <name>`: moves unique-name guards and name-order
 * keys to the identifier profile's keys (see `shared/store/migrate-names.ts`). Run it once per
 * tenant after deploying the profile; running it again is harmless.
 */
import { terminalProgress } from '../progress.js';
import { migrationTable } from './migration-table.js';

const HELP = `Usage: npm run migrate-names -- --local | --table <name> [--region <region>]

Moves the uniqueness guards and byType sort keys of users and groups whose names fold
differently under the identifier profile (docs/hardening.md, "Names are identifiers").

  --local          the table of npm start: the running one's (found through
                   .local/service.json), else DynamoDB Local in .local/dynamodb-data;
                   DYNAMODB_ENDPOINT, when set, names another DynamoDB Local
  --table <name>   a tenant's table in AWS (the stack output TableName), with the
                   caller's AWS credentials; --region or AWS_REGION
Prints what moved, look-alike names that could not move (another resource holds the
folded name: rename one, then run again) and stored names the profile would refuse.`;

const table = await migrationTable(HELP);

try {
  // After the environment is set: the store reads its configuration at import time.
  const { migrateNames } = await import('../../shared/store/migrate-names.js');
  const progress = terminalProgress({ label: 'migrate-names' });
  const report = await migrateNames({ progress });
  progress.stop();
  console.log(
    `Examined ${report.examined} users and groups; moved ${report.migrated}; changed while running ${report.changed}.`,
  );
  for (const conflict of report.conflicts) {
    console.log(
      `Look-alike: ${conflict.type} ${conflict.id} folds to the name held by ${conflict.heldBy ?? 'another resource'}; rename one and run again.`,
    );
  }
  for (const name of report.refused) {
    console.log(`Kept: ${name.type} ${name.id}: its name ${name.problem}.`);
  }
  process.exitCode = report.conflicts.length > 0 || report.changed > 0 ? 1 : 0;
} finally {
  await table.stop();
}
