import { describe, expect, it } from 'vitest';
import { formatPlan, planInput, queryCommand } from '../../infra/cli/fleet.js';
import {
  cellCapacity,
  PLANNED_TENANT,
  planCells,
  plannedCellCapacity,
  profileCost,
  quotas,
  total,
} from '../../infra/fleet-plan.js';

describe('npm run fleet -- plan', () => {
  // From the synthesized templates; bundles are sized by `npm run fleet` itself (esbuild).
  const input = planInput(1000, { bundles: false });
  const capacity = cellCapacity(input, input.cells[0]!).capacity;

  it('counts per tenant from the template: 2 roles, 2 log groups, 1 schedule, 1 table, no rule, no alarm, no dashboard', () => {
    expect(input.tenant).toMatchObject({
      iamRoles: 2,
      logGroups: 2,
      schedules: 1,
      tables: 1,
      rules: 0,
      standardAlarmMetrics: 0,
      insightsAlarms: 0,
      dashboards: 0,
      httpApis: 1,
      kmsKeys: 0,
      scheduleRatesPerMonth: 8640,
    });
    expect(input.tenant.resources).toBeLessThan(500);
    // The scheduler's, the change feed publishers' and the report aggregators' roles.
    expect(input.fleet).toMatchObject({
      iamRoles: 3,
      dashboards: 1,
      // 5xx, 4xx, table throttles, change feed behind and about to park a batch; Lambda errors is
      // one account metric.
      insightsAlarms: 5,
      kmsKeys: 3,
    });
  });

  it('derives a cell of 550 tenants from the 600 Regional APIs less 50 other APIs, the binding hard quota', () => {
    const cell = cellCapacity(input, input.cells[0]!);
    expect(cell.capacity).toBe(550);
    expect(cell.binding.name).toBe('Regional APIs per region (HTTP APIs)');
    expect(cell.binding.ambiguous).toContain('REST API table');
    // What `npm run tenant -- add` assumes without a synthesis holds for the real templates.
    expect(input.tenant.httpApis).toBeLessThanOrEqual(PLANNED_TENANT.httpApis);
    const widest = Math.max(...input.spans.map((s) => s.perTenant));
    expect(widest).toBeLessThanOrEqual(PLANNED_TENANT.queryMetrics);
    expect(plannedCellCapacity(input.cells[0]!).capacity).toBe(550);
    // A cell whose account holds more APIs holds fewer tenants.
    expect(cellCapacity(input, { id: 'x', otherApis: 400 }).capacity).toBe(200);
  });

  it('lists every quota with a source, whether it can be raised, and the ambiguous HTTP API count', () => {
    for (const quota of quotas) {
      expect(quota.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(
        [true, false].includes(quota.raise as boolean) || typeof quota.raise === 'number',
      ).toBe(true);
    }
    expect(quotas.filter((q) => q.ambiguous).map((q) => q.measure)).toEqual(['httpApis']);
    const names = quotas.map((q) => q.name).join('\n');
    for (const name of [
      'DynamoDB tables',
      'rules per event bus',
      'Metrics Insights metrics per query',
      'Metrics Insights alarms',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('keeps every alarm and dashboard query within 10,000 metrics and 500 series at a full cell', () => {
    expect(input.spans.length).toBeGreaterThanOrEqual(8);
    for (const span of input.spans) {
      expect(span.metricsAt(capacity), span.where).toBeLessThanOrEqual(10_000);
      expect(span.seriesAt(capacity), span.where).toBeLessThanOrEqual(500);
    }
    // No query spans a tenant's 38 functions: the one that did reached 10,000 at about 260 tenants.
    const alarms = input.spans.filter((s) => s.where.startsWith('alarm'));
    expect(alarms.map((s) => s.where).sort()).toEqual([
      'alarm GroupTalkScim-fleet-api-4xx-rate',
      'alarm GroupTalkScim-fleet-api-5xx',
      'alarm GroupTalkScim-fleet-dynamodb-throttles',
      'alarm GroupTalkScim-fleet-events-behind',
      'alarm GroupTalkScim-fleet-events-parking-soon',
    ]);
    // The fleet's 5xx and 4xx alarms group by tenant: a breaching tenant is named.
    for (const s of alarms.filter((a) => a.where.includes('api-')))
      expect(s.query).toContain('GROUP BY tenant');
  });

  it('puts 1,000 and 5,000 tenants into cells with nothing OVER', () => {
    for (const tenants of [1000, 5000]) {
      const cells = planCells({ ...input, tenants });
      expect(cells.length).toBe(Math.ceil(tenants / 550));
      expect(cells.reduce((sum, c) => sum + c.tenants, 0)).toBe(tenants);
      for (const cell of cells) {
        for (const q of cell.quotas)
          expect(q.status, `${cell.cell.id} ${q.quota.name}`).not.toBe('OVER');
      }
      const text = formatPlan({ ...input, tenants }).join('\n');
      expect(text).not.toMatch(/\bOVER\b/);
      expect(text).toContain(
        `${tenants.toLocaleString('en-US')} tenants need ${cells.length} cell(s)`,
      );
    }
  });

  it('prices three profiles from line items, each naming its price and source; connected and idle under $0.25', () => {
    const never = total(profileCost(input, 'never connected', capacity));
    const idle = profileCost(input, 'connected and idle', capacity);
    const active = total(profileCost(input, 'active', capacity));
    expect(never).toBeGreaterThan(0);
    expect(total(idle)).toBeGreaterThan(never);
    expect(total(idle)).toBeLessThan(0.25);
    expect(active).toBeGreaterThan(total(idle));
    for (const line of idle) {
      expect(line.arithmetic).not.toBe('');
      expect(line.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
    // No line of the idle path is a custom metric with a tenant dimension.
    expect(idle.find((l) => l.item === 'custom metrics of the tenant')!.usd).toBe(0);
    expect(idle.some((l) => l.item.includes('token: KMS Sign'))).toBe(true);
  });

  it('prints a query for one tenant or, by log group prefix, for all', () => {
    expect(queryCommand(1, 'acme')).toContain("SOURCE '/grouptalk-scim/acme/functions' | filter");
    expect(queryCommand(7)).toContain(
      "SOURCE logGroups(namePrefix: ['/aws/vendedlogs/grouptalk-scim/'])",
    );
    expect(() => queryCommand(8)).toThrow('query must be 1 to 7');
  });
});
