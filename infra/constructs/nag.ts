import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag finding id of a wildcard resource (AwsSolutions-IAM5), rendered from the very ARN
 * the statement names, as cdk-nag flattens it (`Ref` as `<AWS::Partition>`, `Fn::Join` joined).
 * The id then follows the template: with `@aws-cdk/core:enablePartitionLiterals` (cdk.json) an
 * ARN in a stack of a known region carries `arn:aws:`, without it `arn:<AWS::Partition>:`.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === 'string') return `<${node.Ref}>`;
    const join = node['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(flatten).join(join[0]);
    }
  }
  throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(value)}`);
}
