import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { isOperationsRoute } from '../common/http/route';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * A per-client budget of RATE_LIMIT_PER_MINUTE requests (0 turns it off), with the IETF
 * `RateLimit-*` headers; health and metrics are exempt. The client is ThrottlerGuard's tracker,
 * `req.ip`: behind a proxy, TRUST_PROXY decides whether that is the proxy or the client.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(isOperationsRoute(context.switchToHttp().getRequest<Request>().path));
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('RateLimit-Limit', detail.limit);
    response.setHeader('RateLimit-Remaining', 0);
    response.setHeader('RateLimit-Reset', detail.timeToBlockExpire);
    return super.throwThrottlingException(context, detail);
  }
}
