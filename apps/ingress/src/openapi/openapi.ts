import { PRODUCT, VERSION } from '@app/config';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RequestPipelineMiddleware } from '../request-pipeline.middleware';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type ReferenceObject,
  type SchemaObject,
} from '@nestjs/swagger';

/** The OpenAPI 3 document, generated from the same DTOs that validate requests. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Kafka HTTP gateway: ingress')
    .setDescription(
      'Turns HTTP requests into durable Kafka records. A 200 means every in-sync replica has the record. ' +
        'Errors are JSON with a stable `code`; each response below lists its codes and whether to retry. ' +
        'Credentials are needed only when the gateway is configured with API keys (INGRESS_API_KEYS, ' +
        'INGRESS_CREDENTIALS_FILE) or OIDC tokens (INGRESS_JWT_JWKS_URL); a topic outside the ' +
        "client's scopes is 403 TOPIC_NOT_ALLOWED.",
    )
    .setVersion(VERSION)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API key (INGRESS_API_KEYS, INGRESS_CREDENTIALS_FILE), or an OIDC access token (a JWT from the issuer of ' +
          'INGRESS_JWT_JWKS_URL whose scope claim grants topics with produce:<glob> entries). A refused token is ' +
          '401 with WWW-Authenticate: Bearer error="invalid_token".',
      },
      'bearer',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key (INGRESS_API_KEYS, INGRESS_CREDENTIALS_FILE)',
      },
      'api-key',
    )
    .build();
  return closeRequestSchemas(SwaggerModule.createDocument(app, config));
}

/**
 * RequestValidationPipe refuses fields a body DTO does not declare, so every schema a request body
 * refers to (nested ones included) says `additionalProperties: false`.
 */
function closeRequestSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const closed = new Set<string>();
  const visit = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (!schema) return;
    if ('$ref' in schema) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = schemas[name];
      if (!target || closed.has(name)) return;
      closed.add(name);
      if (target.type === 'object' || target.properties) target.additionalProperties ??= false;
      return visit(target);
    }
    for (const property of Object.values(schema.properties ?? {})) visit(property);
    visit(schema.items);
    for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) visit(part);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      const body = operation?.requestBody;
      if (body && !('$ref' in body)) for (const media of Object.values(body.content)) visit(media.schema);
    }
  }
  return document;
}

/** Swagger's own routes, which Nest's middleware does not reach. */
const DOCS_PATHS = ['/docs', '/docs-yaml', '/openapi.json'];

/**
 * Serves the document at /openapi.json and Swagger UI at /docs, behind the same request pipeline
 * as every route (request id, security headers, metrics, API key unless INGRESS_PUBLIC_DOCS).
 */
export function serveOpenApi(app: INestApplication): void {
  const pipeline = app.get(RequestPipelineMiddleware);
  app.use(DOCS_PATHS, (request: Request, response: Response, next: NextFunction) =>
    pipeline.use(request, response, next),
  );
  SwaggerModule.setup('docs', app, openApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    customSiteTitle: `${PRODUCT} API`,
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
}
