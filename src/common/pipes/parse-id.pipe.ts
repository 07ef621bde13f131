import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';
import { ValidationFailedError } from '../errors/domain-error';

const MAX_ID = 9223372036854775807n; // PostgreSQL bigint

export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= MAX_ID;
}

/** Path ids are positive integers up to PostgreSQL's bigint; anything else is a 422. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isId(value)) {
      throw new ValidationFailedError([{ field: 'id', message: 'id must be a positive integer' }]);
    }
    return value;
  }
}

/** A body reference to another resource: a positive integer, or null where the field allows it. */
export function IsIdOrNull() {
  return ValidateBy({
    name: 'isIdOrNull',
    validator: {
      validate: (value) =>
        value === null || (Number.isSafeInteger(value) && (value as number) >= 1),
      defaultMessage: (args) => `${args?.property} must be a positive integer or null`,
    },
  });
}

/** Documents the `id` path parameter. */
export const ApiIdParam = () =>
  ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, example: 1 },
    description: 'A positive integer; anything else is a 422',
  });

/** A body's numeric reference as the string id the services take; null and absent stay as they are. */
export const toId = <T extends null | undefined>(id: number | T): string | T =>
  typeof id === 'number' ? String(id) : id;
