/**
 * The handler chain's time budget, against DynamoDB Local: once the early 503 has been sent, the
 * handler's leftover work must not reach DynamoDB again. On Lambda that work would otherwise
 * resume in a later invocation of the same sandbox and write what the client already gave up on.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { tenantRegistry } from '../../shared/credentials/tenant-registry.js';
import { scimHandler } from '../../shared/http/handler.js';
import { scimErrorOf } from '../../shared/service/errors.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import { issueTestToken } from '../support/service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function event(token: string): APIGatewayProxyEventV2 {
  const path = '/scim/v2/Users/slow';
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, host: 'unit.example.com' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'unit',
      domainName: 'unit.example.com',
      domainPrefix: 'unit',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'unit' },
      requestId: randomUUID(),
      routeKey: `GET ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

/** A Lambda context whose function has `timeoutMs` left. */
function context(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'grouptalk-scim-unit-slowReads',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:grouptalk-scim-unit',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/grouptalk-scim-unit',
    logStreamName: 'unit',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

const MIDDLEWARE = 'unitSlowFirstCall';
afterEach(() => {
  documentClient().middlewareStack.remove(MIDDLEWARE);
});

describe('scimHandler time budget', () => {
  it('answers 503 and makes no further DynamoDB call when a call outlasts the budget', async () => {
    // Prepare: every call that gets past the store's checks is counted; the first is held up
    // 600 ms, past the 200 ms the function has left before its 500 ms margin. The instance's
    // registry read (once per cache window, before the handler) is done first: not under test.
    const token = await issueTestToken();
    const credential = await tenantRegistry().activeCredential({
      credentialId: decodeJwt(token).jti as string,
      issuedAt: 0,
    });
    await tenantRegistry().touch(credential!);
    const started: string[] = [];
    documentClient().middlewareStack.add(
      (next, handlerContext) => async (args) => {
        started.push(handlerContext.commandName ?? 'unknown');
        if (started.length === 1) await sleep(600);
        return next(args);
      },
      { step: 'build', name: MIDDLEWARE },
    );
    // Each read is tried on its own, as code that catches and carries on would.
    const outcomes: unknown[] = [];
    let leftover: Promise<unknown> | undefined;
    const handler = scimHandler('slowReads', async () => {
      const reads = (async () => {
        for (let read = 0; read < 3; read++) {
          try {
            await documentClient().send(
              new GetCommand({
                TableName: tableName(),
                Key: { pk: `USER#${randomUUID()}`, sk: 'X' },
              }),
            );
            outcomes.push('read');
          } catch (error) {
            outcomes.push(error);
          }
        }
      })();
      leftover = reads;
      await reads;
      return { status: 204 };
    });

    // Act
    const result = await handler(event(token), context(700));
    await leftover;

    // Assess: the client got its 503; the work it gave up on had its slow call cancelled and was
    // refused the others before they started.
    expect(result).toMatchObject({ statusCode: 503, headers: { 'Retry-After': '5' } });
    expect(started).toEqual(['GetItemCommand']);
    expect(outcomes).toHaveLength(3);
    // The store reports both as abandoned (503 to a client); the call in flight was aborted.
    expect(outcomes[0]).toMatchObject({ reason: 'abandoned', cause: { name: 'AbortError' } });
    for (const refused of outcomes.slice(1)) {
      expect(scimErrorOf(refused)).toMatchObject({ status: 503 });
    }
  });

  it('runs a handler that finishes within the budget as usual', async () => {
    // Prepare
    const handler = scimHandler('quickReads', async () => {
      for (let read = 0; read < 2; read++) {
        await documentClient().send(
          new GetCommand({ TableName: tableName(), Key: { pk: `USER#${randomUUID()}`, sk: 'X' } }),
        );
      }
      return { status: 204 };
    });

    // Act
    const result = await handler(event(await issueTestToken()), context(2_000));

    // Assess
    expect(result).toMatchObject({ statusCode: 204 });
  });
});
