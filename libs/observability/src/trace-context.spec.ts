import { childTraceparent, parseTraceparent } from './trace-context';

const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('W3C trace context', () => {
  it('reads a valid traceparent', () => {
    expect(parseTraceparent(valid)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: 'b7ad6b7169203331',
      flags: '01',
    });
  });

  it.each([
    undefined,
    '',
    'garbage',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
    'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    `00-${'0'.repeat(32)}-b7ad6b7169203331-01`,
    `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`,
    `${valid}-extra`,
  ])('refuses %p', (value) => expect(parseTraceparent(value)).toBeUndefined());

  it('continues the trace with a new span for the next hop', () => {
    const child = childTraceparent(valid);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(child).not.toContain('b7ad6b7169203331');
  });

  it('starts a new sampled trace when there is none', () => {
    const fresh = childTraceparent(undefined);
    expect(parseTraceparent(fresh)).toMatchObject({ flags: '01' });
    expect(parseTraceparent(fresh)?.traceId).not.toBe(parseTraceparent(childTraceparent(undefined))?.traceId);
  });
});
