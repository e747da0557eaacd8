/**
 * CloudWatch Logs Insights has no local engine: a small HTTP stand-in of its JSON 1.1 protocol
 * (`x-amz-target: Logs_20140328.<Operation>`) for the real `@aws-sdk/client-cloudwatch-logs`.
 * It answers StartQuery, GetQueryResults and StopQuery, and, like the account's limit, refuses a
 * query beyond `maxConcurrent` running ones with `LimitExceededException`. Queries stay Running
 * while `hold()` says so, then complete after one more poll with no rows.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LogsInsightsStandIn {
  readonly endpoint: string;
  /** StartQuery calls answered with a query id / refused with LimitExceededException. */
  readonly started: number;
  readonly refused: number;
  /** The most queries that ran at once. */
  readonly maxRunning: number;
  readonly running: number;
  close(): Promise<void>;
}

export async function startLogsInsightsStandIn(options: {
  maxConcurrent: number;
  /** While true, running queries stay Running (lets a test fill every slot). */
  hold?: (standIn: LogsInsightsStandIn) => boolean;
}): Promise<LogsInsightsStandIn> {
  const queries = new Map<string, { polls: number }>();
  const counts = { started: 0, refused: 0, maxRunning: 0 };
  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
      queryId?: string;
    };
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    switch (operation) {
      case 'StartQuery': {
        if (queries.size >= options.maxConcurrent) {
          counts.refused += 1;
          return answer(response, 400, {
            __type: 'LimitExceededException',
            message: 'Account maximum query concurrency limit of [100] reached.',
          });
        }
        const queryId = randomUUID();
        queries.set(queryId, { polls: 0 });
        counts.started += 1;
        counts.maxRunning = Math.max(counts.maxRunning, queries.size);
        return answer(response, 200, { queryId });
      }
      case 'GetQueryResults': {
        const query = queries.get(input.queryId ?? '');
        if (!query) {
          return answer(response, 400, {
            __type: 'ResourceNotFoundException',
            message: 'Query does not exist',
          });
        }
        if (options.hold?.(standIn) || query.polls === 0) {
          query.polls += 1;
          return answer(response, 200, { status: 'Running', results: [] });
        }
        queries.delete(input.queryId ?? '');
        return answer(response, 200, {
          status: 'Complete',
          results: [],
          statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
        });
      }
      case 'StopQuery':
        queries.delete(input.queryId ?? '');
        return answer(response, 200, { success: true });
      default:
        return answer(response, 400, {
          __type: 'InvalidOperationException',
          message: `not served: ${operation}`,
        });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standIn: LogsInsightsStandIn = {
    endpoint: `http://127.0.0.1:${port}`,
    get started() {
      return counts.started;
    },
    get refused() {
      return counts.refused;
    },
    get maxRunning() {
      return counts.maxRunning;
    },
    get running() {
      return queries.size;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return standIn;
}
