// What each part of patches/kafkajs+2.2.4.patch is worth: CPU µs per record to group, encode and frame
// the produce request of one ingress batch (1 KiB values with a traceparent header, 3 partitions),
// with pristine kafkajs 2.2.4 (the kafkajs-pristine alias), the patched kafkajs, and the patched one
// with one part put back to pristine. Each variant runs in a process of its own, three times. A part
// worth less than 2% of the CPU of a request (bench:ingress) goes: the per-level record and batch
// sizing (used only with gzip) went that way.
//   node --require tsx/cjs scripts/bench/kafkajs-patch.ts
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const repo = join(__dirname, '../..');
const PATCHED = join(repo, 'node_modules/kafkajs');
const PRISTINE = join(repo, 'node_modules/kafkajs-pristine');
const VARIANTS_DIR = join(repo, '.tmp/kafkajs-variants');

/** The patch's parts, by the files each one changes. */
const PARTS: Record<string, string[]> = {
  'one-pass produce request': [
    'src/protocol/requests/produce/v3/request.js',
    'src/protocol/requests/produce/v3/encodeUncompressed.js',
  ],
  'request framing': ['src/protocol/request.js'],
  'CRC32C 8 bytes a step': ['src/protocol/recordBatch/crc32C/crc32C.js'],
  'grouping per partition': ['src/producer/groupMessagesPerPartition.js'],
};

type Encoded = { buffer: Buffer };
interface Kafkajs {
  group(args: object): Record<string, unknown[]>;
  produceV3(args: object): { encode: (headroom?: number) => Promise<Encoded> };
  encodeRequest(args: object): Promise<Encoded>;
  long(value: number): unknown;
}

function load(dir: string): Kafkajs {
  const require = createRequire(join(dir, 'package.json'));
  const from = (path: string): unknown => require(join(dir, 'src', path));
  const long = from('utils/long') as { fromValue(value: number): unknown };
  return {
    group: from('producer/groupMessagesPerPartition') as Kafkajs['group'],
    produceV3: from('protocol/requests/produce/v3/request') as Kafkajs['produceV3'],
    encodeRequest: from('protocol/request') as Kafkajs['encodeRequest'],
    long: (value) => long.fromValue(value),
  };
}

async function measure(dir: string, batch: number, rounds: number): Promise<number> {
  const kafka = load(dir);
  const value = Buffer.alloc(1024, 'x');
  const messages = Array.from({ length: batch }, (_, i) => ({
    key: `order-${i}`,
    value,
    partition: i % 3,
    timestamp: String(1_800_000_000_000 + i),
    headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
  }));
  const once = async () => {
    const grouped = kafka.group({
      topic: 'orders',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }],
      messages,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    });
    const topicData = [
      {
        topic: 'orders',
        partitions: Object.entries(grouped).map(([partition, each]) => ({
          partition: Number(partition),
          firstSequence: 0,
          messages: each,
        })),
      },
    ];
    const request = kafka.produceV3({
      acks: -1,
      timeout: 30_000,
      producerId: kafka.long(4711),
      producerEpoch: 0,
      topicData,
    });
    return kafka.encodeRequest({
      correlationId: 1,
      clientId: 'kafka-http-gateway-ingress',
      request: { ...request, apiKey: 0, apiVersion: 7 },
    });
  };
  for (let i = 0; i < rounds / 4; i++) await once();
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await once();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (rounds * batch);
}

function variant(name: string, restored: string[]): string {
  const dir = join(VARIANTS_DIR, name.replace(/\W+/g, '-'));
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  mkdirSync(VARIANTS_DIR, { recursive: true });
  cpSync(PATCHED, dir, { recursive: true });
  for (const file of restored) {
    rmSync(join(dir, file), { force: true });
    if (existsSync(join(PRISTINE, file))) cpSync(join(PRISTINE, file), join(dir, file));
  }
  return dir;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function main(): void {
  const [, , child, dir, batch] = process.argv;
  if (child === '--child') {
    void measure(dir, Number(batch), Math.max(200, Math.round(60_000 / Number(batch)))).then((us) =>
      process.stdout.write(String(us)),
    );
    return;
  }
  const variants: Array<[string, string]> = [
    ['pristine kafkajs 2.2.4', PRISTINE],
    ['patched', PATCHED],
    ...Object.entries(PARTS).map(([part, files]): [string, string] => [
      `patched without ${part}`,
      variant(part, files),
    ]),
  ];
  for (const batch of [64, 100]) {
    console.log(`\nbatch of ${batch} x 1 KiB, CPU µs per record (median of 3 processes), node ${process.version}`);
    const results = new Map<string, number>();
    for (const [name, dir] of variants) {
      const runs = [0, 1, 2].map(() => {
        const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--child', dir, String(batch)], {
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
        return Number(run.stdout);
      });
      results.set(name, median(runs));
    }
    const full = results.get('patched')!;
    for (const [name, us] of results) {
      const delta = us - full;
      console.log(
        `  ${name.padEnd(62)} ${us.toFixed(2)} µs${name === 'patched' ? '' : ` (${delta >= 0 ? '+' : ''}${delta.toFixed(2)})`}`,
      );
    }
  }
}

main();
