import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidatorOptions } from 'class-validator';
import { FieldError, ValidationFailedError } from './errors/domain-error';
import { isPrototypeKey } from './http/json-body-guard';

/** Field paths as clients write them: `lines[2].quantity`, an array element by its index. */
function fieldOf(parent: string, property: string): string {
  if (!parent) return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = fieldOf(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * ValidationPipe, refusing query parameters named after a member of Object.prototype too:
 * class-transformer skips those silently, so `?toString=1` would pass as no parameter at all.
 * (Bodies with such keys are refused right after parsing, by refusePrototypeKeys.)
 * An empty query always validates the same way: once it has passed for a DTO class, the next
 * ones are only transformed (a product page's plain GET spent a tenth of its time validating).
 */
class CatalogValidationPipe extends ValidationPipe {
  readonly #validWhenEmpty = new WeakSet<object>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query' || value === null || typeof value !== 'object') {
      return super.transform(value, metadata) as Promise<unknown>;
    }
    const keys = Object.keys(value);
    const unknown = keys.filter(isPrototypeKey);
    if (unknown.length > 0) {
      throw new ValidationFailedError(
        unknown.map((field) => ({ field, message: `property ${field} should not exist` })),
      );
    }
    const { metatype } = metadata;
    if (keys.length > 0 || !metatype) return super.transform(value, metadata) as Promise<unknown>;
    if (this.#validWhenEmpty.has(metatype)) return plainToInstance(metatype, {});
    const dto = (await super.transform(value, metadata)) as unknown;
    this.#validWhenEmpty.add(metatype);
    return dto;
  }
}

/** The validator rules of every request: no unknown fields, no unknown values. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/**
 * Validates a plain object against a DTO class exactly as the ValidationPipe validates a body
 * (same transforms, same rules), for input that arrives another way (a row of an imported file).
 */
export function validatePlain<T extends object>(
  type: ClassConstructor<T>,
  plain: Record<string, unknown>,
): { value: T; errors: FieldError[] } {
  const value = plainToInstance(type, plain);
  return { value, errors: flatten(validateSync(value, VALIDATOR_OPTIONS)) };
}

/** The one ValidationPipe configuration, used by main.ts and the test app alike. */
export function createValidationPipe(): ValidationPipe {
  return new CatalogValidationPipe({
    transform: true,
    ...VALIDATOR_OPTIONS,
    // A body of thousands of unknown fields answers the first hundred, not a problem of megabytes.
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors).slice(0, 100)),
  });
}
