/**
 * Raw DynamoDB round trips on the same DynamoDB Local, in the same run as the SCIM operations:
 * each command sent alone, one at a time, through a plain SDK client configured as the store's
 * (`dynamoDbClientConfig`), with nothing of the service around it. An operation's p50 next to the
 * raw round trips of its commands shows what the service adds to the database's own time.
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { percentile } from '../../infra/simulator/summary.js';
import { dynamoDbClientConfig } from '../../shared/store/client.js';
import { keys } from '../../shared/store/keys.js';
import { tableDesign } from '../../shared/store/table-design.js';

/** A command's raw round trip (ms). */
export interface RawFigure {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** By SDK command name, as the operations' `commands` name them (`GetItemCommand`, …). */
export type RawRoundTrips = Readonly<Record<string, RawFigure>>;

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Measures each command `samples` times after 10 unrecorded warm-ups. Reads address the user
 * `userId` (its item, its byMember index entries, a batch of `batchIds`); writes go to scratch
 * items of their own partition, removed at the end.
 */
export async function measureRawRoundTrips(options: {
  readonly endpoint: string;
  readonly tableName: string;
  readonly userId: string;
  readonly batchIds: readonly string[];
  readonly samples: number;
}): Promise<RawRoundTrips> {
  const { endpoint, tableName, userId, batchIds, samples } = options;
  const client = new DynamoDBClient(
    dynamoDbClientConfig({ tableName, endpoint, region: 'us-east-1' }),
  );
  const key = (k: { pk: string; sk: string }) => ({ pk: { S: k.pk }, sk: { S: k.sk } });
  const scratch = (i: number) => ({ pk: { S: 'BENCH#raw' }, sk: { S: `#${i % 4}` } });
  const byMember = tableDesign.indexes.byMember;
  const commands: Record<string, (i: number) => Promise<unknown>> = {
    GetItemCommand: () =>
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: key(keys.resource('User', userId)),
          ConsistentRead: true,
        }),
      ),
    QueryCommand: () =>
      client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: byMember.name,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': byMember.partitionKey },
          ExpressionAttributeValues: { ':k': { S: keys.membership('', userId).gsi5pk } },
        }),
      ),
    BatchGetItemCommand: () =>
      client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: batchIds.map((id) => key(keys.resource('User', id))),
              ConsistentRead: true,
            },
          },
        }),
      ),
    PutItemCommand: (i) =>
      client.send(
        new PutItemCommand({ TableName: tableName, Item: { ...scratch(i), n: { N: String(i) } } }),
      ),
    UpdateItemCommand: (i) =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: scratch(i),
          UpdateExpression: 'ADD #n :one',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    TransactWriteItemsCommand: (i) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...scratch(i), n: { N: '0' } } } },
            { Put: { TableName: tableName, Item: { ...scratch(i + 1), n: { N: '0' } } } },
          ],
        }),
      ),
    DeleteItemCommand: (i) =>
      client.send(new DeleteItemCommand({ TableName: tableName, Key: scratch(i) })),
  };
  const figures: Record<string, RawFigure> = {};
  try {
    for (const [name, send] of Object.entries(commands)) {
      for (let i = 0; i < 10; i++) await send(i);
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        await send(i);
        times.push(performance.now() - started);
      }
      figures[name] = { p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)) };
    }
    for (let i = 0; i < 4; i++) await commands.DeleteItemCommand?.(i);
  } finally {
    client.destroy();
  }
  return figures;
}

/**
 * The raw round trips of an operation's commands, one after the other: the sum of each
 * command's raw p50 times how often the operation sends it. An operation whose calls run
 * concurrently can take less; undefined when a command was not measured raw.
 */
export function rawSerialMs(
  commands: Readonly<Record<string, number>>,
  raw: RawRoundTrips,
): number | undefined {
  let total = 0;
  for (const [command, count] of Object.entries(commands)) {
    const figure = raw[command];
    if (figure === undefined) return undefined;
    total += figure.p50Ms * count;
  }
  return round(total);
}
