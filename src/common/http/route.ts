import type { Request } from 'express';

/** The route template (`/api/v1/products/:id`), never the raw path, so labels stay bounded. */
export const routeTemplateOf = (request: Request): string =>
  `${request.baseUrl}${(request.route as { path?: string } | undefined)?.path ?? ''}` ||
  'unmatched';

/** Health and metrics are operations traffic, not catalog traffic. */
export const isOperationsRoute = (path: string): boolean => /^\/(health|metrics)(\/|$)/.test(path);

export const statusClassOf = (status: number): string => `${Math.floor(status / 100)}xx`;
