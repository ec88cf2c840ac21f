/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's encoder internals have no typings or exports map entry */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';

/**
 * patches/kafkajs+2.2.4.patch (applied by patch-package at `npm ci`) changes how kafkajs builds the
 * bytes of a request, never which bytes. These specs hold the patched modules to the same modules
 * of pristine kafkajs 2.2.4, installed unpatched under the alias `kafkajs-pristine` (patch-package
 * patches `kafkajs` only): byte for byte on the same input, and both to kafkajs's own decoder.
 */
interface Encoder {
  buffer: Buffer;
  size(): number;
  writeVarInt(value: number): Encoder;
  writeUVarInt(value: number): Encoder;
  writeVarLong(value: number | string): Encoder;
}
interface EncoderClass {
  new (initialSize?: number): Encoder;
  ofSize?: (size: number) => Encoder;
  sizeOfVarLong(value: number): number;
}
interface Decoder {
  readVarInt(): number;
  readVarLong(): { toString(): string };
}

type RecordBatchModule = { RecordBatch: (batch: object) => Promise<Encoder> };
type RequestEncoder = (request: {
  correlationId: number;
  clientId: string | null;
  request: { apiKey: number; apiVersion: number; encode: () => Promise<Encoder> };
}) => Promise<Encoder>;
type GroupMessages = (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Array<{ partition: number; n: number }>;
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, Array<{ partition: number; n: number }>>;
type ProduceRequest = (args: object) => { encode: (headroom?: number) => Promise<Encoder> };

/** The modules the patch touches, from the patched kafkajs or from the pristine one. */
function kafkajs(root: 'kafkajs' | 'kafkajs-pristine') {
  const load = (path: string): unknown => require(`${root}/src/${path}`);
  return {
    Encoder: load('protocol/encoder') as EncoderClass,
    crc32C: load('protocol/recordBatch/crc32C') as (buffer: Buffer) => number,
    Record: load('protocol/recordBatch/record/v0') as (record: object) => Encoder,
    RecordBatch: (load('protocol/recordBatch/v0') as RecordBatchModule).RecordBatch,
    encodeRequest: load('protocol/request') as RequestEncoder,
    groupMessagesPerPartition: load('producer/groupMessagesPerPartition') as GroupMessages,
    produceV3: load('protocol/requests/produce/v3/request') as ProduceRequest,
    RequestQueue: load('network/requestQueue') as new (options: object) => {
      scheduleCheckPendingRequests(): void;
      throttleCheckTimeoutId: NodeJS.Timeout | null;
    },
  };
}
const patched = kafkajs('kafkajs');
const pristine = kafkajs('kafkajs-pristine');
const { Encoder, crc32C, encodeRequest, groupMessagesPerPartition, produceV3 } = patched;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => Decoder;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: Decoder) => Promise<{
  lastOffsetDelta: number;
  firstSequence: number;
  records: Array<{ key: Buffer | null; value: Buffer; offset: string; timestamp: string; headers: object }>;
}>;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number): unknown };

const headerValue = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes)),
);
const produceMessage = fc.record(
  {
    key: fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.uint8Array().map((b) => Buffer.from(b)),
    ),
    value: fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    ),
    headers: fc.dictionary(
      fc.string({ maxLength: 12 }),
      fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
      {
        maxKeys: 4,
      },
    ),
    // Numbers and strings (kafkajs documents strings; sort() compares them as text): "999" sorts after "1000".
    timestamp: fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
      fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map(String),
      fc.nat({ max: 20_000 }).map(String),
    ),
  },
  { requiredKeys: ['key', 'value'] },
);
const produceArgs = fc.record({
  acks: fc.constantFrom(-1, 0, 1),
  timeout: fc.nat({ max: 60_000 }),
  transactionalId: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ minLength: 1, maxLength: 20 })),
  producerId: fc.oneof(
    fc.constant(undefined),
    fc.nat({ max: 2 ** 40 }).map((id) => Long.fromValue(id)),
  ),
  producerEpoch: fc.oneof(fc.constant(undefined), fc.nat({ max: 32_767 })),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 30 }),
      partitions: fc.array(
        fc.record(
          {
            partition: fc.nat({ max: 100 }),
            firstSequence: fc.nat({ max: 2 ** 31 - 1 }),
            messages: fc.array(produceMessage, { maxLength: 12 }),
          },
          { requiredKeys: ['partition', 'messages'] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

/** CRC32C (Castagnoli, reflected 0x82F63B78) one bit at a time: slow, and obviously right. */
function referenceCrc32C(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zigzag varint (Kafka's varlong) with BigInt arithmetic. */
function referenceVarLong(value: bigint): Buffer {
  let zigZag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigZag >= 0x80n) {
    bytes.push(Number(zigZag & 0x7fn) | 0x80);
    zigZag >>= 7n;
  }
  bytes.push(Number(zigZag));
  return Buffer.from(bytes);
}

describe('kafkajs, as patched by patches/kafkajs+2.2.4.patch, against pristine kafkajs 2.2.4', () => {
  it('is patched, and the alias is not: npm ci ran patch-package on kafkajs only', () => {
    expect(typeof Encoder.ofSize).toBe('function');
    expect(pristine.Encoder.ofSize).toBeUndefined();
    expect(require('kafkajs-pristine/package.json')).toMatchObject({ name: 'kafkajs', version: '2.2.4' });
    expect(require('kafkajs/package.json')).toMatchObject({ name: 'kafkajs', version: '2.2.4' });
  });

  it('computes CRC32C: the standard check value and the bitwise reference on buffers of every alignment', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (let length = 0; length < 70; length++) {
      const buffer = randomBytes(length + 64).subarray(length % 8);
      expect(crc32C(buffer)).toBe(referenceCrc32C(buffer));
      expect(crc32C(buffer)).toBe(pristine.crc32C(buffer));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        expect(crc32C(buffer)).toBe(referenceCrc32C(buffer));
        expect(crc32C(buffer)).toBe(pristine.crc32C(buffer));
      }),
      { numRuns: 300 },
    );
  });

  it('writes varlongs as zigzag varints, with and without the Long fallback, and sizes them alike', () => {
    const edges = [
      0,
      1,
      -1,
      63,
      64,
      -64,
      -65,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 52,
      -(2 ** 52),
      2 ** 53 - 1,
      -(2 ** 53 - 1),
    ];
    const check = (value: number) => {
      const written = new Encoder().writeVarLong(value).buffer;
      expect(written).toEqual(referenceVarLong(BigInt(value)));
      expect(written).toEqual(new pristine.Encoder().writeVarLong(value).buffer);
      expect(Encoder.sizeOfVarLong(value)).toBe(written.length);
      expect(new Decoder(written).readVarLong().toString()).toBe(String(value));
    };
    edges.forEach(check);
    fc.assert(fc.property(fc.maxSafeInteger(), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer(), check), { numRuns: 2000 });
  });

  it('writes varints in place, as the decoder reads them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), (values) => {
        const encoder = new Encoder(1);
        const reference = new pristine.Encoder();
        for (const value of values) encoder.writeVarInt(value);
        for (const value of values) reference.writeVarInt(value);
        expect(encoder.buffer).toEqual(reference.buffer);
        const decoder = new Decoder(encoder.buffer);
        expect(values.map(() => decoder.readVarInt())).toEqual(values);
      }),
    );
    expect(new Encoder().writeUVarInt(300).buffer).toEqual(Buffer.from([0xac, 0x02]));
  });

  it('encodes a record batch that kafkajs decodes back, CRC included, with no byte left over or missing', async () => {
    const firstTimestamp = Date.UTC(2026, 10, 30);
    const messages = Array.from({ length: 23 }, (_, i) => ({
      key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
      value: randomBytes(i * 97),
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, n: String(i) },
      timestampDelta: i * 1000 - 7,
    }));
    const batchOf = async (kafka: typeof patched) => {
      const records = messages.map((message, offsetDelta) => kafka.Record({ ...message, offsetDelta }));
      const batch = await kafka.RecordBatch({
        records,
        firstTimestamp,
        maxTimestamp: firstTimestamp + 22_000,
        producerId: Long.fromValue(4711),
        producerEpoch: 3,
        firstSequence: 42,
        lastOffsetDelta: records.length - 1,
      });
      return batch.buffer;
    };
    const bytes = await batchOf(patched);
    expect(bytes).toEqual(await batchOf(pristine));
    // FirstOffset (8) + Length (4) + the Length bytes: the batch is exactly what it says.
    expect(bytes.readInt32BE(8)).toBe(bytes.length - 12);
    // The CRC covers everything after it (from Attributes on), as the broker checks it.
    expect(bytes.readUInt32BE(17)).toBe(referenceCrc32C(bytes.subarray(21)));

    const decoded = await decodeBatch(new Decoder(bytes));
    expect(decoded.firstSequence).toBe(42);
    expect(decoded.lastOffsetDelta).toBe(22);
    expect(decoded.records.map((record) => [record.offset, record.timestamp, record.key, record.value])).toEqual(
      messages.map((message, i) => [
        String(i),
        String(firstTimestamp + message.timestampDelta),
        message.key,
        message.value,
      ]),
    );
    expect(decoded.records[5].headers).toEqual({
      traceparent: Buffer.from(messages[5].headers.traceparent),
      n: Buffer.from('5'),
    });
  });

  it('frames a request: its size, then api key, version, correlation id, client id and the payload', async () => {
    for (const clientId of ['kafka-http-gateway-ingress', 'ü-client', null]) {
      const payload = new Encoder().writeVarInt(300).writeVarLong(-(2 ** 40));
      const bytes = (
        await encodeRequest({
          correlationId: 77,
          clientId,
          request: { apiKey: 0, apiVersion: 7, encode: async () => payload },
        })
      ).buffer;
      const clientIdBytes = clientId === null ? Buffer.alloc(0) : Buffer.from(clientId);
      const header = Buffer.alloc(10);
      header.writeInt16BE(0, 0);
      header.writeInt16BE(7, 2);
      header.writeInt32BE(77, 4);
      header.writeInt16BE(clientId === null ? -1 : clientIdBytes.length, 8);
      const body = Buffer.concat([header, clientIdBytes, payload.buffer]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      expect(bytes).toEqual(Buffer.concat([size, body]));
      const reference = new pristine.Encoder().writeVarInt(300).writeVarLong(-(2 ** 40));
      const framedByPristine = await pristine.encodeRequest({
        correlationId: 77,
        clientId,
        request: { apiKey: 0, apiVersion: 7, encode: async () => reference },
      });
      expect(bytes).toEqual(framedByPristine.buffer);
    }
  });

  it('groups messages per partition in their order, as the pristine (quadratic) version does', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 7 }), { maxLength: 300 }), (partitions) => {
        const messages = partitions.map((partition, n) => ({ partition, n }));
        const grouped = groupMessagesPerPartition({
          topic: 't',
          partitionMetadata: [{}],
          messages,
          partitioner: ({ message }) => message.partition,
        });
        const expected: Record<string, Array<{ partition: number; n: number }>> = {};
        for (const message of messages) expected[message.partition] = [...(expected[message.partition] ?? []), message];
        const byPristine = pristine.groupMessagesPerPartition({
          topic: 't',
          partitionMetadata: [{}],
          messages,
          partitioner: ({ message }) => message.partition,
        });
        expect(grouped).toEqual(expected);
        expect(grouped).toEqual(byPristine);
        expect(Object.keys(grouped)).toEqual(Object.keys(byPristine));
      }),
    );
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages: [{ partition: 0, n: 0 }],
        partitioner: () => 0,
      }),
    ).toEqual({});
  });

  it('writes an uncompressed produce request in one pass, byte for byte what pristine kafkajs writes', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 10, 30, 12));
    try {
      await fc.assert(
        fc.asyncProperty(produceArgs, fc.nat({ max: 40 }), async (args, headroom) => {
          const onePass = await produceV3(args).encode(headroom);
          const expected = await pristine.produceV3(args).encode();
          expect(onePass.size()).toBe(headroom + expected.size());
          expect(onePass.buffer.subarray(headroom)).toEqual(expected.buffer);
        }),
        { numRuns: 300 },
      );
    } finally {
      now.mockRestore();
    }
  });

  it('frames a one-pass produce request in place, byte for byte as pristine kafkajs frames it', async () => {
    const args = {
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            {
              partition: 2,
              firstSequence: 9,
              messages: [{ key: 'k', value: '{"a":1}', timestamp: 1_800_000_000_000 }],
            },
          ],
        },
      ],
    };
    const framed = await encodeRequest({
      correlationId: 5,
      clientId: 'c',
      request: { ...produceV3(args), apiKey: 0, apiVersion: 7 },
    });
    const expected = await pristine.encodeRequest({
      correlationId: 5,
      clientId: 'c',
      request: { ...pristine.produceV3(args), apiKey: 0, apiVersion: 7 },
    });
    expect(framed.buffer).toEqual(expected.buffer);
  });

  it('leaves to kafkajs what its encoders treat otherwise: a null header value still fails as it did', async () => {
    const args = {
      acks: -1,
      timeout: 1,
      topicData: [
        { topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'v', headers: { h: null } }] }] },
      ],
    };
    await expect(produceV3(args).encode()).rejects.toThrow(/"string" argument must be of type string/);
    await expect(pristine.produceV3(args).encode()).rejects.toThrow(/"string" argument must be of type string/);
  });

  it('schedules its pending-request check with no negative delay when not throttled (Node 24 warns of one)', () => {
    const delays = (kafka: typeof patched) => {
      const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
      try {
        const queue = new kafka.RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, logger: {} });
        queue.scheduleCheckPendingRequests();
        clearTimeout(queue.throttleCheckTimeoutId!);
        return setTimeoutSpy.mock.calls.map((call) => call[1]);
      } finally {
        setTimeoutSpy.mockRestore();
      }
    };
    expect(delays(pristine)).toEqual([expect.any(Number)]);
    expect(delays(pristine)[0]).toBeLessThan(0);
    expect(delays(patched)).toEqual([0]);
  });
});
