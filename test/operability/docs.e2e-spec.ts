import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ERROR_CODES } from '../../apps/ingress/src/common/error-codes';
import { REPO } from '../setup/test-kafka';
import { readAt } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { getJson } from '../support/http';
import { startIngress, stopAll, type AppProcess } from '../support/processes';
import { deliveredAnswer } from '../support/produce-answer';

/** Debian's chromium; never a browser downloaded by a test tool. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('API documentation', () => {
  const brokers = testBrokers();
  let ingress: AppProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    ingress = await startIngress({ KAFKA_BROKERS: brokers });
  });
  afterAll(async () => {
    await browser?.close();
    await stopAll();
  });

  it('serves an OpenAPI 3 document generated from the DTOs, with every error response', async () => {
    const { status, body: doc } = await getJson(`${ingress.url}/openapi.json`);
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\./);
    const produce = doc.paths['/produce'].post;
    expect(Object.keys(produce.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '408',
      '409',
      '413',
      '415',
      '417',
      '422',
      '429',
      '431',
      '500',
      '503',
    ]);
    expect(produce.responses['503'].description).toMatch(/`KAFKA_UNAVAILABLE`.*Retry: yes/s);
    expect(produce.responses['503'].headers['Retry-After']).toBeDefined();
    expect(produce.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ProduceRequestDto');
    expect(Object.keys(doc.paths['/produce/batch'].post.responses)).toEqual(expect.arrayContaining(['200', '207']));
    const schemas = doc.components.schemas;
    expect(schemas.ProduceRequestDto.required).toEqual(expect.arrayContaining(['topic', 'payload']));
    expect(schemas.ProduceRequestDto.properties.topic.pattern).toBe('^[a-zA-Z0-9._-]{1,249}$');
    expect(schemas.ErrorResponseDto.properties.code.enum.sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer', description: expect.stringContaining('INGRESS_JWT_JWKS_URL') },
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(produce.responses['403'].description).toMatch(/`TOPIC_NOT_ALLOWED`.*scopes/s);
  });

  it('lets a person try POST /produce in Swagger UI in a real browser and see the 200', async () => {
    const topic = await new TestKafka(brokers).createTopic('docs', 1);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`${ingress.url}/docs`);

    const operation = page.locator('#operations-produce-ProduceController_produce');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ topic, key: 'from-the-docs', payload: { tried: 'in a browser' } }));
    await operation.getByRole('button', { name: 'Execute' }).click();

    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor({ timeout: 30_000 });
    expect((await status.first().innerText()).trim()).toBe('200');
    const shown = JSON.parse(
      await operation.locator('.live-responses-table .response-col_description pre.microlight').first().innerText(),
    );
    expect(shown).toEqual(deliveredAnswer(topic));

    await status.first().scrollIntoViewIfNeeded();
    mkdirSync(join(REPO, '.tmp'), { recursive: true });
    await page.screenshot({ path: join(REPO, '.tmp/swagger-try-it-out.png'), fullPage: false });
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    expect(await readAt(brokers, topic, shown.partition, shown.offset)).toMatchObject({
      key: 'from-the-docs',
      value: '{"tried":"in a browser"}',
    });
  }, 90_000);
});
