/**
 * The cell's verification queue: a rule on the change feed's bus sends the canary tenants' events
 * (and only theirs) to an SQS queue that `npm run verify` reads and empties. In the fleet stack
 * rather than created by each verify run: the queue, the rule and the queue policy are then part
 * of the synthesized template the IAM test reads, and the operator running verify needs only to
 * receive and delete messages, not to create queues, rules and resource policies.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTBRIDGE_SOURCE } from '../../shared/events/envelope.js';
import { VERIFICATION_QUEUE_NAME } from '../fleet-names.js';

export interface VerificationQueueProps {
  readonly bus: IEventBus;
  /** The cell's canary tenants: their events, and no customer's, reach the queue. */
  readonly canaries: readonly string[];
}

export class VerificationQueue extends Construct {
  readonly queue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: VerificationQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: VERIFICATION_QUEUE_NAME,
      // A verify run reads its events within minutes; what it leaves behind (a run that stopped)
      // is of no use to the next one.
      retentionPeriod: Duration.hours(1),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'A verification queue: a message verify cannot read is dropped after an hour; a dead-letter queue would keep canary events nobody reads.',
    });
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `The canary tenants' change events (${props.canaries.join(', ')}) to the queue npm run verify reads`,
      eventPattern: { source: [EVENTBRIDGE_SOURCE], detail: { tenant: [...props.canaries] } },
    });
    // SqsQueue adds the queue policy: events.amazonaws.com may SendMessage, only for this rule
    // (aws:SourceArn), so no other rule or account can write to the queue.
    this.rule.addTarget(new SqsQueue(this.queue));
  }
}
