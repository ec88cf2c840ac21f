import { decide, redrivenHeaders, RedriveSummary, type DeadLetter } from './redrive-selection';

const at = Date.parse('2026-11-30T12:00:00Z');
const letter = (headers: DeadLetter['headers'], over: Partial<DeadLetter> = {}): DeadLetter => ({
  partition: 0,
  offset: 0n,
  timestamp: at,
  headers,
  ...over,
});
const defaults = { maxRedrives: 5 };
const rejected = { 'dlq-reason': Buffer.from('rejected'), 'dlq-original-topic': Buffer.from('orders') };

describe('decide', () => {
  it('redrives to the original topic, remembering how often it already was', () => {
    expect(decide(letter(rejected), defaults)).toEqual({
      action: 'redrive',
      reason: 'rejected',
      destination: 'orders',
      redriveCount: 0,
    });
    expect(decide(letter({ ...rejected, 'redrive-count': Buffer.from('3') }), defaults)).toMatchObject({
      action: 'redrive',
      redriveCount: 3,
    });
    expect(decide(letter(rejected), { ...defaults, to: 'orders-retry' })).toMatchObject({
      action: 'redrive',
      destination: 'orders-retry',
    });
  });

  it('leaves a record whose redrive-count reached --max-redrives', () => {
    expect(decide(letter({ ...rejected, 'redrive-count': '5' }), defaults)).toEqual({
      action: 'skip',
      why: 'max-redrives',
    });
    expect(decide(letter({ ...rejected, 'redrive-count': '4' }), defaults)).toMatchObject({ action: 'redrive' });
  });

  it('skips records of another reason, before --since, or with nowhere to go', () => {
    expect(decide(letter(rejected), { ...defaults, reasons: ['exhausted'] })).toEqual({
      action: 'skip',
      why: 'not-selected',
    });
    expect(decide(letter(rejected), { ...defaults, since: at + 1 })).toEqual({ action: 'skip', why: 'not-selected' });
    expect(decide(letter({ 'dlq-reason': 'rejected' }), defaults)).toEqual({ action: 'skip', why: 'no-destination' });
  });

  it('stops at the first record written after --until', () => {
    expect(decide(letter(rejected), { ...defaults, until: at - 1 })).toEqual({ action: 'stop' });
    expect(decide(letter(rejected), { ...defaults, until: at })).toMatchObject({ action: 'redrive' });
  });
});

describe('redrivenHeaders', () => {
  it('keeps the original headers, drops dlq-*, and increments redrive-count', () => {
    const headers = {
      ...rejected,
      'dlq-error': 'HTTP 400',
      traceparent: 'tp',
      'x-seq': Buffer.from('7'),
      'redrive-count': '2',
      gone: undefined,
    };
    expect(redrivenHeaders(headers, 2)).toEqual({ traceparent: 'tp', 'x-seq': Buffer.from('7'), 'redrive-count': '3' });
  });
});

describe('RedriveSummary', () => {
  it('counts by reason and destination with first and last offsets per partition', () => {
    const summary = new RedriveSummary({
      topic: 'orders.dlq',
      group: 'orders.dlq.redrive',
      dryRun: true,
      maxRedrives: 5,
    });
    const add = (partition: number, offset: number, headers: DeadLetter['headers']) => {
      const record = letter(headers, { partition, offset: BigInt(offset) });
      summary.count(record, decide(record, defaults));
    };
    add(2, 9, rejected);
    add(0, 4, rejected);
    add(0, 1, rejected);
    add(1, 3, { 'dlq-reason': 'exhausted', 'dlq-original-topic': 'orders' });
    add(1, 5, { ...rejected, 'redrive-count': '5' });
    expect(summary.lines()).toEqual([
      'Dry run: would redrive 4 of 5 dead letters read from orders.dlq (group orders.dlq.redrive); nothing was sent or committed.',
      '  1 exhausted -> orders: partition 1 offset 3',
      '  3 rejected -> orders: partition 0 offsets 1-4, partition 2 offset 9',
      '  1 left in orders.dlq: redrive-count reached --max-redrives 5: partition 1 offset 5',
    ]);
  });
});
