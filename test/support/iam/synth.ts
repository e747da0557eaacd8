/**
 * The templates the IAM test evaluates: the fleet stack and two tenant stacks of one cell, synthesized
 * once (about 9 s): `alpha` plain, `beta` with the integration page and hashed log identifiers.
 * Both take the fleet's token-signing key as the operator guide (docs/operator-guide.md §2) tells operators to.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FunctionBundles } from '../../../infra/bundles.js';
import { featureFlags } from '../../../infra/feature-flags.js';
import {
  ADMIN_SESSION_KEY_ALIAS,
  EVENT_BUS_NAME,
  EVENT_DLQ_NAME,
  eventPublisherRoleName,
  FLEET_STACK_NAME,
  LOG_HASH_KEY_ALIAS,
  REPORT_FAILURES_QUEUE_NAME,
  reportAggregatorRoleName,
  schedulerRoleName,
  VERIFICATION_QUEUE_NAME,
} from '../../../infra/fleet-names.js';
import { FleetStack } from '../../../infra/fleet-stack.js';
import { ScimStack, scimStackName, tenantFunctionEntries } from '../../../infra/scim-stack.js';
import { parseFleetConfig, parseTenantConfig } from '../../../infra/tenants.js';
import type { CellModel } from './access-matrix.js';
import { type CloudFormationTemplate, type ResolvedCell, resolveCell } from './resolve.js';

export const cell = { account: '111111111111', region: 'eu-west-1' } as const;

/** The id the resolver gives the fleet's token-signing key; the tenants name its ARN. */
export const TOKEN_SIGNING_KEY_ID = '0b6c2a1e-7d4f-4c3b-9a8e-5f6d7c8b9a01';
export const TOKEN_SIGNING_KEY_ARN = `arn:aws:kms:${cell.region}:${cell.account}:key/${TOKEN_SIGNING_KEY_ID}`;

const PUBLIC_KEYS = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'IxkUCUnAcnL-FCOzLUrBUHwrBPa398ksXCfJhN3Ei8E',
      y: 'oUv-6PExUey8Z0k4_QU1UHXW_EAcmpm84T_pD245GkI',
      kid: 'iam-test-1',
      alg: 'ES256',
      use: 'sig',
    },
  ],
};

/** The two tenants, as `infra/tenants/<name>.json` would declare them. */
export const tenantSettings = {
  alpha: { name: 'alpha', tokenPublicKeys: PUBLIC_KEYS, tokenKmsKeyArns: [TOKEN_SIGNING_KEY_ARN] },
  beta: {
    name: 'beta',
    tokenPublicKeys: PUBLIC_KEYS,
    tokenKmsKeyArns: [TOKEN_SIGNING_KEY_ARN],
    entraTenantId: '5f0a8c36-1d2b-4c3e-8f4a-0b1c2d3e4f5a',
    entraAppId: '7b3e1f20-9c4d-4a8e-b6f1-2d5c8e0a9f13',
    logIdentifiers: 'hmac',
    admin: { clientId: '0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b', role: 'appRole:GroupTalk.Admin' },
  },
} as const;

export type TenantName = keyof typeof tenantSettings;

export interface SynthesizedCell {
  readonly fleet: CloudFormationTemplate;
  readonly fleetStackName: string;
  readonly tenants: Readonly<
    Record<TenantName, { stackName: string; template: CloudFormationTemplate }>
  >;
}

export function synthesizeCell(): SynthesizedCell {
  const app = new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });
  // Placeholder bundles: the policies are what is read, not the code.
  const bundles = new FunctionBundles(tenantFunctionEntries, true);
  const names = Object.keys(tenantSettings) as TenantName[];
  const fleet = new FleetStack(app, FLEET_STACK_NAME, {
    env: cell,
    fleet: parseFleetConfig({ ...cell }),
    tenants: names,
    // `alpha` is the cell's canary: the fleet stack then holds the verification queue.
    canaries: ['alpha'],
  });
  const stacks = names.map(
    (name) =>
      new ScimStack(app, scimStackName(name), {
        env: cell,
        tenant: parseTenantConfig(tenantSettings[name], name),
        bundles,
      }),
  );
  // Every stack exists before the first template is read: reading one synthesizes the app.
  const tenants = Object.fromEntries(
    stacks.map((stack) => [
      stack.tenant.name,
      {
        stackName: stack.stackName,
        template: Template.fromStack(stack).toJSON() as CloudFormationTemplate,
      },
    ]),
  ) as SynthesizedCell['tenants'];
  return {
    fleet: Template.fromStack(fleet).toJSON() as CloudFormationTemplate,
    fleetStackName: fleet.stackName,
    tenants,
  };
}

/** The cell's policies with every intrinsic resolved (see `resolve.ts`). */
export function resolveSynthesizedCell(synthesized: SynthesizedCell): ResolvedCell {
  const signingKey = Object.entries(synthesized.fleet.Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::KMS::Key' && resource.Properties?.KeyUsage === 'SIGN_VERIFY',
  );
  if (!signingKey) throw new Error('the fleet stack has no token-signing key');
  return resolveCell(
    [
      { stackName: synthesized.fleetStackName, template: synthesized.fleet },
      ...Object.values(synthesized.tenants),
    ],
    { ...cell, physicalIds: { [signingKey[0]]: TOKEN_SIGNING_KEY_ID } },
  );
}

/** The cell as the access matrix sees it: names from `infra/fleet-names.ts`, settings above. */
export function cellModel(synthesized: SynthesizedCell): CellModel {
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${cell.region}:${cell.account}:${rest}`;
  return {
    ...cell,
    fleetStackName: synthesized.fleetStackName,
    tenants: (Object.keys(tenantSettings) as TenantName[]).map((name) => {
      const settings = tenantSettings[name];
      return {
        name,
        stackName: synthesized.tenants[name].stackName,
        page: 'admin' in settings,
        hashesLogIdentifiers: 'logIdentifiers' in settings && settings.logIdentifiers === 'hmac',
      };
    }),
    schedulerRoleArn: `arn:aws:iam::${cell.account}:role/${schedulerRoleName(cell.region)}`,
    publisherRoleArn: `arn:aws:iam::${cell.account}:role/${eventPublisherRoleName(cell.region)}`,
    aggregatorRoleArn: `arn:aws:iam::${cell.account}:role/${reportAggregatorRoleName(cell.region)}`,
    signingKeyArn: TOKEN_SIGNING_KEY_ARN,
    busArn: arn('events', `event-bus/${EVENT_BUS_NAME}`),
    deadLetterQueueArn: arn('sqs', EVENT_DLQ_NAME),
    reportFailuresQueueArn: arn('sqs', REPORT_FAILURES_QUEUE_NAME),
    verificationQueueArn: arn('sqs', VERIFICATION_QUEUE_NAME),
    logHashAlias: LOG_HASH_KEY_ALIAS,
    adminSessionAlias: ADMIN_SESSION_KEY_ALIAS,
  };
}
