/**
 * `npm test` runs every kind of test; `npm run test:unit` (TEST_UNIT_ONLY=1) only *.unit.test.ts,
 * which do no I/O, so global-setup starts no PostgreSQL and the loop stays a few seconds.
 */
const unitOnly = process.env.TEST_UNIT_ONLY === '1';

// Nothing a test runs sends traffic off the machine (router/gateway.ts sets the same default before
// every gateway it constructs; test/e2e/offline.e2e.test.ts proves both).
process.env.APOLLO_TELEMETRY_DISABLED = '1';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // swc strips types only; `npm run typecheck` is the type gate, so tests start fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: unitOnly ? ['<rootDir>/**/*.unit.test.ts'] : ['<rootDir>/**/*.(unit|subgraph|e2e|embedded|ops).test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
