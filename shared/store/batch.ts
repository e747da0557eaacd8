import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../common/concurrency.js';
import { withRetries } from '../common/retry.js';
import { documentClient, tableName } from './client.js';
import { StoreUnavailableError } from './errors.js';
import type { ItemKey } from './keys.js';

const BATCH_WRITE_LIMIT = 25;

export type WriteRequest = { readonly put: Record<string, unknown> } | { readonly delete: ItemKey };

/**
 * What a batch call throws while DynamoDB leaves part of it unprocessed (its way of throttling a
 * batch): retried by `retryUnprocessed`, throttled once the attempts are spent.
 */
class Unprocessed extends Error {
  constructor() {
    super('unprocessed items');
  }
}

/**
 * Sends `send(pending)` until nothing is left unprocessed, with the one retry policy
 * (`common/retry.ts`); `send` returns what DynamoDB left. Throttled when items stay unprocessed.
 */
export async function retryUnprocessed<T>(
  pending: T[],
  send: (pending: T[]) => Promise<T[]>,
): Promise<void> {
  let left = pending;
  await withRetries(
    async () => {
      left = await send(left);
      if (left.length > 0) throw new Unprocessed();
    },
    {
      retryable: (error) => error instanceof Unprocessed,
      exhausted: () => new StoreUnavailableError('throttled'),
    },
  );
}

/**
 * Writes items 25 at a time with BatchWriteItem, resending what DynamoDB leaves unprocessed with
 * exponential backoff and jitter. Puts and deletes are idempotent, so a retried request is safe.
 * Chunks run `parallelism` at a time.
 */
export async function batchWrite(
  requests: readonly WriteRequest[],
  parallelism = 4,
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    chunks.push(requests.slice(start, start + BATCH_WRITE_LIMIT));
  }
  await mapConcurrently(chunks, parallelism, writeChunk);
}

async function writeChunk(chunk: readonly WriteRequest[]): Promise<void> {
  const pending = chunk.map((request) =>
    'put' in request
      ? { PutRequest: { Item: request.put } }
      : { DeleteRequest: { Key: request.delete } },
  );
  await retryUnprocessed(pending, async (left) => {
    const output = await documentClient().send(
      new BatchWriteCommand({
        RequestItems: { [tableName()]: left },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return (output.UnprocessedItems?.[tableName()] ?? []) as typeof left;
  });
}
