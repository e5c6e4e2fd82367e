// Unit specs live beside the code (src, *.spec.ts); end-to-end specs in test/ run against the emulator over real HTTP.
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      'ts-jest',
      {
        tsconfig: '<rootDir>/tsconfig.spec.json',
        // test/typed-client is type-checked by its own tsc run, against types generated during the
        // test (test/clients-openapi.e2e-spec.ts): ts-jest's checker would look before they exist.
        diagnostics: { warnOnly: false, exclude: ['**/test/typed-client/**'] },
      },
    ],
  },
  // ESM-only packages jest 30 on Node 20 cannot load untransformed: jose (required by jwks-rsa 4), and
  // Octokit (@octokit/rest, used by the real-client suites) with the ESM packages it imports.
  transformIgnorePatterns: ['/node_modules/(?!(jose|@octokit|universal-user-agent|before-after-hook|content-type)/)'],
  testTimeout: 30000,
  // The shared-cache suites' Redis: REDIS_URL, else 127.0.0.1:6379, else a redis-server of their own.
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
};
