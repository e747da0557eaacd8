import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CDK_JSON = fileURLToPath(new URL('../cdk.json', import.meta.url));

/**
 * CDK's feature flags as `cdk.json` sets them (its `context`). The CLI hands them to
 * `infra/app.ts`; an `App` built in-process (tests, `npm run fleet -- plan`) takes them from
 * here, so it synthesizes the same templates as `npx cdk synth`.
 */
export function featureFlags(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...context };
}
