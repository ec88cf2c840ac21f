import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['2', 2_000],
    ['1.5s', 1_500],
    [' 3s ', 3_000],
  ])('reads %s as %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '-1s', '10 s', '5d', '1e3'])('refuses %p', (text) => expect(parseDuration(text)).toBeUndefined());

  it('formats whole units back', () => {
    expect([formatDuration(500), formatDuration(10_000), formatDuration(60_000), formatDuration(1_500)]).toEqual([
      '500ms',
      '10s',
      '1m',
      '1500ms',
    ]);
  });
});
