import { spawnApp, stopAll } from '../support/processes';

/** Each would otherwise start a forwarder (against a closed port here, so it would never exit by itself). */
const REQUIRED = ['--topic', 't', '--target-url', 'http://127.0.0.1:9/', '--brokers', '127.0.0.1:1'];

describe('the forward command line rejects what it does not know', () => {
  afterAll(stopAll);

  it.each([
    [
      ['forward', ...REQUIRED, '--timeout', '5', 'parsecs'],
      "error: unexpected argument 'parsecs': forward takes options only (quote a value that has spaces)",
    ],
    [
      ['forward', 'orders', ...REQUIRED],
      "error: unexpected argument 'orders': forward takes options only (quote a value that has spaces)",
    ],
    [['forward', ...REQUIRED, '--bogus', '1'], "error: unknown option '--bogus'"],
    [['forward', ...REQUIRED, '-bogus', '1'], "error: unknown option '-bogus'"],
    [['forward', ...REQUIRED, '--worker', '4'], "error: unknown option '--worker'\n(Did you mean --workers?)"],
  ])('%j exits 2 naming it', async (args, message) => {
    const app = spawnApp('forwarder', args, {});
    const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
    const code = await app.exited;
    clearTimeout(timer);
    expect(code).toBe(2);
    expect(app.output().trim()).toBe(message);
  });
});
