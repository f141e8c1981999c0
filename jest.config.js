/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  // Sources import './x.js' (NodeNext); Jest resolves the .ts beside it.
  // `@gatehouse/client` is the kit's source, as its example imports it.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^@gatehouse/client$': '<rootDir>/packages/client/src/index.ts' },
  // The frontend fixture's own packages, installed by its test, are not this project's.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Jest's default (cores - 1) is one worker on a 2-core machine; the suite is mostly I/O.
  maxWorkers: 2,
};
