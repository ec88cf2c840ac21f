// Type-aware lint for the TypeScript in apps/, libs/, test/ and scripts/, after the immich server's config.
// Formatting belongs to Prettier (.prettierrc); eslint-config-prettier switches off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The code map's "must not know" column (ARCHITECTURE.md), as imports lint refuses. ESLint applies the last
// config that matches a file, so each folder's entry carries its app's rules too. Specs may import across.
const up = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const rule = (regex, message, extra = {}) => ({ regex, message, ...extra });
const KAFKAJS = rule('^kafkajs(/|$)', 'Only libs/kafka and the forwarder consumers (transport/, redrive/) use kafkajs.');
const HTTP_CLIENTS = rule('^(undici|axios|@nestjs/axios)(/|$)', 'HTTP delivery belongs to dispatch/.');
const NO_LIB_INTERNALS = [
  rule('^@app/[^/]+/', 'Import a library by its alias (@app/kafka), never a file inside it.'),
  rule('(^|/)libs/', 'Import a library by its alias (@app/kafka), never by a relative path.'),
];
const appRules = (other) => [
  ...NO_LIB_INTERNALS,
  rule(`(^|/)${other}/`, `The ingress and the forwarder never import each other.`),
];
const INGRESS = [...appRules('forwarder'), KAFKAJS];
const FORWARDER = [...appRules('ingress')];
const FORWARDER_NO_KAFKAJS = [...FORWARDER, KAFKAJS];
const LIB = [rule('(^|/)apps/', 'A library never imports an app.'), ...NO_LIB_INTERNALS.slice(1)];
const LEAF_LIB = [...LIB, KAFKAJS, rule('^@app/', 'libs/common, libs/config and libs/observability import no other lib.')];

const boundaries = [
  ['libs/common/src', LEAF_LIB],
  ['libs/config/src', LEAF_LIB],
  ['libs/observability/src', LEAF_LIB],
  [
    'libs/kafka/src',
    [...LIB, rule('^@app/kafka$', 'Inside libs/kafka, import its files, not its own alias.')],
    { paths: [{ name: '@nestjs/common', importNames: ['HttpStatus', 'HttpException'], message: 'libs/kafka knows no HTTP status codes: throw a KafkaError.' }] },
  ],
  ['apps/ingress/src', INGRESS],
  ['apps/ingress/src/common', [...INGRESS, rule(up(['access', 'lifecycle', 'produce']), 'common/ is the HTTP edge every route shares: it knows no feature.')]],
  // The shared Idempotency-Key store keeps its keys in a Kafka topic, through @app/kafka only (INGRESS refuses kafkajs).
  ['apps/ingress/src/access', INGRESS],
  ['apps/ingress/src/lifecycle', [...INGRESS, rule(up(['produce', 'simulator', 'health', 'openapi']), 'lifecycle/ knows no route.')]],
  [
    'apps/ingress/src/produce',
    [...INGRESS, rule('^(\\.\\./)+common/(json-body|body-limit|all-exceptions)', 'produce/ knows neither how bodies are read nor how errors become responses.')],
  ],
  ['apps/ingress/src/health', [...INGRESS, rule(up(['simulator', 'openapi']), 'health/, simulator/ and openapi/ know nothing of each other.')]],
  ['apps/ingress/src/simulator', [...INGRESS, rule(up(['health', 'openapi']), 'health/, simulator/ and openapi/ know nothing of each other.')]],
  ['apps/ingress/src/openapi', [...INGRESS, rule(up(['health', 'simulator']), 'health/, simulator/ and openapi/ know nothing of each other.')]],
  ['apps/ingress/src/config', [...INGRESS, rule(up(['common', 'access', 'lifecycle', 'produce', 'health', 'simulator', 'openapi']), 'config/ reads the environment; it knows no feature.')]],
  ['apps/forwarder/src', FORWARDER_NO_KAFKAJS],
  [
    'apps/forwarder/src/cli',
    [
      ...FORWARDER_NO_KAFKAJS,
      HTTP_CLIENTS,
      rule(up(['dispatch']), 'cli/ parses and hands over: it knows no HTTP delivery.'),
      rule('^(\\.\\./)+transport/(?!forward-transport-options$)', 'cli/ knows the transport only by its options.'),
    ],
    { paths: [{ name: '@app/kafka', allowImportNames: ['isTopicName', 'TOPIC_NAME'], message: 'cli/ knows no Kafka client, only the topic-name rule.' }] },
  ],
  ['apps/forwarder/src/transport', [...FORWARDER, HTTP_CLIENTS, rule(up(['dispatch', 'stats', 'health', 'cli', 'replay', 'redrive']), 'transport/ publishes status and exposes ports; forwarding-wiring.ts connects them.'), rule('^\\.\\./forwarding-wiring$', 'transport/ is wired, it does not wire.')]],
  [
    'apps/forwarder/src/dispatch',
    [
      ...FORWARDER_NO_KAFKAJS,
      rule('^(\\.\\./)+transport/(?!forward-record$|forward-context$)', 'dispatch/ knows the transport only through forward-record.ts and forward-context.ts.'),
      rule(up(['replay', 'redrive', 'cli']), 'dispatch/ knows no consumer groups, offsets or commits.'),
    ],
  ],
  ['apps/forwarder/src/replay', [...FORWARDER_NO_KAFKAJS, HTTP_CLIENTS, rule(up(['dispatch']), 'replay/ knows nothing of the delivery path.')]],
  ['apps/forwarder/src/redrive', [...FORWARDER, HTTP_CLIENTS, rule(up(['dispatch']), 'redrive/ knows nothing of the delivery path.')]],
  ...['stats', 'health'].map((folder) => [
    `apps/forwarder/src/${folder}`,
    [
      ...FORWARDER_NO_KAFKAJS,
      HTTP_CLIENTS,
      rule('^(\\.\\./)+dispatch/(?!clock$|circuit-breaker$)', `${folder}/ reads what the wiring attaches; it makes no delivery decision.`),
      rule('^(\\.\\./)+dispatch/circuit-breaker$', `${folder}/ may name the circuit's states, not drive the breaker.`, { allowTypeImports: true }),
    ],
  ]),
  ['scripts', [rule('^@app/', 'scripts/ run the built apps; they know no app internals.'), rule('(^|/)(apps|libs)/', 'scripts/ run the built apps; they know no app internals.'),
      rule('(^|/)test/', 'scripts/ share helpers with the tests through scripts/shared/, never test/.')]],
].map(([folder, patterns, extra = {}]) => ({
  files: [`${folder}/**/*.ts`],
  ignores: ['**/*.spec.ts', '**/testing/**'],
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns, ...extra }] },
}));

export default tseslint.config(
  {
    ignores: ['dist/', 'coverage/', '.kafka/', '.tmp/', 'bench-results/', 'deploy/', '**/*.js', '**/*.mjs'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, prettier],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      // The four the issue names: promises nobody awaits or that land where a callback returns void,
      // switches that miss a member of a union, and type-only imports that stay out of the emitted JS.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'object-shorthand': ['error', 'always'],
    },
  },
  ...boundaries,
  {
    // kafkajs errors are told apart once, in libs/kafka/src/kafka-errors.ts; elsewhere by instanceof and its predicates.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/kafka/src/kafka-errors.ts', '**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^KafkaJS[A-Z]/]',
          message: 'kafkajs errors are recognised in libs/kafka/src/kafka-errors.ts only.',
        },
        {
          selector: "BinaryExpression[operator=/^[!=]==$/][left.property.name='type'][right.value=/^[A-Z_]{6,}$/]",
          message: "A kafkajs error's type is read in libs/kafka/src/kafka-errors.ts only.",
        },
        {
          selector: "BinaryExpression[operator=/^[!=]==$/][left.property.name='name'][right.value=/Error$/]",
          message: 'Tell errors apart with instanceof, never by name.',
        },
      ],
    },
  },
  {
    // Tests read JSON bodies, parsed manifests and jest matchers (expect.any) as `any`: the shape is what the
    // test asserts, and a wrong one fails the expect. expect(mock.method) hands jest a mock; nothing calls it unbound.
    // Fakes of async interfaces and waitFor probes are async by contract, with or without an await inside.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
