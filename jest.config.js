// Unit specs live beside the code; integration and end-to-end tests under test/ run against a
// real Kafka that test/setup/global-setup.ts starts when KAFKA_BROKERS is not set.
const moduleNameMapper = {
  '^@app/kafka(|/.*)$': '<rootDir>/libs/kafka/src$1',
  '^@app/common(|/.*)$': '<rootDir>/libs/common/src$1',
  '^@app/config(|/.*)$': '<rootDir>/libs/config/src$1',
  '^@app/observability(|/.*)$': '<rootDir>/libs/observability/src$1',
  '^@app/schema-registry(|/.*)$': '<rootDir>/libs/schema-registry/src$1',
};
// Dependencies published only as ES modules, which jest's CommonJS loader cannot require on Node 20
// (the built apps do, through Node's require(esm)): compiled to CommonJS for the tests.
const ESM_ONLY = ['@marcbachmann/cel-js', 'oauth4webapi'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true }, diagnostics: false },
  ],
};
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];

/** Tests that boot the built apps against the real Kafka the global setup starts. */
function kafkaProject(displayName, root, testRegex) {
  return {
    displayName,
    rootDir: __dirname,
    roots: [`<rootDir>/${root}`],
    testRegex,
    testEnvironment: 'node',
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper,
    transform,
    transformIgnorePatterns,
    globalSetup: '<rootDir>/test/setup/global-setup.ts',
    globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  };
}

module.exports = {
  // e2e tests start processes and stop brokers: one file at a time keeps them honest on 2 cores.
  maxWorkers: 1,
  // Per-project testTimeout is ignored by jest; e2e tests start processes and brokers.
  testTimeout: 120000,
  slowTestThreshold: 30,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
      testRegex: '\\.spec\\.ts$',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    transformIgnorePatterns,
    },
    kafkaProject('e2e', 'test', '\\.e2e-spec\\.ts$'),
    kafkaProject('faults', 'test/faults', '\\.faults-spec\\.ts$'),
    // The Helm chart, rendered and validated with pinned tools (npm run test:deploy installs them).
    {
      displayName: 'deploy',
      rootDir: __dirname,
      roots: ['<rootDir>/test/deploy'],
      testRegex: '\\.deploy-spec\\.ts$',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    transformIgnorePatterns,
    },
  ],
};
