import { ArgumentMetadata } from '@nestjs/common';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { createValidationPipe } from './validation';
import { ValidationFailedError } from './errors/domain-error';

class OptionalQuery {
  @IsOptional()
  @IsInt()
  limit?: number;

  @IsInt()
  page = 1;
}

class RequiredQuery {
  @IsString()
  q!: string;
}

const query = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'query',
  metatype,
});

describe('the validation pipe on empty queries', () => {
  it('should answer a fresh instance with its defaults, every time', async () => {
    const pipe = createValidationPipe();
    const first = await pipe.transform({}, query(OptionalQuery));
    const second = await pipe.transform({}, query(OptionalQuery));
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toEqual({ page: 1 });
    expect(second).not.toBe(first);
  });

  it('should refuse an empty query that misses a required parameter, every time', async () => {
    const pipe = createValidationPipe();
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(pipe.transform({}, query(RequiredQuery))).rejects.toThrow(ValidationFailedError);
    }
  });

  it('should still validate a query with parameters after an empty one passed', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({}, query(OptionalQuery));
    await expect(pipe.transform({ limit: 'x' }, query(OptionalQuery))).rejects.toThrow(
      ValidationFailedError,
    );
    await expect(pipe.transform({ toString: '1' }, query(OptionalQuery))).rejects.toThrow(
      ValidationFailedError,
    );
  });
});
