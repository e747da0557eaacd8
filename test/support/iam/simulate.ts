/**
 * Evaluates expectations ("this principal may / may not do this") with `@cloud-copilot/iam-simulate`
 * over a resolved cell: a role's identity policies with the resource's own policy (a KMS key
 * policy, a queue or topic policy), or a service principal against a function's resource policy
 * or a role's trust policy. Lambda puts `lambda:SourceFunctionArn` in the context of requests made
 * with a function's execution role; the expectation names the function and the context gets it.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, ResolvedCell } from './resolve.js';

export type Principal =
  | { readonly role: string; readonly functionArn?: string }
  | { readonly service: string };

export interface Expectation {
  /** Who, for the report: `beta/createUser`, `fleet scheduler`. */
  readonly who: string;
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  readonly allowed: boolean;
  /** The statement of the README or the route table the expectation comes from. */
  readonly because: string;
}

export interface MatrixReport {
  readonly checked: number;
  /** Simulations actually run (identical requests are evaluated once). */
  readonly simulations: number;
  readonly violations: readonly string[];
}

const SOURCE_FUNCTION = 'lambda:SourceFunctionArn';

function matches(pattern: string, action: string): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(action);
}

/** Whether any statement for `action` in these policies reads the calling function's ARN. */
function readsSourceFunction(policies: readonly PolicyDocument[], action: string): boolean {
  return policies.some((policy) =>
    policy.Statement.some(
      (statement) =>
        [statement.Action ?? statement.NotAction ?? []]
          .flat()
          .some((pattern: string) => statement.NotAction || matches(pattern, action)) &&
        JSON.stringify(statement.Condition ?? {})
          .toLowerCase()
          .includes(SOURCE_FUNCTION.toLowerCase()),
    ),
  );
}

function describe(expectation: Expectation): string {
  const context = Object.entries(expectation.context ?? {})
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  return `${expectation.who}: ${expectation.action} on ${expectation.resource}${context ? ` (${context})` : ''}`;
}

/** Runs every expectation; a violation names who, what, on what, and the rule it breaks. */
export async function evaluate(
  cell: ResolvedCell,
  expectations: readonly Expectation[],
): Promise<MatrixReport> {
  const results = new Map<string, Promise<string>>();
  const violations: string[] = [];
  const account = (arn: string) => arn.split(':')[4] || '';

  const simulate = (expectation: Expectation): Promise<string> => {
    const { principal, action, resource } = expectation;
    let identityPolicies: { name: string; policy: PolicyDocument }[] = [];
    let resourcePolicy: PolicyDocument | undefined;
    let principalName: string;
    const context: Record<string, string | string[]> = { ...expectation.context };
    if ('role' in principal) {
      const role = cell.roles.get(principal.role);
      if (!role) return Promise.resolve(`error: no role ${principal.role} in the templates`);
      identityPolicies = Object.entries(role.policies).map(([name, policy]) => ({ name, policy }));
      resourcePolicy = cell.keyPolicies.get(resource) ?? cell.resourcePolicies.get(resource);
      principalName = role.arn;
      const policies = [
        ...identityPolicies.map((p) => p.policy),
        ...(resourcePolicy ? [resourcePolicy] : []),
      ];
      // The function's ARN only where a policy reads it: requests that differ by it alone are
      // then evaluated once per role.
      if (principal.functionArn && readsSourceFunction(policies, action)) {
        context[SOURCE_FUNCTION] = principal.functionArn;
      }
    } else {
      principalName = principal.service;
      if (action === 'sts:AssumeRole') {
        resourcePolicy = cell.roles.get(resource)?.trustPolicy;
      } else {
        // A queue's or topic's policy, else the function's (its `AWS::Lambda::Permission`s).
        resourcePolicy =
          cell.resourcePolicies.get(resource) ??
          [...cell.functions.values()].find((fn) => fn.arn === resource)?.resourcePolicy;
      }
      if (!resourcePolicy) return Promise.resolve(`error: no resource policy for ${resource}`);
    }
    const key = JSON.stringify([principalName, action, resource, context, resourcePolicy ? 1 : 0]);
    let result = results.get(key);
    if (!result) {
      const simulation: Simulation = {
        request: {
          principal: principalName,
          action,
          resource: { resource, accountId: account(resource) || account(principalName) },
          contextVariables: context,
        },
        identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      };
      result = runSimulation(simulation, {}).then((outcome) =>
        outcome.resultType === 'error'
          ? `error: ${JSON.stringify(outcome.errors)}`
          : outcome.overallResult,
      );
      results.set(key, result);
    }
    return result;
  };

  for (const expectation of expectations) {
    const outcome = await simulate(expectation);
    if (outcome.startsWith('error')) {
      violations.push(`${describe(expectation)}: the simulator refused the request: ${outcome}`);
      continue;
    }
    const allowed = outcome === 'Allowed';
    if (allowed !== expectation.allowed) {
      violations.push(
        `${describe(expectation)}: expected ${expectation.allowed ? 'Allowed' : 'Denied'}, simulator says ${outcome} (${expectation.because})`,
      );
    }
  }
  return { checked: expectations.length, simulations: results.size, violations };
}
