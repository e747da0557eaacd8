/**
 * Used client assertions: each workload-identity assertion (RFC 7523 §2.2) that was exchanged for
 * an access token is remembered until it expires, so the same assertion cannot be exchanged again
 * (RFC 7523 §3, item 7: "maintaining the set of used jti values for the length of time for which
 * the JWT would be considered valid"). One item per assertion, written with a conditional put: the
 * first writer wins, every later one is told it was used. The item carries DynamoDB's TTL
 * attribute, so the table forgets it without a sweeper; TTL deletes within days rather than at the
 * second, so the condition also lets an item whose time has passed be written over.
 *
 * Entra fetches a new assertion for every token request (one per provisioning cycle, or when its
 * access token runs out), so remembering never refuses a well-behaved client.
 */
import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';
import { keys } from './keys.js';
import { tableDesign } from './table-design.js';

export interface UsedAssertion {
  /** The assertion's issuer (`iss`). */
  readonly issuer: string;
  /** Its identifier: `jti`, Entra's `uti`, or a digest of its signature (see the endpoint). */
  readonly identifier: string;
  /** The OAuth client it was exchanged for (for whoever reads the table; not part of the key). */
  readonly clientId: string;
  /** When it stops being valid (`exp` plus the clock tolerance), in seconds since the epoch. */
  readonly expiresAt: number;
  /** When it was used (ISO 8601). */
  readonly usedAt: string;
}

/** The key digest: issuer and identifier, so identifiers of two issuers never collide. */
export function usedAssertionHash(issuer: string, identifier: string): string {
  return createHash('sha256').update(`${issuer}\n${identifier}`, 'utf8').digest('base64url');
}

/** The item: its key, who used it and when, and the TTL attribute. */
export function usedAssertionItem(used: UsedAssertion): Record<string, unknown> {
  return {
    ...keys.usedAssertion(usedAssertionHash(used.issuer, used.identifier)),
    clientId: used.clientId,
    usedAt: used.usedAt,
    [tableDesign.timeToLiveAttribute]: used.expiresAt,
  };
}

/**
 * PutItem params: written only if no item holds the assertion, or the one there has expired
 * (TTL may not have deleted it yet). `nowSeconds` is the writer's clock.
 */
export function rememberAssertionParams(
  used: UsedAssertion,
  nowSeconds: number,
  table: string = tableName(),
): PutCommandInput {
  return {
    TableName: table,
    Item: usedAssertionItem(used),
    ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
    ExpressionAttributeNames: { '#pk': 'pk', '#ttl': tableDesign.timeToLiveAttribute },
    ExpressionAttributeValues: { ':now': nowSeconds },
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/**
 * Remembers an assertion: `true` the first time, `false` when it was already used and has not
 * expired. Any other failure (DynamoDB unavailable) is thrown: the caller answers 503, never a
 * token it could not remember.
 *
 * @example if (!(await rememberAssertion(used, Math.floor(Date.now() / 1000)))) refuse();
 */
export async function rememberAssertion(
  used: UsedAssertion,
  nowSeconds: number,
  documents: DynamoDBDocumentClient = documentClient(),
  table: string = tableName(),
): Promise<boolean> {
  try {
    await documents.send(new PutCommand(rememberAssertionParams(used, nowSeconds, table)));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
