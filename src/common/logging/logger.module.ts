import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Request } from 'express';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import type { Writable } from 'node:stream';
import { isOperationsRoute, routeTemplateOf } from '../http/route';

/** The completion line's extra fields: the route template and the size of the response. */
function completion(request: IncomingMessage, response: ServerResponse, line: object): object {
  return {
    ...line,
    route: routeTemplateOf(request as Request),
    response_bytes: Number(response.getHeader('content-length') ?? 0),
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggingOptions {
  level: LogLevel;
  /** Human-readable lines, for a terminal during development. */
  pretty: boolean;
  /** Where lines go instead of stdout (tests read them from here). */
  destination?: Writable;
}

/** JSON logs through pino, one completion line per request, each line carrying the request id. */
export function createLoggerModule({ level, pretty, destination }: LoggingOptions) {
  const options: Options = {
    level,
    genReqId: (request) => request.id ?? randomUUID(),
    transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    autoLogging: { ignore: (request) => isOperationsRoute(request.url ?? '') },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    customSuccessObject: completion,
    customErrorObject: (request, response, _error, line: object) =>
      completion(request, response, line),
    // The serializers read the raw request and response: pino-http's wrapping would first copy
    // every request into a standard object (headers included) for each request's child logger.
    wrapSerializers: false,
    serializers: {
      // remote_address is the peer (behind a proxy, the proxy); client_address is req.ip,
      // which honours TRUST_PROXY.
      req: (req: Request) => ({
        id: req.id,
        method: req.method,
        url: req.originalUrl,
        remote_address: req.socket?.remoteAddress,
        client_address: req.ip,
      }),
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
  };
  return LoggerModule.forRoot({
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: destination ? [options, destination] : options,
  });
}
