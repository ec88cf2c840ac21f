import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onResponseEnd } from './response-end';

/** A server whose handler is replaced per test; requests go to it over loopback. */
describe('onResponseEnd', () => {
  let server: Server;
  let handle: (response: ServerResponse) => void;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request, response) => handle(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('tells every callback once, after the response is written in full, through one listener', async () => {
    const calls: Array<[string, boolean, boolean]> = [];
    const added = { close: 0, finish: 0 };
    const ended = new Promise<void>((resolve) => {
      handle = (response) => {
        const before = { close: response.listenerCount('close'), finish: response.listenerCount('finish') };
        for (const name of ['log', 'metrics', 'shutdown'])
          onResponseEnd(response, (finished) => {
            calls.push([name, finished, response.writableFinished]);
            if (calls.length === 3) resolve();
          });
        added.close = response.listenerCount('close') - before.close;
        added.finish = response.listenerCount('finish') - before.finish;
        response.end('ok');
      };
    });
    const status = await new Promise<number | undefined>((resolve, reject) =>
      request({ port, host: '127.0.0.1' }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end(),
    );
    await ended;
    expect(status).toBe(200);
    expect(added).toEqual({ close: 1, finish: 0 });
    expect(calls).toEqual([
      ['log', true, true],
      ['metrics', true, true],
      ['shutdown', true, true],
    ]);
  });

  it('tells them the response did not finish when the client goes first', async () => {
    const calls: boolean[] = [];
    const ended = new Promise<void>((resolve) => {
      handle = (response) => {
        onResponseEnd(response, (finished) => calls.push(finished));
        onResponseEnd(response, (finished) => {
          calls.push(finished);
          resolve();
        });
        // No answer: the client gives up first.
      };
    });
    const client = request({ port, host: '127.0.0.1', method: 'POST' });
    client.on('error', () => undefined);
    client.write('partial');
    setTimeout(() => client.destroy(), 50);
    await ended;
    expect(calls).toEqual([false, false]);
  });
});
