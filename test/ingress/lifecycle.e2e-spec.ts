import { byPosition, readAll } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { postJson, type JsonResponse } from '../support/http';
import { sample } from '../../scripts/shared/metrics';
import { startIngress, stopAll, waitFor } from '../support/processes';

type Outcome = JsonResponse | { failed: string };

/** fetch rejects with errors from Node's realm, which `instanceof Error` in jest's realm misses. */
const attempt = (request: Promise<JsonResponse>): Promise<Outcome> =>
  request.catch((error: { message?: string }) => ({ failed: String(error?.message) }));
const answered = (o: Outcome): o is JsonResponse => !('failed' in o);

describe('graceful shutdown', () => {
  const brokers = testBrokers();
  afterAll(stopAll);

  it('on SIGTERM lets requests already inside finish, then exits 0', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: brokers, LOG_LEVEL: 'log', LOG_FORMAT: 'json' });
    /** The sockets the ingress holds open (Node's own count, from its default metrics). */
    const sockets = async () =>
      sample(await (await fetch(`${ingress.url}/metrics`)).text(), 'kafka_gateway_nodejs_active_handles', {
        type: 'Socket',
      }) ?? 0;
    const idle = await sockets();
    const slow = Array.from({ length: 20 }, () =>
      attempt(postJson(`${ingress.url}/webhook-simulator?minDelayMs=3000&maxDelayMs=3000&failRate=0`, {})),
    );
    await waitFor('the 20 slow requests to be inside', async () => (await sockets()) >= idle + 20);
    const exitCode = await ingress.stop('SIGTERM');
    const outcomes = await Promise.all(slow);
    expect(exitCode).toBe(0);
    expect(outcomes.map((o) => (answered(o) ? o.status : o.failed))).toEqual(outcomes.map(() => 200));
    // The stop waited for them: it found all 20 in flight.
    expect(ingress.output()).toMatch(/SIGTERM: waiting for 20 request\(s\) in flight/);
  });

  it('answers every produce that got in, and each 200 is on disk', async () => {
    const topic = await new TestKafka(brokers).createTopic('shutdown', 3);
    const ingress = await startIngress({ KAFKA_BROKERS: brokers });
    const outcomes: Outcome[] = [];
    let stopping = false;
    const client = async (id: number) => {
      for (let i = 0; !stopping || i < 3; i++)
        outcomes.push(await attempt(postJson(`${ingress.url}/produce`, { topic, key: `c${id}`, payload: { id, i } })));
    };
    const clients = Array.from({ length: 16 }, (_, id) => client(id));
    const accepted = () => outcomes.filter((o) => answered(o) && o.status === 200).length;
    await waitFor('100 records accepted while the clients keep sending', async () => accepted() >= 100);
    stopping = true;
    expect(await ingress.stop('SIGTERM')).toBe(0);
    await Promise.all(clients);

    const ok = outcomes.filter(answered).filter((o) => o.status === 200);
    expect(ok.length).toBeGreaterThan(50);
    for (const o of outcomes.filter(answered)) expect([200, 503]).toContain(o.status);
    const onDisk = byPosition(await readAll(brokers, topic));
    for (const o of ok) expect(onDisk.has(`${o.body.partition}/${o.body.offset}`)).toBe(true);
  });
});
