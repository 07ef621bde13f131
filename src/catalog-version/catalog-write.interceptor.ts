import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import { CatalogVersion } from './catalog-version.service';

/** After any write, successful or not, the cached catalog version is forgotten before the answer goes out. */
@Injectable()
export class CatalogWriteInterceptor implements NestInterceptor {
  constructor(private readonly version: CatalogVersion) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { method } = context.switchToHttp().getRequest<Request>();
    if (method === 'GET' || method === 'HEAD') return next.handle();
    const forget = () => this.version.invalidate();
    return next.handle().pipe(tap({ next: forget, error: forget }));
  }
}
