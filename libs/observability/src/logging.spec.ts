import pino from 'pino';
import { PassThrough } from 'node:stream';
import { prettyStream } from './logging';

describe('readable log lines', () => {
  it('show the local time, the level, the app, the context and the message on one line', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const logger = pino({ base: { app: 'ingress' } }, prettyStream(out));
    const at = new Date();
    logger.info({ context: 'Ingress' }, 'Listening on http://127.0.0.1:6969');
    logger.warn({ context: 'KafkaAdmin', reqId: 'r-1' }, 'cannot reach Kafka');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const hhmm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[${hhmm}:\\d\\d\\.\\d{3}\\] INFO: ingress \\[Ingress\\] Listening on http://127\\.0\\.0\\.1:6969$`,
      ),
    );
    expect(lines[1]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: ingress \[KafkaAdmin\] cannot reach Kafka \{"reqId":"r-1"\}$/,
    );
  });
});
