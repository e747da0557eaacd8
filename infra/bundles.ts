import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Architecture, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The one Lambda runtime of the service; esbuild targets the same Node.js version. */
export const SCIM_RUNTIME = Runtime.NODEJS_24_X;
export const SCIM_ARCHITECTURE = Architecture.ARM_64;

/**
 * The project is ESM: packages that still `require()` Node built-ins need a `require` in the
 * bundle's scope. The alias avoids clashing with a bundled `createRequire` import.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as scimCreateRequire } from 'node:module'; const require = scimCreateRequire(import.meta.url);";

/** CDK's own switch for "no bundling" (`cdk synth --exclusively`, tests): honoured here too. */
const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/** Hex digits of a bundle's build id (64 bits: no two builds of a fleet meet by chance). */
export const BUILD_ID_LENGTH = 16;

/** A function's code: its handler module, relative to the repository root, exporting `handler`. */
export interface FunctionEntry {
  readonly operation: string;
  readonly entry: string;
}

/**
 * Every function's bundle, built ONCE per synth by one esbuild run and shared by every tenant's
 * stack: each stack's function points at the same asset (same hash, so one S3 object per
 * bundle for the whole fleet). CDK's `NodejsFunction` would bundle each function of each stack
 * again (23 esbuild runs per tenant).
 */
export class FunctionBundles {
  readonly #entries = new Map<string, string>();
  #dir: string | undefined;

  /**
   * @param entries every function of a tenant (route table, fallback, scheduled jobs)
   * @param skip build nothing and give each function a placeholder (template-only synths)
   */
  constructor(
    entries: readonly FunctionEntry[],
    private readonly skip = false,
  ) {
    for (const { operation, entry } of entries) {
      const known = this.#entries.get(operation);
      if (known !== undefined && known !== entry) {
        throw new Error(`operation ${operation} has two entries: ${known} and ${entry}`);
      }
      this.#entries.set(operation, entry);
    }
  }

  /** Bundles for an app: skipped when the app's context says no stack is bundled. */
  static forApp(scope: Construct, entries: readonly FunctionEntry[]): FunctionBundles {
    const bundlingStacks = scope.node.tryGetContext(BUNDLING_STACKS_CONTEXT) as unknown;
    const skip = Array.isArray(bundlingStacks) && bundlingStacks.length === 0;
    return new FunctionBundles(entries, skip);
  }

  /** The operations these bundles serve. */
  get operations(): string[] {
    return [...this.#entries.keys()];
  }

  /** The directory holding `<operation>/index.mjs` (and its source map), built on first use. */
  get directory(): string {
    this.#dir ??= this.skip ? this.#placeholders() : this.#build();
    return this.#dir;
  }

  /** Lambda code of one operation: a new `Code` per function (an asset binds to one stack). */
  code(operation: string): Code {
    if (!this.#entries.has(operation)) throw new Error(`no bundle for operation ${operation}`);
    return Code.fromAsset(join(this.directory, operation));
  }

  /**
   * The build id of one operation's bundle: the first 16 hex digits of the SHA-256 of its code.
   * Each function carries it as `BUILD_ID`, so `npm run verify` can tell that a deployed function
   * runs the bundle of this synth (Lambda's own `CodeSha256` hashes the zip CDK makes later).
   */
  buildId(operation: string): string {
    if (!this.#entries.has(operation)) throw new Error(`no bundle for operation ${operation}`);
    const code = readFileSync(join(this.directory, operation, 'index.mjs'));
    return createHash('sha256').update(code).digest('hex').slice(0, BUILD_ID_LENGTH);
  }

  #build(): string {
    const outdir = mkdtempSync(join(tmpdir(), 'grouptalk-bundles-'));
    buildSync({
      absWorkingDir: REPO_ROOT,
      entryPoints: [...this.#entries].map(([operation, entry]) => ({
        in: entry,
        out: `${operation}/index`,
      })),
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: SCIM_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      // The SDK is bundled so the deployed version is the tested one; `npm run bench` weighs
      // this against the smaller package the runtime's SDK would give.
      external: [],
      logLevel: 'error',
    });
    return outdir;
  }

  #placeholders(): string {
    const outdir = mkdtempSync(join(tmpdir(), 'grouptalk-bundles-skipped-'));
    for (const operation of this.#entries.keys()) {
      mkdirSync(join(outdir, operation));
      writeFileSync(
        join(outdir, operation, 'index.mjs'),
        `// bundling skipped (${BUNDLING_STACKS_CONTEXT} is empty): ${operation}\nexport const handler = () => { throw new Error('not bundled'); };\n`,
      );
    }
    return outdir;
  }
}
