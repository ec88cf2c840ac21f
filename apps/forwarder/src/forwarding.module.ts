import { KafkaModule, type KafkaConfig } from '@app/kafka';
import { LoggingModule, METRICS_REGISTRY, MetricsModule } from '@app/observability';
import { HttpModule, HttpService } from '@nestjs/axios';
import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AxiosDeliveryClient } from './dispatch/axios-delivery-client';
import { BATCH_OPTIONS, BatchCollector, type BatchOptions } from './dispatch/batch-collector';
import { CircuitBreaker } from './dispatch/circuit-breaker';
import { CLOCK, systemClock, type Clock } from './dispatch/clock';
import { ConcurrencyLimiter } from './dispatch/concurrency-limiter';
import { DEAD_LETTER_TOPIC, DeadLetterPublisher, SOURCE_TOPIC } from './dispatch/dead-letter-publisher';
import { DELIVERY_HTTP_CLIENT, type DeliveryHttpClient } from './dispatch/delivery-http-client';
import { ForwardController } from './dispatch/forward.controller';
import { RecordFilter } from './dispatch/record-filter';
import { compileFilter } from './filter-expression';
import { RetryPolicy } from './dispatch/retry-policy';
import { DELIVERY_TARGET, type DeliveryTarget } from './dispatch/request-headers';
import { RetryingDispatcher } from './dispatch/retrying-dispatcher';
import { TargetEvidence } from './dispatch/target-evidence';
import { TokenBucket } from './dispatch/token-bucket';
import { UndiciDeliveryClient } from './dispatch/undici-delivery-client';
import { ClientTls } from './dispatch/client-tls';
import { OAuth2DeliveryClient } from './dispatch/oauth2-delivery-client';
import { clientCredentialsRequest, OAuth2Token } from './dispatch/oauth2-token';
import { WebhookSigner } from './dispatch/webhook-signer';
import { PRODUCT, VERSION } from '@app/config';
import type { Registry } from 'prom-client';
import { SchemaRegistryClient } from '@app/schema-registry';
import { RecordDecoder, SCHEMA_REGISTRY_CLIENT } from './dispatch/record-decoder';
import type { ForwardLogging, ForwardOptions } from './forward-options';
import { FORWARDING_STOP_OPTIONS, ForwardingStop, SIGNAL_SOURCE, type ForwardingStopOptions } from './forwarding-stop';
import { ForwardingWiring } from './forwarding-wiring';
import { ForwarderHealthController } from './health/forwarder-health.controller';
import { START_POSITION_OPTIONS, StartPosition, type StartPositionOptions } from './replay/start-position';
import { ForwardMetrics } from './stats/forward-metrics';
import { ForwardStats } from './stats/forward-stats';
import { PROGRESS_OPTIONS, ProgressReporter, type ProgressOptions } from './stats/progress-reporter';
import { FORWARD_TRANSPORT_OPTIONS, type ForwardTransportOptions } from './transport/forward-transport-options';
import { KafkaForwardServer } from './transport/kafka-forward.server';

/** Where --workers auto starts: the old fixed default; slow start doubles it within a few round trips. */
const INITIAL_AUTO_LIMIT = 16;

/**
 * When the progress line starts naming the oldest record not done: three of the longest waits a
 * record's retries take (at least 10 s), so a record that is merely retrying is not called stuck.
 */
function stuckAfterMs({ retryDelayMs, retryMaxDelayMs, retries }: ForwardOptions): number {
  return Math.max(10_000, 3 * Math.min(retryMaxDelayMs, retryDelayMs * 2 ** Math.min(retries, 30)));
}

/**
 * Everything one `forward` run needs, built from its validated options. Its providers do the run's
 * work in their lifecycle hooks: ForwardingStop decides when it ends, ProgressReporter reports it,
 * DeadLetterPublisher creates the dead-letter topic; the ForwarderRunner only starts and stops.
 */
@Module({})
export class ForwardingModule {
  static register(options: ForwardOptions, kafka: KafkaConfig, logging: ForwardLogging): DynamicModule {
    const target: DeliveryTarget = {
      url: options.targetUrl,
      timeoutMs: options.timeoutMs,
      headers: options.headers,
      userAgent: `${PRODUCT}-forwarder/${VERSION}`,
    };
    if (options.signingSecrets?.length) target.signer = new WebhookSigner(options.signingSecrets);
    // Connections are opened as needed, up to the most requests that can be in flight.
    const connections = options.workers === 'auto' ? Math.min(options.maxWorkers, options.maxPending) : options.workers;
    const transport: ForwardTransportOptions = {
      topic: options.topic,
      groupId: options.group,
      ordering: options.ordering,
      // Auto: ForwardingWiring sizes this from the limit (2 x limit + 16); the limiter gates the requests.
      // Fixed: --workers requests at once, each carrying up to --batch-max records.
      workers: options.workers === 'auto' ? Infinity : options.workers * options.batchMax,
      maxPending: options.maxPending,
      sessionTimeoutMs: options.sessionTimeoutMs,
      commitIntervalMs: 1_000,
      rebalanceDrainMs: Math.min(10_000, options.shutdownTimeoutMs),
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      maxMessages: options.maxMessages,
    };
    return {
      module: ForwardingModule,
      imports: [
        LoggingModule.forRoot({
          app: 'forwarder',
          level: logging.level,
          format: logging.format,
          accessLog: false,
          expected5xxPaths: ['/health'],
        }),
        MetricsModule.forRoot('forwarder'),
        KafkaModule.register({ config: kafka, defaultClientId: `${PRODUCT}-forwarder`, isGlobal: true }),
        HttpModule,
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [ForwardController, ForwarderHealthController],
      providers: [
        { provide: FORWARD_TRANSPORT_OPTIONS, useValue: transport },
        { provide: DELIVERY_TARGET, useValue: target },
        { provide: DEAD_LETTER_TOPIC, useValue: options.dlqTopic },
        {
          provide: BATCH_OPTIONS,
          useValue: {
            max: options.batchMax,
            maxBytes: options.batchMaxBytes,
            lingerMs: options.batchLingerMs,
          } satisfies BatchOptions,
        },
        { provide: SOURCE_TOPIC, useValue: options.topic },
        {
          provide: FORWARDING_STOP_OPTIONS,
          useValue: {
            maxMessages: options.maxMessages,
            idleExitMs: options.idleExitMs,
          } satisfies ForwardingStopOptions,
        },
        { provide: SIGNAL_SOURCE, useValue: process },
        {
          provide: PROGRESS_OPTIONS,
          useValue: {
            intervalS: options.statsIntervalS,
            tty: Boolean(process.stderr.isTTY),
            stuckAfterMs: stuckAfterMs(options),
          } satisfies ProgressOptions,
        },
        {
          provide: START_POSITION_OPTIONS,
          useValue: { topic: options.topic, groupId: options.group, from: options.from } satisfies StartPositionOptions,
        },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: RetryPolicy,
          useValue: new RetryPolicy({
            retries: options.retries,
            initialDelayMs: options.retryDelayMs,
            maxDelayMs: options.retryMaxDelayMs,
            retry4xx: options.retry4xx,
          }),
        },
        {
          provide: CircuitBreaker,
          inject: [CLOCK],
          useFactory: (clock: Clock) =>
            new CircuitBreaker({ threshold: options.circuitThreshold, cooldownMs: options.circuitCooldownMs }, clock),
        },
        { provide: TokenBucket, inject: [CLOCK], useFactory: (clock: Clock) => new TokenBucket(options.rate, clock) },
        {
          provide: ConcurrencyLimiter,
          inject: [CLOCK],
          useFactory: (clock: Clock) =>
            options.workers === 'auto'
              ? new ConcurrencyLimiter(
                  {
                    mode: 'auto',
                    initial: INITIAL_AUTO_LIMIT,
                    min: options.minWorkers,
                    max: Math.min(options.maxWorkers, options.maxPending),
                  },
                  clock,
                )
              : new ConcurrencyLimiter(
                  { mode: 'fixed', initial: options.workers, min: options.workers, max: options.workers },
                  clock,
                ),
        },
        {
          provide: DELIVERY_HTTP_CLIENT,
          inject: [HttpService, CLOCK, METRICS_REGISTRY],
          useFactory: (http: HttpService, clock: Clock, registry: Registry) =>
            deliveryClient(options, connections, http, clock, registry),
        },
        ...recordFilter(options.filter),
        ForwardStats,
        ForwardMetrics,
        TargetEvidence,
        RetryingDispatcher,
        BatchCollector,
        DeadLetterPublisher,
        KafkaForwardServer,
        ForwardingWiring,
        StartPosition,
        ForwardingStop,
        ProgressReporter,
        ...(options.schemaRegistryUrl === undefined
          ? []
          : [
              {
                provide: SCHEMA_REGISTRY_CLIENT,
                useValue: new SchemaRegistryClient({ url: options.schemaRegistryUrl }),
              },
              RecordDecoder,
            ]),
      ],
    };
  }
}

/** The --filter gate, when one is given: ForwardController asks it before each delivery. */
function recordFilter(expression: string | undefined): Provider[] {
  if (expression === undefined) return [];
  const matches = compileFilter(expression);
  return [
    {
      provide: RecordFilter,
      inject: [CLOCK, METRICS_REGISTRY],
      useFactory: (clock: Clock, registry: Registry) => new RecordFilter(matches, clock, registry),
    },
  ];
}

/** The HTTP client, with the --tls-* files and, with --oauth2-token-url, a bearer token on every request. */
function deliveryClient(
  options: ForwardOptions,
  connections: number,
  http: HttpService,
  clock: Clock,
  registry: Registry,
): DeliveryHttpClient {
  const tlsGiven = (options.tlsCert ?? options.tlsCa) !== undefined;
  const tls = tlsGiven ? new ClientTls({ cert: options.tlsCert, key: options.tlsKey, ca: options.tlsCa }) : undefined;
  const client =
    options.httpClient === 'undici'
      ? new UndiciDeliveryClient(connections, tls)
      : new AxiosDeliveryClient(http, connections, tls);
  if (options.oauth2TokenUrl === undefined) return client;
  const request = clientCredentialsRequest({
    tokenUrl: options.oauth2TokenUrl,
    clientId: options.oauth2ClientId!,
    clientSecret: options.oauth2ClientSecret!,
    scope: options.oauth2Scope,
    audience: options.oauth2Audience,
  });
  return new OAuth2DeliveryClient(client, new OAuth2Token(request, clock, registry));
}
