import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: pure code (parsers, builders, the SCIM layer, the layer rules), no
 * DynamoDB Local, no global setup: `npm run test:unit` finishes in seconds. `engine`: everything
 * that runs against real parts (DynamoDB Local over HTTP, the synthesized template, the local
 * server), each file with its own table. `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // No I/O, so threads are enough. Not isolated: the files are pure and share one
          // environment (the setup file), so one worker imports the modules once for all of them
          // instead of once per file, most of the project's wall time (14 s down to about 6).
          pool: 'threads',
          isolate: false,
          setupFiles: ['test/support/unit-environment.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          // A process per test file: each file sets its own environment (table, tenant key).
          pool: 'forks',
          // One file at a time: every engine file shares one DynamoDB Local, and files that each
          // run 100 concurrent PATCHes or seed thousands of items made one another's requests
          // outlast the functions' 10 s budget when they ran side by side (a red suite on a quiet
          // 2-core machine). Only here: the unit files are pure and run side by side.
          fileParallelism: false,
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/environment.ts'],
        },
      },
    ],
  },
});
