import { METRIC_PREFIX } from '@app/observability';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Prometheus metrics of the Idempotency-Key store. */
export class IdempotencyMetrics {
  readonly replays: Counter;
  readonly claimsLost: Counter;
  readonly claimsExpired: Counter;

  constructor(registry: Registry, lag: () => number) {
    const registers = [registry];
    this.replays = new Counter({
      name: `${METRIC_PREFIX}idempotency_replays_total`,
      help: 'Requests answered with the result of an earlier request with the same Idempotency-Key.',
      registers,
    });
    this.claimsLost = new Counter({
      name: `${METRIC_PREFIX}idempotency_claims_lost_total`,
      help: "This replica's claims of an Idempotency-Key that another request (on any replica) claimed first.",
      registers,
    });
    this.claimsExpired = new Counter({
      name: `${METRIC_PREFIX}idempotency_claims_expired_total`,
      help: "This replica's claims that took over a claim whose owner wrote no result in time.",
      registers,
    });
    new Gauge({
      name: `${METRIC_PREFIX}idempotency_store_lag`,
      help: 'Records of the idempotency topic this replica has not read yet (0 with the memory store).',
      registers,
      collect() {
        this.set(lag());
      },
    });
  }
}
