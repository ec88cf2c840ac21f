import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { FORWARD_OPTIONS } from '../../apps/forwarder/src/cli/forward.command';
import { ForwarderHealthController } from '../../apps/forwarder/src/health/forwarder-health.controller';
import { ABANDONED_DELIVERY_WAIT_MS } from '../../apps/forwarder/src/transport/record-window';
import { loadIngressConfig, IngressEnvironment } from '../../apps/ingress/src/config/ingress.config';
import { HealthController } from '../../apps/ingress/src/health/health.controller';
import { kafkaConfigFromEnv, KafkaEnvironment } from '../../libs/kafka/src/kafka.config';
import { variablesOf } from '../support/environment';
import { builtEntry } from '../support/source';

// The Helm chart cannot be installed here (no cluster), so this spec renders it with the real
// Helm, validates every manifest against the Kubernetes OpenAPI schemas offline, and checks the
// manifests against the code they run, as test/compose.spec.ts does for docker-compose.yml.
// npm run test:deploy installs the pinned tools first (test/deploy/tools.sh).

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const CHART = join(root, 'deploy/helm/kafka-http-gateway');
const tools = Object.fromEntries(
  read('test/deploy/tools.env')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);
const KUBERNETES_VERSION = tools.KUBERNETES_VERSION;
const HELM = join(root, '.tmp/tools/bin/helm');
const KUBERNETES_VALIDATE = join(root, '.tmp/tools/venv/bin/kubernetes-validate');
const SERVICEMONITOR_CHECK = join(root, '.tmp/tools/bin/servicemonitor-check');
const RELEASE = 'gw';
const NAMESPACE = 'gateway';
const work = mkdtempSync(join(tmpdir(), 'helm-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every value set under ci/, by name (default, sasl-tls, api-keys, three-forwarders, signing). */
const VALUE_SETS = readdirSync(join(CHART, 'ci'))
  .filter((file) => file.endsWith('-values.yaml'))
  .map((file) => file.replace(/-values\.yaml$/, ''))
  .sort();
/**
 * Forward flags the chart does not offer as options: --reset-to moves a group's offsets and exits
 * (a one-off, not a Deployment); --signing-secret and --oauth2-client-secret come from a Secret,
 * never from the pod spec;
 * --log-level is the chart's logLevel (LOG_LEVEL, for both apps), and --log-format's default writes
 * JSON lines in a pod.
 */
const NOT_OPTIONS = new Set(['reset-to', 'signing-secret', 'oauth2-client-secret', 'log-level', 'log-format']);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are checked field by field below
}
interface Container {
  name: string;
  command: string[];
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- compared with toMatchObject
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Rendered {
  manifests: Manifest[];
  file: string;
  values: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the value set as written
}

function run(command: string, args: string[], cwd = root) {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(work, 'helm/config'),
    HELM_CACHE_HOME: join(work, 'helm/cache'),
    HELM_DATA_HOME: join(work, 'helm/data'),
  };
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.error)
    throw new Error(`${command}: ${result.error.message} (run npm run test:deploy, which installs the tools)`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function helm(args: string[], chart = CHART) {
  return run(HELM, [...args.map((arg) => (arg === '<chart>' ? chart : arg))]);
}

const valuesFile = (set: string) => join(CHART, 'ci', `${set}-values.yaml`);

const rendered = new Map<string, Rendered>();
function render(set: string): Rendered {
  const cached = rendered.get(set);
  if (cached) return cached;
  const result = helm([
    'template',
    RELEASE,
    '<chart>',
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBERNETES_VERSION,
    '-f',
    valuesFile(set),
  ]);
  expect({ set, status: result.status, stderr: result.stderr }).toEqual({ set, status: 0, stderr: '' });
  const file = join(work, `${set}.yaml`);
  writeFileSync(file, result.stdout);
  const manifests = parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  const entry = { manifests, file, values: parse(readFileSync(valuesFile(set), 'utf8')) };
  rendered.set(set, entry);
  return entry;
}

const ofKind = (r: Rendered, kind: string) => r.manifests.filter((m) => m.kind === kind);
const byName = (r: Rendered, kind: string, name: string) => {
  const found = ofKind(r, kind).find((m) => m.metadata.name === name);
  expect({ kind, name, found: found !== undefined }).toEqual({ kind, name, found: true });
  return found!;
};
const deployments = (r: Rendered) => ofKind(r, 'Deployment');
const appOf = (d: Manifest): 'ingress' | 'forwarder' =>
  d.metadata.labels!['app.kubernetes.io/component'] as 'ingress' | 'forwarder';
const containerOf = (d: Manifest): Container => {
  expect(d.spec.template.spec.containers).toHaveLength(1);
  return d.spec.template.spec.containers[0] as Container;
};

/** The variables a container gets, with where each comes from. */
function environmentOf(
  r: Rendered,
  container: Container,
): Map<string, { value?: string; secret?: { name: string; key: string } }> {
  const env = new Map<string, { value?: string; secret?: { name: string; key: string } }>();
  for (const from of container.envFrom ?? []) {
    expect(from.secretRef).toBeUndefined();
    const configMap = byName(r, 'ConfigMap', from.configMapRef!.name);
    for (const [name, value] of Object.entries(configMap.data ?? {})) env.set(name, { value });
  }
  for (const variable of container.env ?? [])
    env.set(
      variable.name,
      variable.valueFrom ? { secret: variable.valueFrom.secretKeyRef } : { value: variable.value },
    );
  return env;
}

/** The forward command's options, from the tables the command adds to commander. */
interface ForwardOption {
  flag: string;
  takesValue: boolean;
  required: boolean;
  env?: string;
  parse: (value: string) => unknown;
}
function forwardOptions(): Map<string, ForwardOption> {
  const options = new Map<string, ForwardOption>();
  for (const option of FORWARD_OPTIONS) {
    // `--name <value>`, possibly after a short form (`-n, --name <value>`).
    const long = /(?:^|[\s,])(--[a-z0-9-]+)(\s+[<[])?/.exec(option.flags);
    expect({ flags: option.flags, long: long !== null }).toEqual({ flags: option.flags, long: true });
    const [, flag, value] = long!;
    options.set(flag, {
      flag,
      takesValue: value !== undefined,
      required: option.required === true,
      env: option.env,
      parse: (text) => option.parse(text, undefined),
    });
  }
  return options;
}

/** `GET /path` for every route of a controller, from Nest's own route metadata. */
function routesOf(controller: new (...args: never[]) => object): string[] {
  const base = (Reflect.getMetadata(PATH_METADATA, controller) as string) ?? '';
  const prototype = controller.prototype as Record<string, object>;
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => Reflect.getMetadata(PATH_METADATA, prototype[name]) !== undefined)
    .map((name) => {
      const path = Reflect.getMetadata(PATH_METADATA, prototype[name]) as string;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, prototype[name]) as number];
      return `${method} ${`/${base}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1')}`;
    });
}

/** A Kubernetes memory quantity (256Mi, 1G), in bytes. */
function bytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity)!;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** The value of a flag in an argument list (`--flag value`), or undefined. */
function argOf(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
}

describe('the Helm chart renders and validates', () => {
  it('has the value sets the issue asks for', () => {
    expect(VALUE_SETS).toEqual(expect.arrayContaining(['default', 'sasl-tls', 'api-keys', 'three-forwarders']));
    expect(Object.keys(render('three-forwarders').values.forwarders)).toHaveLength(3);
  });

  it('is rendered by the pinned Helm, for the pinned Kubernetes release', () => {
    expect(run(HELM, ['version', '--template', '{{.Version}}']).stdout).toBe(tools.HELM_VERSION);
    expect(run(KUBERNETES_VALIDATE, ['--version']).stdout.trim()).toBe(tools.KUBERNETES_VALIDATE_VERSION);
  });

  it.each(VALUE_SETS)('%s: passes helm lint --strict', (set) => {
    const result = helm(['lint', '<chart>', '--strict', '--kube-version', KUBERNETES_VERSION, '-f', valuesFile(set)]);
    expect({
      status: result.status,
      out: result.stdout.split('\n').filter((l) => /\[(WARNING|ERROR)\]/.test(l)),
    }).toEqual({ status: 0, out: [] });
  });

  it.each(VALUE_SETS)('%s: every manifest validates against the Kubernetes schemas, strictly', (set) => {
    const r = render(set);
    const result = run(KUBERNETES_VALIDATE, ['--strict', '--kubernetes-version', KUBERNETES_VERSION, r.file]);
    const lines = result.stdout.trim().split('\n');
    const passed = lines.filter((line) => line.startsWith('INFO') && line.includes(' passed '));
    // kubernetes-validate ships no CRD schemas: the ServiceMonitor is decoded strictly into
    // prometheus-operator's own types instead.
    const unknown = lines
      .filter((line) => line.startsWith('WARN'))
      .map((line) => /kind (\S+) with api version (\S+)/.exec(line)?.slice(1).join(' ') ?? line);
    expect({ status: result.status, errors: lines.filter((line) => line.startsWith('ERROR')) }).toEqual({
      status: 0,
      errors: [],
    });
    expect(unknown).toEqual(ofKind(r, 'ServiceMonitor').map(() => 'ServiceMonitor monitoring.coreos.com/v1'));
    expect(passed).toHaveLength(r.manifests.length - unknown.length);
    for (const [i, monitor] of ofKind(r, 'ServiceMonitor').entries()) {
      const file = join(work, `${set}-servicemonitor-${i}.json`);
      writeFileSync(file, JSON.stringify(monitor));
      expect(run(SERVICEMONITOR_CHECK, [file])).toEqual({ status: 0, stdout: `INFO ${file} passed\n`, stderr: '' });
    }
  });

  it('is checked by validators that reject a misspelt field and a wrong type', () => {
    const deployment = deployments(render('default'))[0];
    const container = containerOf(deployment);
    const broken = [
      {
        ...deployment,
        spec: {
          ...deployment.spec,
          template: {
            ...deployment.spec.template,
            spec: {
              ...deployment.spec.template.spec,
              containers: [{ ...container, readinesProbe: container.readinessProbe }],
            },
          },
        },
      },
      { ...deployment, spec: { ...deployment.spec, replicas: 'two' } },
    ];
    const file = join(work, 'broken.yaml');
    writeFileSync(file, broken.map((m) => JSON.stringify(m)).join('\n---\n'));
    const out = run(KUBERNETES_VALIDATE, ['--strict', '--kubernetes-version', KUBERNETES_VERSION, file]).stdout;
    expect(out).toMatch(/ERROR .*'readinesProbe' was unexpected/);
    expect(out).toMatch(/ERROR .*spec\.replicas: 'two' is not of type 'integer'/);
    const monitor = ofKind(render('three-forwarders'), 'ServiceMonitor')[0];
    const endpoint = monitor.spec.endpoints[0];
    const monitors = [
      { ...monitor, spec: { ...monitor.spec, endpoints: [{ ...endpoint, scrapeIntervall: '30s' }] } },
      { ...monitor, spec: { ...monitor.spec, endpoints: [{ ...endpoint, port: 9090 }] } },
    ].map((m, i) => {
      const path = join(work, `broken-servicemonitor-${i}.json`);
      writeFileSync(path, JSON.stringify(m));
      return path;
    });
    const checked = run(SERVICEMONITOR_CHECK, monitors);
    expect(checked.status).toBe(1);
    expect(checked.stdout).toMatch(/ERROR .*-0\.json: .*unknown field "scrapeIntervall"/);
    expect(checked.stdout).toMatch(
      /ERROR .*-1\.json: .*cannot unmarshal number into Go struct field .*port of type string/,
    );
  });

  it.each([
    ['kafka.brokers', [], /kafka\.brokers is required/],
    [
      'a variable the ingress does not read',
      ['--set', 'ingress.config.INGRESS_ALLOWED_TOPIC=orders'],
      /'\/ingress\/config': additional properties 'INGRESS_ALLOWED_TOPIC' not allowed/,
    ],
    [
      'a secret in the ConfigMap',
      ['--set', 'ingress.config.INGRESS_API_KEYS=key-0123456789abcdef'],
      /ingress\.config\.INGRESS_API_KEYS: set ingress\.apiKeys \(a Secret\) instead/,
    ],
    [
      'a credentials file in the ConfigMap',
      ['--set', 'ingress.config.INGRESS_CREDENTIALS_FILE=/etc/credentials.yaml'],
      /ingress\.config\.INGRESS_CREDENTIALS_FILE: set ingress\.credentials \(a Secret\) instead/,
    ],
    [
      'a JWT variable beside ingress.jwt',
      ['--set', 'ingress.config.INGRESS_JWT_ISSUER=https://login.example.com/'],
      /ingress\.config\.INGRESS_JWT_ISSUER: set ingress\.jwt instead/,
    ],
    [
      'a JWKS URL without an audience',
      ['--set', 'ingress.jwt.jwksUrl=https://login.example.com/jwks.json', '--set', 'ingress.jwt.issuer=x'],
      /audience/,
    ],
    [
      'a SASL password in the ConfigMap',
      ['--set', 'kafka.config.KAFKA_SASL_PASSWORD=x'],
      /kafka\.config\.KAFKA_SASL_PASSWORD: set kafka\.sasl \(a Secret\) instead/,
    ],
    [
      'health behind API keys',
      ['--set', 'ingress.config.INGRESS_PUBLIC_HEALTH=false'],
      /INGRESS_PUBLIC_HEALTH must stay true: the kubelet's probes carry no API key/,
    ],
    [
      'an option the forwarder lacks',
      [
        '--set',
        'forwarders[0].name=a,forwarders[0].topic=t,forwarders[0].targetUrl=http://t/,forwarders[0].options.retry=3',
      ],
      /'\/forwarders\/0\/options': additional properties 'retry' not allowed/,
    ],
    [
      'a header given as an option',
      [
        '--set',
        'forwarders[0].name=a,forwarders[0].topic=t,forwarders[0].targetUrl=http://t/,forwarders[0].options.header=x',
      ],
      /forwarder a: options\.header: set headers \(a Secret\) instead/,
    ],
    [
      'two forwarders of one name',
      [
        '--set',
        'forwarders[0].name=a,forwarders[0].topic=t,forwarders[0].targetUrl=http://t/,forwarders[1].name=a,forwarders[1].topic=u,forwarders[1].targetUrl=http://u/',
      ],
      /the name "a" is used twice/,
    ],
  ])('refuses %s with a line that says what to do', (_what, args, message) => {
    const brokers = _what === 'kafka.brokers' ? [] : ['--set', 'kafka.brokers=kafka:9092'];
    const result = helm(['template', RELEASE, '<chart>', ...brokers, ...args]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});

describe.each(VALUE_SETS)('the %s manifests run what the code provides', (set) => {
  const options = forwardOptions();

  it('start each app from the file the build writes', () => {
    for (const deployment of deployments(render(set))) {
      const container = containerOf(deployment);
      const app = appOf(deployment);
      expect(container.command.slice(0, 2)).toEqual(['node', builtEntry(app)]);
      if (app === 'forwarder') expect(container.command[2]).toBe('forward');
    }
  });

  it('probe paths the apps serve, on the ports they listen on', () => {
    const routes = { ingress: routesOf(HealthController), forwarder: routesOf(ForwarderHealthController) };
    expect(read('apps/ingress/src/main.ts')).not.toContain('setGlobalPrefix');
    for (const deployment of deployments(render(set))) {
      const container = containerOf(deployment);
      const app = appOf(deployment);
      const env = environmentOf(render(set), container);
      const listening =
        app === 'ingress'
          ? Number(env.get('PORT')?.value ?? new IngressEnvironment().PORT)
          : Number(argOf(container.args ?? [], '--health-port'));
      const probes = {
        startup: container.startupProbe,
        liveness: container.livenessProbe,
        readiness: container.readinessProbe,
      };
      expect(probes.liveness?.httpGet?.path).toBe('/health/live');
      expect(probes.readiness?.httpGet?.path).toBe('/health/ready');
      for (const [kind, probe] of Object.entries(probes)) {
        expect({ app, kind, route: routes[app].includes(`GET ${probe?.httpGet?.path}`) }).toEqual({
          app,
          kind,
          route: true,
        });
        const port = container.ports?.find(
          (p) => p.name === probe!.httpGet!.port || p.containerPort === probe!.httpGet!.port,
        );
        expect({ app, kind, port: port?.containerPort }).toEqual({ app, kind, port: listening });
        // /health/ready asks Kafka with a 1 s bound: a probe must wait longer than that.
        expect(probe!.timeoutSeconds).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('set only variables the apps read, with values the apps accept', () => {
    const r = render(set);
    const kafka = variablesOf(KafkaEnvironment);
    const known = {
      ingress: new Set([...variablesOf(IngressEnvironment), ...kafka]),
      forwarder: new Set([...kafka, ...[...options.values()].flatMap((o) => (o.env ? [o.env] : []))]),
    };
    expect(known.forwarder).toContain('FORWARDER_HEADERS');
    for (const deployment of deployments(r)) {
      const container = containerOf(deployment);
      const app = appOf(deployment);
      expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
      const env = environmentOf(r, container);
      const unknown = [...env.keys()].filter((name) => !known[app].has(name));
      expect({ app, unknown }).toEqual({ app, unknown: [] });
      // The values, as the app's own configuration loader reads them at boot.
      const environment = plainEnvironment(r, deployment, env);
      if (app === 'ingress') expect(() => loadIngressConfig(environment)).not.toThrow();
      else expect(() => kafkaConfigFromEnv(environment)).not.toThrow();
    }
  });

  it('pass the forwarder only flags the forward command declares, with values it accepts', () => {
    const forwarders = deployments(render(set)).filter((d) => appOf(d) === 'forwarder');
    expect(forwarders).toHaveLength(render(set).values.forwarders?.length ?? 0);
    for (const deployment of forwarders) {
      const container = containerOf(deployment);
      const args = container.args ?? [];
      const env = environmentOf(render(set), container);
      const given: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const option = options.get(args[i]);
        expect({ arg: args[i], declared: option !== undefined }).toEqual({ arg: args[i], declared: true });
        given.push(option!.flag);
        if (!option!.takesValue) continue;
        const value = args[++i];
        expect({ flag: option!.flag, value, error: parseError(option!, value) }).toEqual({
          flag: option!.flag,
          value,
          error: undefined,
        });
      }
      for (const option of [...options.values()].filter((o) => o.required)) {
        expect({ required: option.flag, given: given.includes(option.flag) || env.has(option.env!) }).toEqual({
          required: option.flag,
          given: true,
        });
      }
      expect(new Set(given).size).toBe(given.length);
      expect(given).toContain('--health-port');
    }
  });

  it('give each app more time to stop than its shutdown takes', () => {
    const r = render(set);
    const flushMs = Number(
      /const SHUTDOWN_FLUSH_MS = ([\d_]+);/
        .exec(read('libs/kafka/src/kafka-producer.service.ts'))![1]
        .replace(/_/g, ''),
    );
    const settleMs = ABANDONED_DELIVERY_WAIT_MS;
    expect(flushMs).toBeGreaterThan(0);
    expect(settleMs).toBeGreaterThan(0);
    for (const deployment of deployments(r)) {
      const container = containerOf(deployment);
      const grace = deployment.spec.template.spec.terminationGracePeriodSeconds as number;
      const env = plainEnvironment(r, deployment, environmentOf(r, container));
      if (appOf(deployment) === 'ingress') {
        // SIGTERM comes after the preStop pause; then requests in flight, then the producer's flush.
        const pause = Number(
          container.lifecycle?.preStop?.exec?.command.join(' ').match(/^sleep (\d+)$/)?.[1] ??
            container.lifecycle?.preStop?.sleep?.seconds,
        );
        expect(pause).toBeGreaterThanOrEqual(1);
        const shutdownMs = loadIngressConfig(env).shutdownTimeoutMs;
        const needed = (pause * 1000 + shutdownMs + flushMs) / 1000;
        expect({ app: 'ingress', grace, needed, enough: grace > needed }).toEqual({
          app: 'ingress',
          grace,
          needed,
          enough: true,
        });
      } else {
        // Deliveries in flight, then abandoned ones settling, then a commit and leaving the group.
        const shutdownMs = options
          .get('--shutdown-timeout')!
          .parse(argOf(container.args!, '--shutdown-timeout')!) as number;
        const requestMs = kafkaConfigFromEnv(env).connection.requestTimeoutMs;
        const needed = (shutdownMs + settleMs + requestMs) / 1000;
        expect({ app: deployment.metadata.name, grace, needed, enough: grace > needed }).toEqual({
          app: deployment.metadata.name,
          grace,
          needed,
          enough: true,
        });
      }
    }
  });

  it('keep every secret out of ConfigMaps and pod specs', () => {
    const r = render(set);
    const secrets = secretValuesOf(r.values);
    const places = [
      ...ofKind(r, 'ConfigMap').map((m) => ({ where: `ConfigMap ${m.metadata.name}`, text: JSON.stringify(m) })),
      ...deployments(r).map((d) => ({ where: `Deployment ${d.metadata.name}`, text: JSON.stringify(d.spec.template) })),
    ];
    for (const secret of secrets) {
      const forms = [secret, Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
      for (const { where, text } of places)
        expect({ secret, where, found: forms.some((form) => text.includes(form)) }).toEqual({
          secret,
          where,
          found: false,
        });
    }
    // The check can fail: each secret given as a value is in a Secret the chart made.
    const inSecrets = ofKind(r, 'Secret')
      .flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')))
      .join('\n');
    for (const secret of secrets)
      expect({ secret, inASecret: inSecrets.includes(secret) }).toEqual({ secret, inASecret: true });
    // Secret variables come from Secrets by reference, never as literal values.
    for (const deployment of deployments(r)) {
      for (const [name, from] of environmentOf(r, containerOf(deployment))) {
        if (/PASSWORD|SECRET|HEADERS|API_KEYS$/.test(name))
          expect({ name, fromSecret: from.secret !== undefined }).toEqual({ name, fromSecret: true });
      }
    }
  });

  it('run non-root on a read-only root filesystem, with /tmp writable', () => {
    for (const deployment of deployments(render(set))) {
      const pod = deployment.spec.template.spec;
      const container = containerOf(deployment);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      // The image's user is `node` by name; Kubernetes can only check runAsNonRoot against a number.
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: { name: string }) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      for (const mount of container.volumeMounts ?? [])
        if (mount.mountPath !== '/tmp')
          expect({ mount: mount.mountPath, readOnly: mount.readOnly }).toEqual({
            mount: mount.mountPath,
            readOnly: true,
          });
    }
  });

  it('reserve the memory the benchmark measured, and cap it above that', () => {
    const readme = read('README.md');
    const peakMb = (row: RegExp) => Math.max(...[...readme.matchAll(row)].map((m) => Number(m[1])));
    const peaks = {
      ingress: peakMb(/^\| ingress, .*peak RSS (\d+) MB/gm),
      forwarder: peakMb(/^\| forwarder, .*peak RSS (\d+) MB/gm),
    };
    expect(peaks.ingress).toBeGreaterThan(100);
    expect(peaks.forwarder).toBeGreaterThan(100);
    for (const deployment of deployments(render(set))) {
      const { requests, limits } = containerOf(deployment).resources ?? {};
      const peak = peaks[appOf(deployment)] * 1e6;
      expect(requests?.cpu).toBeDefined();
      expect(limits?.cpu).toBeDefined();
      expect(bytes(limits!.memory)).toBeGreaterThanOrEqual(1.5 * peak);
      expect(bytes(requests!.memory)).toBeGreaterThanOrEqual(0.9 * peak);
    }
  });
});

describe.each(VALUE_SETS)('the %s manifests fit together', (set) => {
  it('select the pods they are for: Service, HorizontalPodAutoscaler, PodDisruptionBudget, Ingress, ServiceMonitor', () => {
    const r = render(set);
    const pods = deployments(r).map((d) => ({
      name: d.metadata.name,
      labels: d.spec.template.metadata.labels as Record<string, string>,
      container: containerOf(d),
    }));
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const deployment of deployments(r))
      expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    for (const service of ofKind(r, 'Service')) {
      const selected = pods.filter((p) => matches(service.spec.selector, p.labels));
      expect({ service: service.metadata.name, selected: selected.length }).toEqual({
        service: service.metadata.name,
        selected: 1,
      });
      for (const port of service.spec.ports)
        expect(selected[0].container.ports?.map((p) => p.name)).toContain(port.targetPort);
    }
    for (const hpa of ofKind(r, 'HorizontalPodAutoscaler')) {
      const target = byName(r, 'Deployment', hpa.spec.scaleTargetRef.name);
      expect(target.spec.replicas).toBeUndefined();
      expect(containerOf(target).resources?.requests?.cpu).toBeDefined();
    }
    for (const pdb of ofKind(r, 'PodDisruptionBudget'))
      expect(pods.filter((p) => matches(pdb.spec.selector.matchLabels, p.labels)).length).toBe(1);
    for (const ingress of ofKind(r, 'Ingress')) {
      for (const rule of ingress.spec.rules) {
        for (const path of rule.http.paths) {
          const service = byName(r, 'Service', path.backend.service.name);
          expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(path.backend.service.port.name);
        }
      }
    }
    for (const monitor of ofKind(r, 'ServiceMonitor')) {
      const services = ofKind(r, 'Service').filter((s) =>
        matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}),
      );
      // The ingress and every forwarder.
      expect(services).toHaveLength(pods.length);
      for (const service of services)
        for (const endpoint of monitor.spec.endpoints)
          expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(endpoint.port);
      expect(monitor.spec.endpoints.map((e: { path: string }) => e.path)).toEqual(['/metrics']);
    }
  });

  it('annotate pods for Prometheus on the port that serves /metrics', () => {
    for (const deployment of deployments(render(set))) {
      const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
      const container = containerOf(deployment);
      expect(annotations['prometheus.io/scrape']).toBe('true');
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      expect(container.ports?.map((p) => String(p.containerPort))).toContain(annotations['prometheus.io/port']);
    }
  });
});

describe('values.schema.json offers what the code reads', () => {
  const schema = JSON.parse(read('deploy/helm/kafka-http-gateway/values.schema.json'));
  const names = (node: { properties: object; additionalProperties: boolean }) => {
    expect(node.additionalProperties).toBe(false);
    return Object.keys(node.properties).sort();
  };

  // The Go gateway's names are fallbacks for a migration; the chart sets KAFKA_BROKERS and PORT itself.
  const GO_GATEWAY_FALLBACKS = new Set(['BROKER', 'GO_APP_PORT']);
  const readBy = (environment: Parameters<typeof variablesOf>[0]) =>
    variablesOf(environment)
      .filter((name) => !GO_GATEWAY_FALLBACKS.has(name))
      .sort();

  it('lists as kafka.config and ingress.config exactly the variables the apps read', () => {
    expect(names(schema.properties.kafka.properties.config)).toEqual(readBy(KafkaEnvironment));
    expect(names(schema.properties.ingress.properties.config)).toEqual(readBy(IngressEnvironment));
  });

  it('lists as forwarder options exactly the flags of the forward command', () => {
    const flags = [...forwardOptions().keys()]
      .map((flag) => flag.slice(2))
      .filter((flag) => !NOT_OPTIONS.has(flag))
      .sort();
    expect(flags.length).toBeGreaterThan(20);
    expect(names(schema.properties.forwarderDefaults.properties.options)).toEqual(flags);
    expect(names(schema.properties.forwarders.items.properties.options)).toEqual(flags);
  });
});

describe('NOTES.txt', () => {
  it('warns about forwarder replicas beyond the partitions of their topic', () => {
    const notes = renderNotes('three-forwarders');
    const forwarders = render('three-forwarders').values.forwarders as {
      name: string;
      topic: string;
      replicaCount?: number;
      partitions?: number;
    }[];
    const over = forwarders.filter((f) => f.partitions !== undefined && (f.replicaCount ?? 1) > f.partitions);
    expect(over.map((f) => f.name)).toEqual(['audit']);
    expect(notes).toMatch(
      /WARNING: 4 replicas for 2 partitions: .*\n.*2 replica\(s\) will sit idle\. .* add partitions to audit\./,
    );
    expect(notes.match(/WARNING/g)).toHaveLength(over.length);
  });

  it('warns when Prometheus would be refused the ingress metrics', () => {
    expect(render('api-keys').values.ingress.config.INGRESS_PUBLIC_METRICS).toBe(false);
    expect(renderNotes('api-keys')).toMatch(
      /WARNING: INGRESS_PUBLIC_METRICS is false, so the ingress answers a scrape without an API key with 401/,
    );
    expect(renderNotes('default')).not.toMatch(/WARNING/);
  });
});

/** What a mounted file holds, for the app's own loader to accept it. */
const PLACEHOLDER_FILES: Record<string, string> = {
  INGRESS_API_KEYS_FILE: 'placeholder-api-key-0123456789\n',
  INGRESS_CREDENTIALS_FILE: 'credentials:\n  - name: placeholder\n    key: placeholder-api-key-0123456789\n',
};

/** The environment a container would see, with secrets as placeholders and mounted files as real files. */
function plainEnvironment(
  r: Rendered,
  deployment: Manifest,
  env: Map<string, { value?: string; secret?: { name: string; key: string } }>,
): Record<string, string> {
  const pod = deployment.spec.template.spec;
  const container = containerOf(deployment);
  const plain: Record<string, string> = {};
  for (const [name, from] of env) {
    const placeholder = `placeholder-for-${from.secret?.key}`;
    plain[name] = from.value ?? (name.endsWith('_URL') ? `https://user:${placeholder}@registry.invalid` : placeholder);
  }
  if (plain.INGRESS_SCHEMAS_DIR !== undefined) {
    // The folder must be what a volume mounts (the chart's ConfigMap of contracts).
    expect(container.volumeMounts?.map((m) => m.mountPath)).toContain(plain.INGRESS_SCHEMAS_DIR);
    plain.INGRESS_SCHEMAS_DIR = mkdtempSync(join(work, 'schemas-'));
  }
  for (const name of Object.keys(plain).filter((n) => n.endsWith('_FILE'))) {
    // The file must be one a volume mounts: a Secret's item under the mount path.
    const mount = container.volumeMounts?.find((m) => plain[name].startsWith(`${m.mountPath}/`));
    const item = plain[name].slice((mount?.mountPath.length ?? 0) + 1);
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount?.name);
    expect({
      name,
      mountedFromSecret: (volume?.secret?.items ?? []).some((i: { path: string }) => i.path === item),
    }).toEqual({ name, mountedFromSecret: true });
    const file = join(work, `${r.file.split('/').pop()}-${name}`);
    writeFileSync(file, PLACEHOLDER_FILES[name] ?? 'PEM placeholder\n');
    plain[name] = file;
  }
  return plain;
}

function parseError(option: ForwardOption, value: string): string | undefined {
  try {
    option.parse(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Every secret a value set gives as a value (the chart puts them in a Secret). */
function secretValuesOf(values: Rendered['values']): string[] {
  const tls = values.kafka?.tls ?? {};
  return [
    values.kafka?.sasl?.password,
    ...[tls.ca, tls.cert, tls.key].map((pem?: string) =>
      pem?.split('\n').find((line) => line && !line.startsWith('-----')),
    ),
    ...(values.ingress?.apiKeys?.keys ?? []),
    ...(values.forwarders ?? []).flatMap((f: { headers?: { values?: string[] }; signing?: { secrets?: string[] } }) => [
      ...(f.headers?.values ?? []).map((header) => header.slice(header.indexOf(':') + 1).trim()),
      ...(f.signing?.secrets ?? []),
    ]),
  ].filter((value): value is string => typeof value === 'string' && value !== '');
}

/** NOTES.txt only shows on install, which needs a cluster: render its template from a copy of the chart. */
function renderNotes(set: string): string {
  const copy = join(work, `notes-${set}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(CHART, copy, { recursive: true });
  mkdirSync(join(copy, 'templates'), { recursive: true });
  writeFileSync(
    join(copy, 'templates/notes-under-test.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  NOTES.txt: {{ include "gateway.notes" . | quote }}\n',
  );
  expect(read('deploy/helm/kafka-http-gateway/templates/NOTES.txt').trim()).toBe('{{- include "gateway.notes" . }}');
  const result = helm(
    ['template', RELEASE, '<chart>', '--show-only', 'templates/notes-under-test.yaml', '-f', valuesFile(set)],
    copy,
  );
  expect(result.status).toBe(0);
  return (parse(result.stdout) as Manifest).data!['NOTES.txt'];
}
