import { INGRESS_CONFIG } from '../config/ingress.config';
import { WebhookSimulator } from './webhook-simulator.service';
import { Test } from '@nestjs/testing';

async function simulator(overrides: Record<string, number | undefined> = {}) {
  const moduleRef = await Test.createTestingModule({
    providers: [
      WebhookSimulator,
      {
        provide: INGRESS_CONFIG,
        useValue: {
          simulator: {
            enabled: true,
            minDelayMs: 50,
            maxDelayMs: 2000,
            fail500Rate: 0.05,
            fail400Rate: 0.05,
            fail503Rate: 0.02,
            seed: 99,
            ...overrides,
          },
        },
      },
    ],
  }).compile();
  return moduleRef.get(WebhookSimulator);
}

describe('WebhookSimulator', () => {
  it('repeats exactly for the same seed', async () => {
    const a = await simulator();
    const b = await simulator();
    const draws = (s: WebhookSimulator) => Array.from({ length: 200 }, () => s.decide({}));
    expect(draws(a)).toEqual(draws(b));
  });

  it('keeps delays inside the configured range and statuses near the configured rates', async () => {
    const s = await simulator();
    const draws = Array.from({ length: 20_000 }, () => s.decide({}));
    expect(Math.min(...draws.map((d) => d.delayMs))).toBeGreaterThanOrEqual(50);
    expect(Math.max(...draws.map((d) => d.delayMs))).toBeLessThanOrEqual(2000);
    const share = (status: number) => draws.filter((d) => d.status === status).length / draws.length;
    expect(share(500)).toBeCloseTo(0.05, 1);
    expect(share(400)).toBeCloseTo(0.05, 1);
    expect(share(503)).toBeCloseTo(0.02, 1);
    expect(share(200)).toBeCloseTo(0.88, 1);
  });

  it('turns failures off with failRate=0 and delays off with maxDelayMs=0', async () => {
    const s = await simulator();
    const draws = Array.from({ length: 1000 }, () => s.decide({ failRate: 0, maxDelayMs: 0 }));
    expect(new Set(draws.map((d) => d.status))).toEqual(new Set([200]));
    expect(new Set(draws.map((d) => d.delayMs))).toEqual(new Set([0]));
  });

  it('fails every request with failRate=1, split in the configured proportions', async () => {
    const s = await simulator();
    const draws = Array.from({ length: 12_000 }, () => s.decide({ failRate: 1 }));
    expect(draws.every((d) => d.status !== 200)).toBe(true);
    expect(draws.filter((d) => d.status === 503).length / draws.length).toBeCloseTo(2 / 12, 1);
  });

  it('refuses a minimum delay above the maximum', async () => {
    const s = await simulator();
    expect(() => s.decide({ minDelayMs: 10, maxDelayMs: 5 })).toThrow('minDelayMs must not exceed maxDelayMs');
  });

  it('counts answers by status until reset', async () => {
    const s = await simulator();
    s.record(200);
    s.record(200);
    s.record(503);
    expect(s.stats()).toMatchObject({ received: 3, by_status: { '200': 2, '503': 1 } });
    s.reset();
    expect(s.stats()).toMatchObject({ received: 0, by_status: {} });
  });
});
