/**
 * Turns synthesized CloudFormation templates into the policies AWS would evaluate: every intrinsic
 * (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, pseudo parameters) resolved to the name or ARN
 * CloudFormation would give it (generated names as `<stack>-<logicalId>-IAMTEST`, as
 * CloudFormation names unnamed resources), and the policies gathered by kind: identity policies per
 * role, trust policies, key policies, queue and topic policies, and each function's resource policy
 * from its `AWS::Lambda::Permission` resources. The simulator takes policies with ARNs only
 * (STACK.md: resolving the intrinsics is the caller's job).
 */

// biome-ignore lint/suspicious/noExplicitAny: template JSON is navigated by shape, as CloudFormation defines it
export type Json = any;

export interface CloudFormationTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Json; [key: string]: Json }>;
  readonly [key: string]: Json;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Json[];
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: CloudFormationTemplate;
}

export interface Environment {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  /** Physical ids to use for given logical ids (a KMS key whose ARN the tenants already name). */
  readonly physicalIds?: Readonly<Record<string, string>>;
}

/** A role of a stack, resolved: its ARN, identity policies and trust policy. */
export interface ResolvedRole {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly trustPolicy: PolicyDocument;
  /** Policy name → document. */
  readonly policies: Record<string, PolicyDocument>;
}

export interface ResolvedFunction {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The role's ARN (a role of the stack, or one it imports by ARN). */
  readonly roleArn: string;
  /** Its resource policy, built from the stack's `AWS::Lambda::Permission` resources. */
  readonly resourcePolicy: PolicyDocument;
}

export interface ResolvedCell {
  readonly roles: ReadonlyMap<string, ResolvedRole>;
  readonly functions: ReadonlyMap<string, ResolvedFunction>;
  /** Key ARN → key policy. */
  readonly keyPolicies: ReadonlyMap<string, PolicyDocument>;
  /** KMS alias name → the ARN of its key. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Queue, topic and bus ARN → resource policy. */
  readonly resourcePolicies: ReadonlyMap<string, PolicyDocument>;
  /** Per stack: logical id → its resolved ARN (where it has one), for expectations by resource. */
  readonly arns: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Per stack: logical id → what `Ref` gives (name, id, URL). */
  readonly refs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Every policy with where it comes from, for the catalogue check. */
  readonly documents: readonly LocatedPolicy[];
  /** The ARN of the one resource of this type in the stack (a tenant's table, its API's id). */
  arnOf(stackName: string, type: string): string;
  refOf(stackName: string, type: string): string;
}

export type PolicyKind = 'identity' | 'trust' | 'key' | 'resource';

export interface LocatedPolicy {
  readonly kind: PolicyKind;
  /** e.g. `GroupTalkScim-beta/RolesWriteDefaultPolicyE8CDA40E`. */
  readonly where: string;
  readonly document: PolicyDocument;
}

const STREAM_LABEL = '2026-01-01T00:00:00.000';

/** Resolves every stack of one cell (account and region); stacks may name each other's resources. */
export function resolveCell(stacks: readonly StackTemplate[], env: Environment): ResolvedCell {
  const partition = env.partition ?? 'aws';
  const { account, region } = env;
  const arns = new Map<string, Map<string, string>>();
  const refs = new Map<string, Map<string, string>>();

  // First the physical names and ARNs of every resource, so intrinsics can refer to them.
  for (const { stackName, template } of stacks) {
    const stackArns = new Map<string, string>();
    const stackRefs = new Map<string, string>();
    const generated = (logicalId: string, max = 64) =>
      env.physicalIds?.[logicalId] ?? `${stackName}-${logicalId}-IAMTEST`.slice(0, max);
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const p = resource.Properties ?? {};
      const literal = (value: Json, fallback: string) =>
        typeof value === 'string' ? value : fallback;
      switch (resource.Type) {
        case 'AWS::DynamoDB::Table': {
          const name = literal(p.TableName, generated(logicalId, 255));
          stackRefs.set(logicalId, name);
          stackArns.set(logicalId, `arn:${partition}:dynamodb:${region}:${account}:table/${name}`);
          break;
        }
        case 'AWS::Logs::LogGroup': {
          const name = literal(p.LogGroupName, generated(logicalId, 512));
          stackRefs.set(logicalId, name);
          stackArns.set(
            logicalId,
            `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`,
          );
          break;
        }
        case 'AWS::Lambda::Function': {
          const name = literal(p.FunctionName, generated(logicalId));
          stackRefs.set(logicalId, name);
          stackArns.set(logicalId, `arn:${partition}:lambda:${region}:${account}:function:${name}`);
          break;
        }
        case 'AWS::IAM::Role': {
          const name = literal(p.RoleName, generated(logicalId));
          stackRefs.set(logicalId, name);
          stackArns.set(logicalId, `arn:${partition}:iam::${account}:role/${name}`);
          break;
        }
        case 'AWS::KMS::Key': {
          const id = env.physicalIds?.[logicalId] ?? uuidOf(`${stackName}/${logicalId}`);
          stackRefs.set(logicalId, id);
          stackArns.set(logicalId, `arn:${partition}:kms:${region}:${account}:key/${id}`);
          break;
        }
        case 'AWS::SQS::Queue': {
          const name = literal(p.QueueName, generated(logicalId, 80));
          stackRefs.set(logicalId, `https://sqs.${region}.amazonaws.com/${account}/${name}`);
          stackArns.set(logicalId, `arn:${partition}:sqs:${region}:${account}:${name}`);
          break;
        }
        case 'AWS::SNS::Topic': {
          const name = literal(p.TopicName, generated(logicalId, 256));
          const arn = `arn:${partition}:sns:${region}:${account}:${name}`;
          stackRefs.set(logicalId, arn);
          stackArns.set(logicalId, arn);
          break;
        }
        case 'AWS::Events::EventBus': {
          const name = literal(p.Name, generated(logicalId));
          stackRefs.set(logicalId, name);
          stackArns.set(
            logicalId,
            `arn:${partition}:events:${region}:${account}:event-bus/${name}`,
          );
          break;
        }
        case 'AWS::Events::Rule': {
          // A rule on a custom bus is `rule/<bus>/<rule>`; the bus is named by `Ref` to its name.
          const name = literal(p.Name, generated(logicalId));
          const bus = p.EventBusName?.Ref
            ? template.Resources[p.EventBusName.Ref]?.Properties?.Name
            : p.EventBusName;
          stackRefs.set(logicalId, name);
          stackArns.set(
            logicalId,
            `arn:${partition}:events:${region}:${account}:rule/${typeof bus === 'string' && bus !== 'default' ? `${bus}/` : ''}${name}`,
          );
          break;
        }
        case 'AWS::ApiGatewayV2::Api': {
          const id = `api${uuidOf(`${stackName}/${logicalId}`).slice(0, 7)}`;
          stackRefs.set(logicalId, id);
          break;
        }
        default:
          stackRefs.set(logicalId, generated(logicalId));
      }
    }
    arns.set(stackName, stackArns);
    refs.set(stackName, stackRefs);
  }

  const resolverOf = (stackName: string) => {
    const stackArns = arns.get(stackName)!;
    const stackRefs = refs.get(stackName)!;
    const pseudo: Record<string, string> = {
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    const ref = (name: string): string => {
      const value = pseudo[name] ?? stackRefs.get(name);
      if (value === undefined) throw new Error(`${stackName}: cannot resolve Ref ${name}`);
      return value;
    };
    const getAtt = (logicalId: string, attribute: string): string => {
      if (attribute === 'Arn') {
        const arn = stackArns.get(logicalId);
        if (arn) return arn;
      }
      if (attribute === 'StreamArn') {
        return `${stackArns.get(logicalId)}/stream/${STREAM_LABEL}`;
      }
      throw new Error(`${stackName}: cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
    };
    const resolve = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(resolve);
      if (value === null || typeof value !== 'object') return value;
      const keys = Object.keys(value);
      if (keys.length === 1) {
        const [key] = keys as [string];
        const argument = value[key];
        if (key === 'Ref') return ref(argument);
        if (key === 'Fn::GetAtt') {
          const [id, attribute] = Array.isArray(argument) ? argument : argument.split('.');
          return getAtt(id, attribute);
        }
        if (key === 'Fn::Join') {
          const [separator, parts] = argument;
          return (resolve(parts) as string[]).join(separator);
        }
        if (key === 'Fn::Sub') {
          const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
          const own = resolve(variables) as Record<string, string>;
          return (text as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (own[name] !== undefined) return own[name];
            const [id, attribute] = name.split('.');
            return attribute ? getAtt(id!, attribute) : ref(name);
          });
        }
        if (key === 'Fn::Select') {
          const [index, list] = argument;
          return (resolve(list) as Json[])[Number(index)];
        }
        if (key === 'Fn::Split') {
          const [separator, text] = argument;
          return (resolve(text) as string).split(separator);
        }
        if (key.startsWith('Fn::') || key === 'Condition') {
          throw new Error(`${stackName}: unsupported intrinsic ${key}`);
        }
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    };
    return resolve;
  };

  const roles = new Map<string, ResolvedRole>();
  const functions = new Map<string, ResolvedFunction>();
  const keyPolicies = new Map<string, PolicyDocument>();
  const resourcePolicies = new Map<string, PolicyDocument>();
  const documents: LocatedPolicy[] = [];
  const aliases = new Map<string, string>();

  for (const { stackName, template } of stacks) {
    const resolve = resolverOf(stackName);
    const stackArns = arns.get(stackName)!;
    const stackRefs = refs.get(stackName)!;
    const entries = Object.entries(template.Resources);
    for (const [logicalId, resource] of entries) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const trustPolicy = resolve(resource.Properties.AssumeRolePolicyDocument) as PolicyDocument;
      const policies: Record<string, PolicyDocument> = {};
      for (const inline of resource.Properties.Policies ?? []) {
        policies[inline.PolicyName] = resolve(inline.PolicyDocument);
      }
      const arn = stackArns.get(logicalId)!;
      roles.set(arn, {
        stackName,
        logicalId,
        arn,
        name: stackRefs.get(logicalId)!,
        trustPolicy,
        policies,
      });
      documents.push({ kind: 'trust', where: `${stackName}/${logicalId}`, document: trustPolicy });
    }
    for (const [logicalId, resource] of entries) {
      const p = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::Policy') {
        const document = resolve(p.PolicyDocument) as PolicyDocument;
        documents.push({ kind: 'identity', where: `${stackName}/${logicalId}`, document });
        for (const roleName of resolve(p.Roles ?? []) as string[]) {
          const role = [...roles.values()].find((r) => r.name === roleName);
          if (!role) throw new Error(`${stackName}/${logicalId}: no role named ${roleName}`);
          role.policies[p.PolicyName] = document;
        }
      } else if (resource.Type === 'AWS::KMS::Key') {
        const document = resolve(p.KeyPolicy) as PolicyDocument;
        keyPolicies.set(stackArns.get(logicalId)!, document);
        documents.push({ kind: 'key', where: `${stackName}/${logicalId}`, document });
      } else if (
        resource.Type === 'AWS::SQS::QueuePolicy' ||
        resource.Type === 'AWS::SNS::TopicPolicy'
      ) {
        const document = resolve(p.PolicyDocument) as PolicyDocument;
        const targets = resolve(resource.Type === 'AWS::SQS::QueuePolicy' ? p.Queues : p.Topics);
        for (const target of targets as string[]) {
          // A queue policy names its queue by URL: its ARN is what requests carry.
          const arn = target.startsWith('https://sqs.')
            ? `arn:${partition}:sqs:${region}:${account}:${target.split('/').pop()}`
            : target;
          resourcePolicies.set(arn, document);
        }
        documents.push({ kind: 'resource', where: `${stackName}/${logicalId}`, document });
      } else if (resource.Type === 'AWS::KMS::Alias') {
        const target = resolve(p.TargetKeyId) as string;
        aliases.set(
          p.AliasName,
          target.startsWith('arn:')
            ? target
            : `arn:${partition}:kms:${region}:${account}:key/${target}`,
        );
      } else if (resource.Type === 'AWS::Events::EventBusPolicy') {
        throw new Error(`${stackName}/${logicalId}: event bus policies are not read yet`);
      }
    }
    const permissions = entries.filter(([, r]) => r.Type === 'AWS::Lambda::Permission');
    for (const [logicalId, resource] of entries) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const arn = stackArns.get(logicalId)!;
      const statements = permissions
        .map(([permissionId, permission]) => ({
          permissionId,
          p: resolve(permission.Properties) as Json,
        }))
        .filter(({ p }) => p.FunctionName === arn || p.FunctionName === stackRefs.get(logicalId))
        .map(({ permissionId, p }) => permissionStatement(permissionId, p, arn));
      const resourcePolicy = { Version: '2012-10-17', Statement: statements };
      if (statements.length > 0) {
        documents.push({
          kind: 'resource',
          where: `${stackName}/${logicalId} (AWS::Lambda::Permission)`,
          document: resourcePolicy,
        });
      }
      functions.set(stackRefs.get(logicalId)!, {
        stackName,
        logicalId,
        name: stackRefs.get(logicalId)!,
        arn,
        roleArn: resolve(resource.Properties.Role) as string,
        resourcePolicy,
      });
    }
  }
  const only = (stackName: string, type: string) => {
    const template = stacks.find((stack) => stack.stackName === stackName)?.template;
    const ids = Object.entries(template?.Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([id]) => id);
    if (ids.length !== 1) throw new Error(`${stackName} has ${ids.length} ${type}, not one`);
    return ids[0]!;
  };
  return {
    roles,
    functions,
    keyPolicies,
    aliases,
    resourcePolicies,
    arns,
    refs,
    documents,
    arnOf: (stackName, type) => arns.get(stackName)!.get(only(stackName, type))!,
    refOf: (stackName, type) => refs.get(stackName)!.get(only(stackName, type))!,
  };
}

/** The statement Lambda adds to a function's policy for an `AWS::Lambda::Permission`. */
function permissionStatement(sid: string, p: Json, functionArn: string): Json {
  const principal = (p.Principal as string).includes('.amazonaws.com')
    ? { Service: p.Principal }
    : { AWS: p.Principal };
  const conditions: Json = {};
  if (p.SourceArn) conditions.ArnLike = { 'AWS:SourceArn': p.SourceArn };
  if (p.SourceAccount) conditions.StringEquals = { 'AWS:SourceAccount': p.SourceAccount };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal,
    Action: p.Action,
    Resource: functionArn,
    ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
  };
}

/** A stable UUID-shaped id from a name (KMS key ids, API ids). */
function uuidOf(name: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const char of name) {
    h1 = Math.imul(h1 ^ char.charCodeAt(0), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ char.charCodeAt(0), 2246822519) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
