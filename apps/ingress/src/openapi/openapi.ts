import { PRODUCT, VERSION } from '@app/config';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI 3 document, generated from the same DTOs that validate requests. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Kafka HTTP gateway: ingress')
    .setDescription(
      'Turns HTTP requests into durable Kafka records. A 200 means every in-sync replica has the record. ' +
        'Errors are JSON with a stable `code`; each response below lists its codes and whether to retry. ' +
        'API keys are needed only when the gateway is configured with INGRESS_API_KEYS.',
    )
    .setVersion(VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from INGRESS_API_KEYS' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from INGRESS_API_KEYS' }, 'api-key')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at /openapi.json and Swagger UI at /docs. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    customSiteTitle: `${PRODUCT} API`,
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
}
