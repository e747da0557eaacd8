/**
 * verify's AWS side, with the operator's credentials: stack outputs (CloudFormation
 * DescribeStacks), the verification queue (SQS ReceiveMessage, DeleteMessageBatch), the cell's
 * alarms (CloudWatch DescribeAlarms) and each function's build id (Lambda
 * GetFunctionConfiguration). The reports are the aggregated items in the canary's table
 * (`report-items.ts`, DynamoDB Query).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { ALARM_NAME_PREFIX } from '../fleet-names.js';
import type { AlarmState } from './canary.js';
import type { FeedReader } from './feed.js';
import type { ExpectedFunction } from './tenant-checks.js';

/** A stack's outputs by key; an error naming the stack when it does not exist. */
export async function stackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  return Object.fromEntries(
    (stack.Outputs ?? []).flatMap((output) =>
      output.OutputKey && output.OutputValue !== undefined
        ? [[output.OutputKey, output.OutputValue]]
        : [],
    ),
  );
}

/**
 * The cell's verification queue: EventBridge delivers each canary event as an EventBridge event
 * whose `detail` is the CloudEvent. Every message read is deleted (those of earlier runs too: no
 * one else reads this queue). EventBridge and a standard queue do not keep order, so the check
 * orders each subject by `data.version`, as consumers do.
 */
export class QueueFeedReader implements FeedReader {
  readonly ordered = false;
  readonly whenSilent: string;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.whenSilent = `check, in this order: the canary's publisher (function gts-<canary>-publishEvents: its log and IteratorAge), the dead-letter queue GroupTalkScim-events-dlq, the bus rule of the verification queue (fleet stack) and the queue ${queueUrl}`;
  }

  async mark(): Promise<void> {
    // Nothing to mark: each event names its subject, and this run's subjects are new.
  }

  async receive(waitMs: number): Promise<ChangeEvent[]> {
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        // Long polling: at most 20 s (SQS's maximum), and never past the caller's deadline.
        WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(waitMs / 1000))),
      }),
    );
    const messages = Messages ?? [];
    if (messages.length === 0) return [];
    await this.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    return messages.flatMap((message) => {
      try {
        const envelope = JSON.parse(message.Body ?? '') as { detail?: ChangeEvent };
        return envelope.detail ? [envelope.detail] : [];
      } catch {
        return []; // Not an EventBridge event: not ours to check.
      }
    });
  }
}

/** The cell's alarms (every alarm name starts `GroupTalkScim-`) in ALARM, metric and composite. */
export async function alarmsInAlarm(client: CloudWatchClient): Promise<AlarmState[]> {
  const found: AlarmState[] = [];
  for await (const page of paginateDescribeAlarms(
    { client },
    {
      AlarmNamePrefix: ALARM_NAME_PREFIX,
      StateValue: 'ALARM',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    },
  )) {
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      found.push({ name: alarm.AlarmName ?? '?', reason: alarm.StateReason ?? '' });
    }
  }
  return found;
}

/** The `BUILD_ID` a deployed function runs (undefined when it has none). */
export function deployedBuildId(client: LambdaClient) {
  return async (functionName: string): Promise<string | undefined> => {
    const configuration = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName }),
    );
    return configuration.Environment?.Variables?.BUILD_ID;
  };
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: {
    readonly FunctionName?: unknown;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

/**
 * The functions of a stack in a synthesized cloud assembly, with the build id each must run:
 * what `npm run deploy` synthesized (`cdk.out/fleet-deploy`) is "the version just built".
 */
export function expectedFunctions(assembly: string, stackName: string): ExpectedFunction[] {
  const file = join(assembly, `${stackName}.template.json`);
  if (!existsSync(file)) return [];
  const template = JSON.parse(readFileSync(file, 'utf8')) as {
    Resources?: Record<string, TemplateResource>;
  };
  return Object.values(template.Resources ?? {}).flatMap((resource) => {
    const name = resource.Properties?.FunctionName;
    const buildId = resource.Properties?.Environment?.Variables?.BUILD_ID;
    return resource.Type === 'AWS::Lambda::Function' &&
      typeof name === 'string' &&
      typeof buildId === 'string'
      ? [{ functionName: name, buildId }]
      : [];
  });
}
