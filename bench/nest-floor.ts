/**
 * The bare NestJS floor (FLOOR_MODE=nest of floor-server.ts): the service's framework, NestJS 11 on
 * Express, with nothing of the service's own around it: no global prefix, pipes, guards,
 * interceptors, filters, logging, metrics, helmet, compression or rate limiting. One controller
 * answers the read URLs of the benchmark by running the service-SQL floor's own reads (the
 * statements the service's code builds, through the floor's pg pool), so that the service's
 * ratio to it is what the service adds to NestJS + Express and the same SQL.
 *
 * Like the service it disables Express's ETag (a hash of every body) and X-Powered-By.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Module,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';

type Params = URLSearchParams;

/** What the controller runs: floor-server.ts's service-SQL reads, ids checked. */
export interface NestFloorReads {
  search(params: Params, key: string): Promise<unknown>;
  list(params: Params, key: string): Promise<unknown>;
  /** Undefined when there is no such product. */
  get(id: string): Promise<unknown>;
  report(id: string): Promise<unknown>;
  reports(params: Params, key: string): Promise<unknown>;
  stats(): unknown;
  /** The status and detail of a refused request (a bad id, a missing category), if it is one. */
  refusal(error: unknown): { status: number; detail: string } | undefined;
}

const READS = Symbol('floor reads');

/** The query as the floors' reads take it, and its text as their per-URL memo key. */
function params(query: Record<string, string>): [Params, string] {
  const parsed = new URLSearchParams(query);
  return [parsed, parsed.toString()];
}

@Controller()
class FloorController {
  constructor(@Inject(READS) private readonly reads: NestFloorReads) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('__stats')
  stats() {
    return this.reads.stats();
  }

  // Before products/:id, which would match it too.
  @Get('api/v1/products/search')
  search(@Query() query: Record<string, string>) {
    return this.answer(() => this.reads.search(...params(query)));
  }

  @Get('api/v1/products')
  list(@Query() query: Record<string, string>) {
    return this.answer(() => this.reads.list(...params(query)));
  }

  @Get('api/v1/products/:id')
  get(@Param('id') id: string) {
    return this.answer(() => this.reads.get(id));
  }

  @Get('api/v1/categories/:id/report')
  report(@Param('id') id: string) {
    return this.answer(() => this.reads.report(id));
  }

  @Get('api/v1/reports/categories')
  reports(@Query() query: Record<string, string>) {
    return this.answer(() => this.reads.reports(...params(query)));
  }

  /** The answer, a 404 for none, or the refusal as an HttpException (Nest's own error answer). */
  private async answer(work: () => Promise<unknown>): Promise<unknown> {
    let result: unknown;
    try {
      result = await work();
    } catch (error) {
      const refusal = this.reads.refusal(error);
      if (refusal) throw new HttpException(refusal, refusal.status);
      throw error;
    }
    if (result === undefined) throw new NotFoundException();
    return result;
  }
}

export async function startNestFloor(
  reads: NestFloorReads,
  port: number,
): Promise<NestExpressApplication> {
  @Module({ controllers: [FloorController], providers: [{ provide: READS, useValue: reads }] })
  class FloorModule {}

  // Errors only (an unexpected one is a 500 the run warns about); nothing per request.
  const app = await NestFactory.create<NestExpressApplication>(FloorModule, {
    logger: ['error', 'fatal'],
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.getHttpServer().keepAliveTimeout = 65_000;
  await app.listen(port, '127.0.0.1');
  return app;
}
