/**
 * The README's quick start, as a new engineer follows it: `npm start` prints every line the
 * README shows, and the README's first request, pasted into a shell, answers as the README says.
 * Only the port and the `.local/` folder differ (the test's own, so a developer's keys are never
 * touched).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type RunningNpmStart, startNpmStart } from '../support/npm-start.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first fenced block of `language` after the heading `heading`. */
function blockAfter(heading: string, language: string): string {
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`README: no ${language} block under "${heading}"`);
  return match[1]!;
}

const printedBlock = blockAfter('What `npm start` prints', 'text');
const firstRequest = blockAfter('A first request', 'sh');
const localDir = mkdtempSync(join(tmpdir(), 'readme-quick-start-'));
let npmStart: RunningNpmStart | undefined;

beforeAll(async () => {
  npmStart = await startNpmStart(
    { LOCAL_TABLE_NAME: process.env.TABLE_NAME, SCIM_LOCAL_DIR: localDir },
    ['Tenant URL', 'Secret Token', 'Local commands'],
  );
}, 120_000);

afterAll(async () => {
  await npmStart?.stop();
  rmSync(localDir, { recursive: true, force: true });
});

describe("the README's quick start", () => {
  it('shows the lines npm start prints, each of which it does print', () => {
    const promised = [...printedBlock.matchAll(/^([A-Z][A-Za-z ]+): /gm)].map((m) => m[1]!);

    expect(promised).toEqual(expect.arrayContaining(['Tenant URL', 'Secret Token', 'Client ID']));
    for (const name of promised) expect(npmStart!.printed.get(name), name).toBeDefined();
  });

  it('answers its first request, pasted into a shell, with the empty ListResponse it shows', () => {
    // Prepare: the README's lines with this run's URL and .local/ folder.
    const tenantUrl = npmStart!.printed.get('Tenant URL')!;
    const script = firstRequest
      .replaceAll('http://127.0.0.1:8080/scim/v2', tenantUrl)
      .replaceAll('.local/', `${localDir}/`);
    const shown = JSON.parse(/^# (\{.*)$/m.exec(firstRequest)![1]!.replace(',...}', '}')) as Record<
      string,
      unknown
    >;

    // Act
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });

    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject(shown);
  });
});
