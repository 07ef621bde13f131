import { RequestMethod } from '@nestjs/common';
import compression from 'compression';
import helmet from 'helmet';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { answerClientError } from './common/http/client-error.handler';
import { inspectJsonBody } from './common/http/json-body-guard';
import {
  JSON_BODY_OPTIONS,
  refusePrototypeKeys,
  requireJsonBody,
  translateBodyParserError,
} from './common/http/json-body.middleware';
import { refuseMalformedPath } from './common/http/path-encoding.middleware';
import { assignRequestId } from './common/http/request-id.middleware';
import { runInRequestContext } from './common/request-context';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/configuration';
import { IMPORT_ROUTE } from './modules/catalog-transfer/product-csv';
import { createOpenApiDocument } from './openapi';

export const API_PREFIX = 'api/v1';
export const MAX_BODY_BYTES = 1024 * 1024;
export const APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

/**
 * Everything main.ts and the test app share: middleware, body parsing and limits, prefix, pipes,
 * the answer to unparseable requests, and docs. (The exception filter is AppModule's APP_FILTER.)
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  const config = app.get(AppConfig);
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(assignRequestId, runInRequestContext, helmet(), compression({ threshold: 1024 }));
  if (config.CORS_ORIGINS) {
    app.enableCors({
      origin: config.CORS_ORIGINS.split(','),
      exposedHeaders: [
        'ETag',
        'Location',
        'X-Request-Id',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
      ],
    });
  }
  app.set('etag', false);
  // Refused on its headers alone, before any byte of the body is parsed. The import reads its
  // CSV body itself, under its own limit.
  app.use(requireJsonBody([IMPORT_ROUTE]));
  // The app is created with bodyParser: false so that parse errors pass through our translator.
  app.useBodyParser('json', {
    ...JSON_BODY_OPTIONS,
    limit: MAX_BODY_BYTES,
    verify: (_request: unknown, _response: unknown, body: Buffer) => inspectJsonBody(body),
  });
  app.use(translateBodyParserError, refusePrototypeKeys);
  // After translateBodyParserError, which would turn an earlier error into a body-parser 400.
  app.use(refuseMalformedPath);
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  app.getHttpServer().on('clientError', answerClientError);

  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return app;
}
