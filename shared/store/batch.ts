import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName, translateUnavailable } from './client.js';
import type { ItemKey } from './keys.js';
import { backoff } from './transactions.js';

const BATCH_WRITE_LIMIT = 25;
const MAX_ATTEMPTS = 8;

export type WriteRequest = { readonly put: Record<string, unknown> } | { readonly delete: ItemKey };

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
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      if (chunk) await writeChunk(chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, chunks.length) }, worker));
}

async function writeChunk(chunk: readonly WriteRequest[]): Promise<void> {
  let pending = chunk.map((request) =>
    'put' in request
      ? { PutRequest: { Item: request.put } }
      : { DeleteRequest: { Key: request.delete } },
  );
  for (let attempt = 1; pending.length > 0; attempt++) {
    try {
      const output = await documentClient.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: pending },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      pending = (output.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    } catch (error) {
      throw translateUnavailable(error);
    }
    if (pending.length > 0) {
      if (attempt >= MAX_ATTEMPTS) {
        throw translateUnavailable(
          Object.assign(new Error('unprocessed items'), { name: 'ThrottlingException' }),
        );
      }
      await backoff(attempt, 25);
    }
  }
}
