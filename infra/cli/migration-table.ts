/**
 * The table a one-off migration command works on (`npm run migrate-names`, `migrate-directory`):
 * `--local` (the running `npm start`'s DynamoDB Local, else one started on its data folder) or
 * `--table <name>` in AWS. Sets the store's environment (`TABLE_NAME`, `DYNAMODB_ENDPOINT`,
 * `AWS_REGION`) before the caller imports the store, which reads it at import time.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** What the caller must do when done: stop the DynamoDB Local it may have started. */
export interface MigrationTable {
  readonly stop: () => Promise<void>;
}

/**
 * Parses `--local | --table <name> [--region <region>]` (prints `help` and exits on `--help` or
 * a wrong combination) and points the store at that table.
 */
export async function migrationTable(help: string): Promise<MigrationTable> {
  const { values } = parseArgs({
    options: {
      local: { type: 'boolean', default: false },
      table: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.local === (values.table !== undefined)) {
    console.log(help);
    process.exit(values.help ? 0 : 2);
  }

  let stop = async () => {};
  if (values.local) {
    const { ensureTable, startDynamoDbLocal } = await import('../local/dynamodb-local.js');
    const { localStateDir, readServiceRecord } = await import('../local/service-record.js');
    let localTable = process.env.LOCAL_TABLE_NAME ?? 'grouptalk-scim-local';
    let endpoint = process.env.DYNAMODB_ENDPOINT;
    // A running npm start holds the data folder: its DynamoDB Local is the one to use.
    const service = endpoint ? undefined : await readServiceRecord();
    if (service) {
      endpoint = service.dynamodbEndpoint;
      localTable = process.env.LOCAL_TABLE_NAME ?? service.tableName;
    }
    if (!endpoint) {
      const running = await startDynamoDbLocal({ dbPath: join(localStateDir(), 'dynamodb-data') });
      endpoint = running.endpoint;
      stop = () => running.stop();
    }
    // As npm start does: a machine that never ran it gets the empty table (nothing to migrate),
    // and a table made before an index gets it.
    await ensureTable(endpoint, localTable).catch(async (error) => {
      await stop();
      throw error;
    });
    Object.assign(process.env, { TABLE_NAME: localTable, DYNAMODB_ENDPOINT: endpoint });
  } else {
    process.env.TABLE_NAME = values.table;
    delete process.env.DYNAMODB_ENDPOINT;
  }
  process.env.AWS_REGION = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
  return { stop };
}
