import { describe, expect, it } from 'vitest';
import { formatPlan, planInput, queryCommand } from '../../infra/cli/fleet.js';
import { idleTenantCost, quotaUsage } from '../../infra/fleet-plan.js';

describe('npm run fleet -- plan', () => {
  // From the synthesized templates; bundles are sized by `npm run fleet` itself (esbuild).
  const input = planInput(1000, { bundles: false });

  it('counts per tenant from the template: 2 roles, 2 log groups, 1 schedule, no rule, no alarm, no dashboard', () => {
    expect(input.tenant).toMatchObject({
      iamRoles: 2,
      logGroups: 2,
      schedules: 1,
      rules: 0,
      standardAlarmMetrics: 0,
      insightsAlarms: 0,
      dashboards: 0,
      httpApis: 1,
      kmsKeys: 0,
      scheduleRatesPerMonth: 8640,
    });
    expect(input.tenant.resources).toBeLessThan(500);
    // The scheduler's, the change feed publishers' and the report aggregators' roles; the feed
    // adds its IteratorAge (Metrics Insights) and dead-letter alarms.
    expect(input.fleet).toMatchObject({
      iamRoles: 3,
      dashboards: 1,
      insightsAlarms: 5,
      standardAlarmMetrics: 3,
      // Token signing, log hash and admin-session key derivation: once for the fleet.
      kmsKeys: 3,
    });
  });

  it('puts 1,000 tenants within the quotas or their documented raise, except the unverified HTTP API count', () => {
    const lines = quotaUsage(input);
    const used = Object.fromEntries(lines.map((line) => [line.quota, line]));

    expect(used['IAM roles']).toMatchObject({ used: 2003, limit: 1000, raise: 5000 });
    expect(used['log groups']!.used).toBe(2000);
    expect(used['Scheduler schedules']!.used).toBe(1000);
    expect(used['EventBridge rules (default bus)']!.used).toBe(0);
    expect(used['Metrics Insights alarms']!.used).toBe(5);
    expect(used['CloudFormation stacks']!.used).toBeLessThanOrEqual(2000);
  });

  it('costs an idle tenant under $1.00 a month, every line shown with its arithmetic', () => {
    const lines = idleTenantCost(input);
    const total = lines.reduce((sum, line) => sum + line.usd, 0);

    expect(total).toBeLessThan(1);
    expect(total).toBeGreaterThan(0.1); // the sweeper's Errors metric in the fleet alarm: $0.10
    // The fleet's three KMS keys ($1 each) are shared: $0.003 of an idle tenant's month.
    const share = lines.find((line) => line.item === 'fleet share')!;
    expect(share.arithmetic).toContain('3 KMS keys × $1');
    expect(share.usd).toBeCloseTo((3 + 3 * 0.1 + 3 * 1) / 1000, 6);
    for (const line of lines) expect(line.arithmetic.length).toBeGreaterThan(0);
    expect(formatPlan(input).at(-1)).toMatch(
      /total\s+\$0\.1\d\s+per tenant per month \(under \$1\.00\)/,
    );
  });

  it('prints a query for one tenant or, by log group prefix, for all', () => {
    expect(queryCommand(1, 'acme')).toContain("SOURCE '/grouptalk-scim/acme/functions' | filter");
    expect(queryCommand(7)).toContain(
      "SOURCE logGroups(namePrefix: ['/aws/vendedlogs/grouptalk-scim/'])",
    );
    expect(() => queryCommand(8)).toThrow('query must be 1 to 7');
  });
});
