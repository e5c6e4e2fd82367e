// Unit specs live beside the code (src, *.spec.ts); end-to-end specs in test/ run against the emulator over real HTTP.
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
  },
  // jose (required by jwks-rsa 4) is ESM-only; jest 30 on Node 20 needs it transformed.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 30000,
  // The shared-cache suites' Redis: REDIS_URL, else 127.0.0.1:6379, else a redis-server of their own.
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
};
