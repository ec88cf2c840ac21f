import { Inject, Injectable } from '@nestjs/common';
import prand, { type RandomGenerator } from 'pure-rand';
import { INGRESS_CONFIG, type IngressConfig, type SimulatorConfig } from '../config/ingress.config';
import { ApiError } from '../common/api-error';
import type { SimulatorQueryDto } from './simulator-query.dto';

export interface SimulatedOutcome {
  status: 200 | 400 | 500 | 503;
  delayMs: number;
}

export interface SimulatorStats {
  received: number;
  by_status: Record<string, number>;
  since: string;
}

const RESOLUTION = 1_000_000;

/**
 * A stand-in for a customer's webhook endpoint: slow, and sometimes failing, in proportions that
 * can be configured and, with SIMULATOR_SEED, repeated exactly (in arrival order).
 */
@Injectable()
export class WebhookSimulator {
  private readonly config: SimulatorConfig;
  private rng: RandomGenerator;
  private received = 0;
  private byStatus: Record<string, number> = {};
  private since = new Date();

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    this.config = config.simulator;
    this.rng = prand.xoroshiro128plus(config.simulator.seed ?? Math.floor(Math.random() * 2 ** 31));
  }

  decide(query: SimulatorQueryDto): SimulatedOutcome {
    const minDelayMs = query.minDelayMs ?? Math.min(this.config.minDelayMs, query.maxDelayMs ?? Infinity);
    const maxDelayMs = query.maxDelayMs ?? Math.max(this.config.maxDelayMs, minDelayMs);
    if (minDelayMs > maxDelayMs) {
      throw new ApiError('VALIDATION_FAILED', 'The request is not valid: minDelayMs must not exceed maxDelayMs.', [
        { field: 'minDelayMs', message: 'minDelayMs must not exceed maxDelayMs' },
      ]);
    }
    const rates = this.rates(query.failRate);
    const delayMs = prand.unsafeUniformIntDistribution(minDelayMs, maxDelayMs, this.rng);
    const draw = prand.unsafeUniformIntDistribution(0, RESOLUTION - 1, this.rng) / RESOLUTION;
    let status: SimulatedOutcome['status'] = 200;
    if (draw < rates.fail500) status = 500;
    else if (draw < rates.fail500 + rates.fail400) status = 400;
    else if (draw < rates.fail500 + rates.fail400 + rates.fail503) status = 503;
    return { status, delayMs };
  }

  record(status: number): void {
    this.received++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  stats(): SimulatorStats {
    return { received: this.received, by_status: { ...this.byStatus }, since: this.since.toISOString() };
  }

  reset(): void {
    this.received = 0;
    this.byStatus = {};
    this.since = new Date();
  }

  private rates(failRate?: number) {
    const { fail500Rate, fail400Rate, fail503Rate } = this.config;
    if (failRate === undefined) return { fail500: fail500Rate, fail400: fail400Rate, fail503: fail503Rate };
    const total = fail500Rate + fail400Rate + fail503Rate;
    // With every configured rate at zero, an explicit failRate splits as the defaults do (5:5:2).
    const [a, b, c] = total > 0 ? [fail500Rate, fail400Rate, fail503Rate] : [5, 5, 2];
    const sum = a + b + c;
    return { fail500: (failRate * a) / sum, fail400: (failRate * b) / sum, fail503: (failRate * c) / sum };
  }
}
