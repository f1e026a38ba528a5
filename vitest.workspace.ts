// The list of test projects. `vitest.config.ts` imports it (current Vitest reads `test.projects`),
// so this file stays the one place that says which tests exist and how they are grouped.
import type { TestProjectInlineConfiguration } from 'vitest/config';

const sourceCondition = {
  resolve: { conditions: ['@sfw/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@sfw/source', 'import', 'node', 'default'] } },
};

export const projects: TestProjectInlineConfiguration[] = [
  {
    ...sourceCondition,
    test: {
      name: 'unit',
      include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
      // A guard against a hang, not a speed limit: statistical leakage and exactness tests take a few
      // seconds each on two cores, and CI runs the unit files in parallel next to other projects.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      exclude: ['**/*.redis.test.ts', '**/*.mp.test.ts', '**/*.compat.test.ts', '**/node_modules/**'],
    },
  },
  {
    // Tests that start party and SPU threads (a Cluster): slower, run file by file.
    ...sourceCondition,
    test: {
      name: 'multiparty',
      include: ['packages/*/src/**/*.mp.test.ts', 'apps/*/src/**/*.mp.test.ts', 'packages/*/test/**/*.mp.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    // Integration tests against a real Redis (REDIS_URL, default redis://127.0.0.1:6379), each with a unique key prefix.
    ...sourceCondition,
    test: {
      name: 'redis',
      include: ['packages/*/src/**/*.redis.test.ts', 'apps/*/src/**/*.redis.test.ts', 'apps/*/test/**/*.redis.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      fileParallelism: false,
    },
  },
  {
    // The real Python Celery client (Debian python3-celery, /usr/bin/python3) driving the built worker.
    ...sourceCondition,
    test: {
      name: 'compat',
      include: ['apps/*/test/**/*.compat.test.ts'],
      testTimeout: 180_000,
      hookTimeout: 180_000,
      fileParallelism: false,
    },
  },
  {
    // The published face: pack the embeddable packages, npm-install the tarballs into a project
    // outside the workspace, type-check and run a consumer there (built dist, test Redis).
    test: {
      name: 'embed',
      include: ['tools/*/src/**/*.embed.test.ts'],
      testTimeout: 300_000,
      hookTimeout: 600_000,
      fileParallelism: false,
    },
  },
];
