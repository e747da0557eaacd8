import { App, ArnFormat, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { wildcardResourceFinding } from '../../infra/constructs/nag.js';
import { featureFlags } from '../../infra/feature-flags.js';

const env = { account: '111111111111', region: 'eu-west-1' };

interface FlagReport {
  readonly userValue?: unknown;
  readonly recommendedValue?: unknown;
  readonly unconfiguredBehavesLike?: { readonly v2?: unknown };
}

/** The feature flag report CDK writes into the cloud assembly, which `cdk synth` reads. */
function flagReport(context: Record<string, unknown>): Record<string, FlagReport> {
  const app = new App({ context });
  // One resource: a template without any fails CDK's default template rules.
  new CfnWaitConditionHandle(new Stack(app, 'Stack', { env }), 'Resource');
  const artifact = app.synth().manifest.artifacts?.['aws-cdk-lib/feature-flag-report'];
  const properties = artifact?.properties as { flags?: Record<string, FlagReport> } | undefined;
  if (!properties?.flags) throw new Error('no feature flag report in the cloud assembly');
  return properties.flags;
}

/**
 * The flags `cdk synth` counts in "N feature flags are not configured": not set by the user, and
 * behaving unset unlike the recommended value (the CLI's `FlagOperations.filterNeedsAttention`).
 */
function unconfigured(report: Record<string, FlagReport>): string[] {
  return Object.entries(report)
    .filter(([, flag]) => flag.userValue === undefined)
    .filter(([, flag]) => (flag.unconfiguredBehavesLike?.v2 ?? false) !== flag.recommendedValue)
    .map(([name]) => name);
}

describe("CDK's feature flags (cdk.json)", () => {
  it('leaves none unconfigured, so synth ends without the notice', () => {
    // The check itself: with no context, CDK reports the flags the notice counts.
    expect(unconfigured(flagReport({})).length).toBeGreaterThan(0);

    expect(unconfigured(flagReport(featureFlags()))).toEqual([]);
  });

  it('sets each flag to the value CDK recommends (docs/fleet.md, Synthesis: none differs)', () => {
    const differing = Object.entries(featureFlags())
      .filter(
        ([name, value]) => JSON.stringify(value) !== JSON.stringify(FLAGS[name]?.recommendedValue),
      )
      .map(([name]) => name);

    expect(differing).toEqual([]);
  });
});

describe('the cdk-nag finding of a wildcard ARN', () => {
  const finding = (partitionLiterals: boolean) => {
    const app = new App({
      context: { '@aws-cdk/core:enablePartitionLiterals': partitionLiterals },
    });
    const stack = new Stack(app, 'Stack', { env });
    const arn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: 'gts-*-sweepMemberships',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return wildcardResourceFinding(stack, arn);
  };

  it('follows the partition as the template names it, literal or a reference', () => {
    expect(finding(true)).toBe(
      'AwsSolutions-IAM5[Resource::arn:aws:lambda:eu-west-1:111111111111:function:gts-*-sweepMemberships]',
    );
    expect(finding(false)).toBe(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:eu-west-1:111111111111:function:gts-*-sweepMemberships]',
    );
  });
});
