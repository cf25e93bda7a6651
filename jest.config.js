// One jest run over every package, example and cross-package test. @swc/jest transpiles
// TypeScript (tsc type-checks separately in `pnpm test`), and also the ESM-only dependencies
// that jest's CommonJS runtime cannot load on Node 20 (see ../shared/TOOLCHAIN.md).
const esmOnly = ['@nestjs', '@noble', '@scure', '@otplib', 'otplib', 'jose', '@electric-sql', 'oidc-provider', 'fast-check', 'pure-rand'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  moduleNameMapper: {
    '^@mfakit/example-shared$': '<rootDir>/examples/shared/src/index.ts',
    '^@mfakit/core/(http|store)$': '<rootDir>/packages/core/src/$1/index.ts',
    '^@mfakit/([^/]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm|${esmOnly.join('|')})(/|\\+))`],
  transform: {
    '^.+\\.(t|[cm]?j)s$': [
      '@swc/jest',
      {
        module: { type: 'commonjs' },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
      },
    ],
  },
  testTimeout: 30000,
  // Two files at a time: jest's default (cores - 1) is one worker on the 2-core machines this runs
  // on, while most files spend their time waiting on servers, browsers and child processes. Every
  // file keeps to its own ports, Redis key prefix and PostgreSQL schema or database.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summaryReporter.js'],
  // With --coverage (as `pnpm test` runs): the line coverage of @mfakit/core, measured over the
  // whole run (adapter and contract tests drive the core's HTTP contract too), must stay at 90%.
  // A summary on stdout, and lcov (coverage/lcov.info, coverage/lcov-report/) for tools.
  // The type-only modules (the options, the context, the problem codes) hold no code that runs: v8
  // would count each of their lines as missed, as it does for any file never loaded.
  collectCoverageFrom: ['packages/core/src/**/*.ts', '!packages/core/src/{options,context,problem}.ts'],
  coverageProvider: 'v8',
  coverageDirectory: '<rootDir>/coverage',
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { './packages/core/src/': { lines: 90 } },
};
