import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTenant, listTenants } from '../../../infra/cli/tenant.js';
import { loadTenant } from '../../../infra/tenants.js';

function fleetDir() {
  const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
  const fleetFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify({ account: '111111111111', region: 'eu-west-1' }));
  return { dir, fleetFile };
}

/** A fleet whose cells hold one tenant each: the account holds 599 other APIs. */
function tightFleet(cells: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
  const fleetFile = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'fleet.json');
  writeFileSync(
    fleetFile,
    JSON.stringify({
      account: '111111111111',
      region: 'eu-west-1',
      cells: cells.map((id, i) => ({
        id,
        account: `${i + 1}`.repeat(12),
        region: 'eu-west-1',
        otherApis: 599,
      })),
    }),
  );
  return { dir, fleetFile };
}

describe('npm run tenant -- add: placement into cells', () => {
  it('fills the declared cells in order and refuses when all are full, naming the limit and the next cell', () => {
    const { dir, fleetFile } = tightFleet(['eu1', 'eu2']);

    const first = addTenant('alpha', { dir, fleetFile });
    const second = addTenant('beta', { dir, fleetFile });

    expect(JSON.parse(readFileSync(first, 'utf8'))).toEqual({ name: 'alpha', cell: 'eu1' });
    expect(JSON.parse(readFileSync(second, 'utf8'))).toEqual({ name: 'beta', cell: 'eu2' });
    let message = '';
    try {
      addTenant('gamma', { dir, fleetFile });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('every declared cell is full: eu1 holds 1 of 1, eu2 holds 1 of 1');
    expect(message).toContain('Regional APIs per region (HTTP APIs): (600 − 599 other APIs)');
    expect(message).toContain('"id": "eu3"');
    expect(() => loadTenant('gamma', dir)).toThrow('Unknown tenant "gamma"');
  });

  it('puts a tenant into the cell asked for only while it has room', () => {
    const { dir, fleetFile } = tightFleet(['eu1', 'eu2']);
    addTenant('alpha', { dir, fleetFile, cell: 'eu2' });

    expect(() => addTenant('beta', { dir, fleetFile, cell: 'eu2' })).toThrow(
      'cell "eu2" is full: eu2 holds 1 of 1',
    );
    expect(() => addTenant('beta', { dir, fleetFile, cell: 'nope' })).toThrow(
      'cell "nope" is not declared in infra/fleet.json (cells: eu1, eu2)',
    );
    expect(JSON.parse(readFileSync(addTenant('beta', { dir, fleetFile }), 'utf8')).cell).toBe(
      'eu1',
    );
  });
});

describe('npm run tenant', () => {
  it('adds a tenant as a file holding only its name, which loads with every default', () => {
    const { dir } = fleetDir();

    const file = addTenant('northwind', { dir });

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ name: 'northwind', cell: 'eu1' });
    expect(loadTenant('northwind', dir)).toMatchObject({
      name: 'northwind',
      canary: false,
      throttling: { rateLimit: 50 },
    });
  });

  it('refuses a bad name, a bad region and a tenant declared already, writing nothing', () => {
    const { dir } = fleetDir();
    addTenant('taken', { dir });

    expect(() => addTenant('Bad Name', { dir })).toThrow('name must be 1-32 characters');
    expect(() => addTenant('elsewhere', { dir, region: 'mars' })).toThrow(
      'region must be an AWS region',
    );
    expect(() => addTenant('taken', { dir })).toThrow('tenant "taken" is already declared');
    expect(() => loadTenant('elsewhere', dir)).toThrow('Unknown tenant "elsewhere"');
  });

  it('lists tenants with their account and region, marking what they inherit from the fleet', () => {
    const { dir, fleetFile } = fleetDir();
    addTenant('alpha', { dir, fleetFile, canary: true });
    addTenant('beta', { dir, account: '222222222222', region: 'us-west-2' });

    const lines = listTenants(dir, fleetFile);

    expect(lines[0]).toMatch(/^tenant\s+account\s+region\s+canary\s+throttling/);
    expect(lines[1]).toMatch(
      /^alpha\s+111111111111\*\s+eu-west-1\*\s+yes\s+50\/s burst 100 \(≤600 concurrent\)/,
    );
    expect(lines[2]).toMatch(/^beta\s+222222222222\s+us-west-2\s+50\/s/);
    expect(lines.at(-1)).toBe('2 tenant(s); * inherited from infra/fleet.json');
  });
});
