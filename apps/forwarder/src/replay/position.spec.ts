import { describePosition, parsePosition } from './position';

const now = Date.parse('2026-11-30T15:00:00Z');

describe('parsePosition', () => {
  it.each([
    ['earliest', { kind: 'earliest' }],
    ['LATEST', { kind: 'latest' }],
    ['2026-11-30T14:00:00Z', { kind: 'time', at: Date.parse('2026-11-30T14:00:00Z') }],
    ['2026-11-30T14:00:00.250+01:00', { kind: 'time', at: Date.parse('2026-11-30T13:00:00.250Z') }],
    ['2026-11-29', { kind: 'time', at: Date.parse('2026-11-29T00:00:00Z') }],
    ['90m', { kind: 'time', at: now - 90 * 60_000 }],
    ['2h ago', { kind: 'time', at: now - 2 * 3_600_000 }],
    ['500ms', { kind: 'time', at: now - 500 }],
    ['30', { kind: 'time', at: now - 30_000 }],
  ])('reads %s', (text, position) => {
    expect(parsePosition(text, now)).toEqual(position);
  });

  it.each([
    ['yesterday', /must be earliest, latest, an ISO 8601 time/],
    ['2026-13-45T99:00:00Z', /not a valid date and time/],
    ['2026-12-01T00:00:00Z', /in the future/],
    ['', /must be earliest/],
    ['-5m', /must be earliest/],
  ])('refuses %j with one line', (text, message) => {
    expect(() => parsePosition(text, now)).toThrow(message);
  });

  it('says where it starts in words', () => {
    expect(describePosition({ kind: 'time', at: Date.parse('2026-11-30T14:00:00Z') })).toBe(
      'the first record at or after 2026-11-30T14:00:00.000Z',
    );
    expect(describePosition({ kind: 'earliest' })).toBe('the first record');
  });
});
