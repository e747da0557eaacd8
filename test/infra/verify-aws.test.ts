/**
 * verify's AWS code paths with the real SDK clients against local stand-ins of each service's
 * wire protocol (test/support/aws-stand-in.ts): the verification queue (SQS ReceiveMessage and
 * DeleteMessageBatch, AWS JSON 1.0, MD5 of each body checked by the SDK), the cell's alarms
 * (CloudWatch DescribeAlarms, paged), the functions' build ids (Lambda GetFunctionConfiguration,
 * REST JSON) and the stack outputs (CloudFormation DescribeStacks, AWS Query with XML answers).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../infra/local/server.js';
import {
  alarmsInAlarm,
  deployedBuildId,
  QueueFeedReader,
  stackOutputs,
} from '../../infra/verify/aws.js';
import { verifyAlarms } from '../../infra/verify/canary.js';
import { awaitEvents } from '../../infra/verify/feed.js';
import { CheckRun } from '../../infra/verify/report.js';
import { verifyBuild } from '../../infra/verify/tenant-checks.js';
import { changeEvent, type EventName } from '../../shared/events/envelope.js';
import { routes } from '../../shared/routes.js';
import { type AwsStandIn, startAwsStandIn } from '../support/aws-stand-in.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const region = 'eu-west-1';
let aws: AwsStandIn | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

function client<T>(Client: new (config: object) => T, standIn: AwsStandIn): T {
  return new Client({
    region,
    endpoint: standIn.url,
    credentials: standIn.credentials,
    maxAttempts: 1,
  });
}

/** A change event of the canary as EventBridge delivers it to the queue. */
function delivered(name: EventName, id: string, version: number, eventId: string) {
  const [type] = name.split('.') as ['User' | 'Group'];
  const event = changeEvent(name, eventId, '2026-12-07T10:00:00.000Z', {
    tenant: 'demo',
    resourceType: type,
    id,
    externalId: null,
    version,
  });
  return JSON.stringify({
    version: '0',
    id: `eb-${eventId}`,
    'detail-type': name,
    source: 'grouptalk.scim',
    account: '111111111111',
    time: event.time,
    region,
    resources: [],
    detail: event,
  });
}

function sqsMessage(body: string, n: number) {
  return {
    MessageId: `m${n}`,
    ReceiptHandle: `receipt-${n}`,
    Body: body,
    MD5OfBody: createHash('md5').update(body).digest('hex'),
  };
}

function lines(run: CheckRun): string[] {
  return run.results.map((result) => `${result.outcome} ${result.name}: ${result.detail}`);
}

describe('the verification queue (SQS)', () => {
  const expected = new Map<string, EventName[]>([
    ['Users/u1', ['User.Created', 'User.Updated', 'User.Deactivated']],
  ]);

  it('receives the events with long polls, deletes every message read, and checks their order by version', async () => {
    // Prepare: two batches; the second redelivers one event and swaps two of the subject's.
    const batches = [
      [sqsMessage(delivered('User.Created', 'u1', 1, 'e1'), 1), sqsMessage('not json', 2)],
      [
        sqsMessage(delivered('User.Deactivated', 'u1', 3, 'e3'), 3),
        sqsMessage(delivered('User.Created', 'u1', 1, 'e1'), 4),
        sqsMessage(delivered('User.Updated', 'u1', 2, 'e2'), 5),
        sqsMessage(delivered('User.Created', 'u9', 1, 'e9'), 6),
      ],
    ];
    aws = await startAwsStandIn({
      'AmazonSQS.ReceiveMessage': () => ({ Messages: batches.shift() ?? [] }),
      'AmazonSQS.DeleteMessageBatch': (input: { Entries: { Id: string }[] }) => ({
        Successful: input.Entries.map((entry) => ({ Id: entry.Id })),
        Failed: [],
      }),
    });
    const queueUrl = `${aws.url}/111111111111/GroupTalkScim-verify`;
    const reader = new QueueFeedReader(client(SQSClient, aws), queueUrl);

    // Act
    const outcome = await awaitEvents(reader, 'demo', expected, 60_000);

    // Assess
    expect(outcome.reordered).toEqual(['Users/u1']);
    expect(outcome.detail).toContain(
      '3 event(s) of 1 subject(s) arrived in order of their versions',
    );
    const receives = aws.requests.filter((r) => r.operation === 'AmazonSQS.ReceiveMessage');
    expect(receives).toHaveLength(2);
    expect(receives[0]!.input).toMatchObject({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
    });
    const deleted = aws.requests
      .filter((r) => r.operation === 'AmazonSQS.DeleteMessageBatch')
      .flatMap((r) =>
        r.input.Entries.map((entry: { ReceiptHandle: string }) => entry.ReceiptHandle),
      );
    expect(deleted).toEqual([
      'receipt-1',
      'receipt-2',
      'receipt-3',
      'receipt-4',
      'receipt-5',
      'receipt-6',
    ]);
  });

  it('fails naming the missing event and what to check when the feed stays silent', async () => {
    aws = await startAwsStandIn({
      'AmazonSQS.ReceiveMessage': () => ({}),
    });
    const reader = new QueueFeedReader(
      client(SQSClient, aws),
      `${aws.url}/111111111111/GroupTalkScim-verify`,
    );
    const run = new CheckRun(() => {});

    await run.check('canary demo: change feed', 'unused', () =>
      awaitEvents(reader, 'demo', expected, 1_500),
    );

    expect(run.results[0]).toMatchObject({
      outcome: 'fail',
      detail: expect.stringMatching(
        /^3 change event\(s\) did not arrive within 2 s \(e\.g\. User\.Created of Users\/u1/,
      ),
      fix: expect.stringContaining('gts-<canary>-publishEvents'),
    });
    // Long polls bounded by what is left of the wait, never SQS's 20 s when less is left.
    expect(aws.requests[0]!.input.WaitTimeSeconds).toBe(1);
  });

  it("fails when the versions order a subject's events otherwise than its changes", async () => {
    aws = await startAwsStandIn({
      'AmazonSQS.ReceiveMessage': () => ({
        Messages: [
          sqsMessage(delivered('User.Created', 'u1', 2, 'e1'), 1),
          sqsMessage(delivered('User.Updated', 'u1', 1, 'e2'), 2),
          sqsMessage(delivered('User.Deactivated', 'u1', 3, 'e3'), 3),
        ],
      }),
      'AmazonSQS.DeleteMessageBatch': () => ({ Successful: [], Failed: [] }),
    });
    const reader = new QueueFeedReader(client(SQSClient, aws), `${aws.url}/1/q`);

    await expect(awaitEvents(reader, 'demo', expected, 5_000)).rejects.toThrow(
      'Users/u1: the versions order its events User.Updated, User.Created, User.Deactivated',
    );
  });
});

describe("the cell's alarms (CloudWatch DescribeAlarms)", () => {
  it('reads every page of alarms in ALARM under the fleet prefix and fails the check naming them', async () => {
    aws = await startAwsStandIn({
      'GraniteServiceVersion20100801.DescribeAlarms': (input: { NextToken?: string }) =>
        input.NextToken === 'page-2'
          ? {
              MetricAlarms: [],
              CompositeAlarms: [
                {
                  AlarmName: 'GroupTalkScim-composite',
                  StateValue: 'ALARM',
                  StateReason: 'child in ALARM',
                },
              ],
            }
          : {
              MetricAlarms: [
                {
                  AlarmName: 'GroupTalkScim-demo-api-5xx',
                  StateValue: 'ALARM',
                  StateReason: 'Threshold Crossed: 1 datapoint [3.0]',
                },
              ],
              NextToken: 'page-2',
            },
    });
    const run = new CheckRun(() => {});

    await verifyAlarms(run, () => alarmsInAlarm(client(CloudWatchClient, aws!)));

    expect(aws.requests.map((r) => r.input)).toEqual([
      {
        AlarmNamePrefix: 'GroupTalkScim-',
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      },
      {
        AlarmNamePrefix: 'GroupTalkScim-',
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: 'page-2',
      },
    ]);
    expect(lines(run)).toEqual([
      'fail cell alarms: 2 alarm(s) in ALARM: GroupTalkScim-demo-api-5xx (Threshold Crossed: 1 datapoint [3.0]); GroupTalkScim-composite (child in ALARM)',
    ]);
  });

  it('passes when none is in ALARM', async () => {
    aws = await startAwsStandIn({
      'GraniteServiceVersion20100801.DescribeAlarms': () => ({
        MetricAlarms: [],
        CompositeAlarms: [],
      }),
    });
    const run = new CheckRun(() => {});

    await verifyAlarms(run, () => alarmsInAlarm(client(CloudWatchClient, aws!)));

    expect(lines(run)).toEqual(['pass cell alarms: no alarm of the cell is in ALARM']);
  });

  it('fails the check with the service error when the operator may not read alarms', async () => {
    aws = await startAwsStandIn({
      'GraniteServiceVersion20100801.DescribeAlarms': () => ({
        status: 403,
        body: {
          __type: 'AccessDeniedException',
          message: 'User is not authorized to perform: cloudwatch:DescribeAlarms',
        },
      }),
    });
    const run = new CheckRun(() => {});

    await verifyAlarms(run, () => alarmsInAlarm(client(CloudWatchClient, aws!)));

    expect(run.results[0]).toMatchObject({
      outcome: 'fail',
      detail: 'User is not authorized to perform: cloudwatch:DescribeAlarms',
    });
  });
});

describe('the deployed build (Lambda GetFunctionConfiguration)', () => {
  it("fails naming the functions whose BUILD_ID is not the assembly's", async () => {
    const deployed: Record<string, string> = {
      'gts-acme-getUser': 'aaaa',
      'gts-acme-createUser': 'old',
    };
    aws = await startAwsStandIn({
      'GET /2015-03-31/functions/{name}/configuration': (_input, request) => {
        const name = decodeURIComponent(request.path.split('/')[3]!);
        return deployed[name]
          ? { FunctionName: name, Environment: { Variables: { BUILD_ID: deployed[name] } } }
          : {
              status: 404,
              headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
              body: { Type: 'User', message: `Function not found: ${name}` },
            };
      },
    });
    const run = new CheckRun(() => {});
    const read = deployedBuildId(client(LambdaClient, aws));

    await verifyBuild(
      run,
      'acme',
      [
        { functionName: 'gts-acme-getUser', buildId: 'aaaa' },
        { functionName: 'gts-acme-createUser', buildId: 'bbbb' },
      ],
      read,
    );
    await expect(read('gts-acme-gone')).rejects.toThrow('Function not found: gts-acme-gone');

    expect(lines(run)).toEqual([
      'fail tenant acme: functions run this build: 1 of 2 function(s) do not run this build (gts-acme-createUser runs old)',
    ]);
    expect(run.results[0]!.fix).toContain('npm run deploy -- --tenant acme');
  });
});

describe('stack outputs (CloudFormation DescribeStacks)', () => {
  it('reads the outputs of a stack, and names a stack that does not exist', async () => {
    aws = await startAwsStandIn({
      DescribeStacks: (input: { StackName: string }) =>
        input.StackName === 'GroupTalkScim-demo'
          ? `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>GroupTalkScim-demo</StackName>
    <StackId>arn:aws:cloudformation:eu-west-1:111111111111:stack/GroupTalkScim-demo/1</StackId>
    <CreationTime>2026-12-07T10:00:00Z</CreationTime>
    <StackStatus>UPDATE_COMPLETE</StackStatus>
    <Outputs>
      <member><OutputKey>TenantUrl</OutputKey><OutputValue>https://abc.execute-api.eu-west-1.amazonaws.com/scim/v2</OutputValue></member>
      <member><OutputKey>TableName</OutputKey><OutputValue>GroupTalkScim-demo-Table-1</OutputValue></member>
    </Outputs>
  </member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</DescribeStacksResponse>`
          : {
              status: 400,
              body: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${input.StackName} does not exist</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
            },
    });
    const cloudFormation = client(CloudFormationClient, aws);

    expect(await stackOutputs(cloudFormation, 'GroupTalkScim-demo')).toEqual({
      TenantUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/scim/v2',
      TableName: 'GroupTalkScim-demo-Table-1',
    });
    await expect(stackOutputs(cloudFormation, 'GroupTalkScim-gone')).rejects.toThrow(
      'Stack with id GroupTalkScim-gone does not exist',
    );
    expect(aws.requests[0]!.input).toMatchObject({
      Action: 'DescribeStacks',
      StackName: 'GroupTalkScim-demo',
    });
  });
});

describe('npm run verify -- --no-canary --tenants acme (a batch smoke check)', () => {
  it('prints a line per check against the deployed stack, and exits 1 naming the stale function', async () => {
    // Prepare: the service's own handlers answer the Tenant URL; AWS is the stand-in.
    const service = await startLocalServer({ port: 0, routes });
    const assembly = mkdtempSync(join(tmpdir(), 'verify-assembly-'));
    writeFileSync(
      join(assembly, 'GroupTalkScim-acme.template.json'),
      JSON.stringify({
        Resources: {
          GetUser: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'gts-acme-getUser',
              Environment: { Variables: { BUILD_ID: 'aaaa' } },
            },
          },
          CreateUser: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'gts-acme-createUser',
              Environment: { Variables: { BUILD_ID: 'bbbb' } },
            },
          },
        },
      }),
    );
    const deployed: Record<string, string> = {
      'gts-acme-getUser': 'aaaa',
      'gts-acme-createUser': 'old',
    };
    aws = await startAwsStandIn({
      DescribeStacks:
        () => `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>GroupTalkScim-acme</StackName><StackId>arn:aws:cloudformation:eu-west-1:111111111111:stack/GroupTalkScim-acme/1</StackId>
    <CreationTime>2026-12-07T10:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus>
    <Outputs><member><OutputKey>TenantUrl</OutputKey><OutputValue>${service.url}</OutputValue></member></Outputs>
  </member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</DescribeStacksResponse>`,
      'GET /2015-03-31/functions/{name}/configuration': (_input, request) => {
        const name = decodeURIComponent(request.path.split('/')[3]!);
        return { FunctionName: name, Environment: { Variables: { BUILD_ID: deployed[name] } } };
      },
    });
    try {
      // Act: the command as the deploy runs it, its SDK clients pointed at the stand-in.
      // (Not spawnSync: the service answers from this process.)
      const result = await new Promise<{ status: number | null; stdout: string }>(
        (resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              'infra/cli/verify.ts',
              '--no-canary',
              '--tenants',
              'acme',
              '--assembly',
              assembly,
            ],
            {
              cwd: REPO_ROOT,
              stdio: ['ignore', 'pipe', 'inherit'],
              env: {
                ...process.env,
                AWS_ENDPOINT_URL_CLOUDFORMATION: aws!.url,
                AWS_ENDPOINT_URL_LAMBDA: aws!.url,
                AWS_ACCESS_KEY_ID: aws!.credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: aws!.credentials.secretAccessKey,
              },
            },
          );
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString('utf8');
          });
          child.on('error', reject);
          child.on('exit', (status) => resolve({ status, stdout }));
        },
      );

      // Assess
      expect(result.stdout.trim().split('\n')).toEqual([
        'Verifying cell 111111111111/eu-west-1',
        'PASS  tenant acme: stack outputs: GroupTalkScim-acme found',
        "PASS  tenant acme: API answers: 401 without a token; an unknown path gets the fallback's SCIM 401 (no token: customer data untouched)",
        expect.stringMatching(
          /^FAIL {2}tenant acme: functions run this build: 1 of 2 function\(s\) do not run this build \(gts-acme-createUser runs old\)\. Fix: deploy the tenant again \(npm run deploy -- --tenant acme\)/,
        ),
        'verify: 1 of 3 check(s) FAILED: tenant acme: functions run this build',
      ]);
      expect(result.status).toBe(1);
    } finally {
      await service.close();
      rmSync(assembly, { recursive: true, force: true });
    }
  }, 60_000);
});
