/**
 * Per function: the bundle esbuild makes with the options of `infra/bundles.ts`,
 * its size, and how long a fresh Node.js process takes to import it (the module-scope part of a
 * Lambda cold start). Three variants: as deployed (AWS SDK bundled, `--enable-source-maps` as the
 * stack's NODE_OPTIONS), without source maps, and with the SDK left to the runtime.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { percentile } from '../../infra/simulator/summary.js';
import { routes } from '../../shared/routes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

/**
 * Mirrors the esbuild options of `FunctionBundles` in `infra/bundles.ts` (a copy: it keeps those options
 * inline). Runtime nodejs24.x → target node24.
 */
const TARGET = 'node24';
const ESM_REQUIRE_BANNER =
  "import { createRequire as scimCreateRequire } from 'node:module'; const require = scimCreateRequire(import.meta.url);";

export interface BundleResult {
  readonly function: string;
  readonly entry: string;
  /** index.mjs with the AWS SDK bundled, as deployed. */
  readonly bundleBytes: number;
  /** index.mjs.map (deployed alongside). */
  readonly sourceMapBytes: number;
  /** Deflated bundle + map: close to the deployment zip. */
  readonly zippedBytes: number;
  /** index.mjs with `@aws-sdk/*` left to the Lambda runtime. */
  readonly bundleWithoutSdkBytes: number;
  /** Median import time in a fresh process (ms), as deployed. */
  readonly coldImportMs: number;
  readonly coldImportWithoutSourceMapsMs: number;
  readonly coldImportWithoutSdkMs: number;
}

export async function measureBundles(options: {
  readonly workDir: string;
  readonly runs: number;
  readonly onProgress?: (message: string) => void;
}): Promise<BundleResult[]> {
  const entries = await functionEntries();
  const results: BundleResult[] = [];
  try {
    for (const { name, entry } of entries) {
      options.onProgress?.(`bundling ${name}`);
      const withSdk = join(options.workDir, name, 'with-sdk');
      const withoutSdk = join(options.workDir, name, 'without-sdk');
      await bundle(entry, withSdk, true);
      await bundle(entry, withoutSdk, false);
      const file = join(withSdk, 'index.mjs');
      const code = await readFile(file);
      const map = await readFile(`${file}.map`);
      const imports = async (dir: string, sourceMaps: boolean) => {
        const times: number[] = [];
        for (let run = 0; run < options.runs; run++) {
          times.push(await coldImport(join(dir, 'index.mjs'), sourceMaps));
        }
        return Math.round(percentile(times, 50) * 10) / 10;
      };
      results.push({
        function: name,
        entry,
        bundleBytes: code.length,
        sourceMapBytes: map.length,
        zippedBytes: deflateRawSync(code).length + deflateRawSync(map).length,
        bundleWithoutSdkBytes: (await stat(join(withoutSdk, 'index.mjs'))).size,
        coldImportMs: await imports(withSdk, true),
        coldImportWithoutSourceMapsMs: await imports(withSdk, false),
        coldImportWithoutSdkMs: await imports(withoutSdk, true),
      });
    }
  } finally {
    await rm(options.workDir, { recursive: true, force: true });
  }
  return results;
}

/** Every route's handler, plus functions that no route names (scheduled ones). */
async function functionEntries(): Promise<{ name: string; entry: string }[]> {
  const entries = new Map<string, string>();
  for (const route of routes) entries.set(route.entry, route.operation);
  for (const folder of await readdir(join(REPO_ROOT, 'functions'), { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of await readdir(join(REPO_ROOT, 'functions', folder.name))) {
      const entry = `functions/${folder.name}/${file}`;
      if (file.endsWith('.ts') && !entries.has(entry)) {
        entries.set(
          entry,
          file.replace(/\.ts$/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
        );
      }
    }
  }
  return [...entries].map(([entry, name]) => ({ name, entry }));
}

async function bundle(entry: string, outDir: string, bundleAwsSdk: boolean): Promise<void> {
  await build({
    entryPoints: [join(REPO_ROOT, entry)],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    target: TARGET,
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: bundleAwsSdk ? [] : ['@aws-sdk/*'],
    logLevel: 'error',
  });
}

/** The configuration every function gets from the stack (values need only be well-formed). */
/** What the stack sets on every function and a module reads at import (the change feed's too). */
const FUNCTION_ENV = {
  TABLE_NAME: 'grouptalk-scim-bench',
  TENANT: 'bench',
  TENANT_URL: 'https://bench.example.com/scim/v2',
  EVENT_BUS_NAME: 'GroupTalkScim-events',
  TOKEN_PUBLIC_KEYS: JSON.stringify({ keys: [] }),
  LOG_LEVEL: 'INFO',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Milliseconds `await import(file)` takes in a new Node.js process. */
async function coldImport(file: string, sourceMaps: boolean): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await execFileAsync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script],
    {
      // Inside the repository, so a bundle without the SDK finds it in node_modules as the Lambda
      // runtime would find its own copy.
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV },
      timeout: 60_000,
    },
  );
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms))
    throw new Error(`cold import of ${relative(REPO_ROOT, file)} printed ${stdout}`);
  return ms;
}
