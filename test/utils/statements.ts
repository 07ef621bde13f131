import type { EntitySubscriberInterface } from 'typeorm';
import { currentRequestContext } from '../../src/common/request-context';

/**
 * A subscriber that appends to `statements` the SQL run for requests, and nothing else (not the
 * background fold of the category figures, which may run at any moment).
 */
export const requestStatementsInto = (statements: string[]): EntitySubscriberInterface => ({
  afterQuery: (event) => {
    if (currentRequestContext()) statements.push(event.query);
  },
});
