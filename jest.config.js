/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // swc strips types only; `npm run typecheck` is the type gate, so tests start fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/**/*.(unit|subgraph|e2e|embedded|ops).test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
