import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';

/**
 * Query strings carry text; a plain integer that a number holds exactly becomes a number, anything
 * else (9007199254740993 included) stays text to fail validation rather than be rounded.
 */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : value;

/** `true` and `false` become booleans; anything else stays to fail validation. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  ({ true: true, false: false })[String(value)] ?? value;

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, example: 20 })
  @Transform(toInteger)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be between 1 and 100' })
  @Max(100, { message: 'limit must be between 1 and 100' })
  limit = 20;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    default: 0,
    example: 0,
    description: 'Not together with cursor',
  })
  @Transform(toInteger)
  @IsInt({ message: 'offset must be an integer' })
  @Min(0, { message: 'offset must be 0 or more' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'offset is too large' })
  offset = 0;

  @ApiPropertyOptional({
    type: 'string',
    example: 'WyJpZCIsIjQyIl0',
    description:
      'Keyset paging: the next_cursor of the previous page, in place of offset, with the same query. Deep pages cost the same as the first.',
  })
  @IsOptional()
  @MaxLength(2048, { message: 'cursor is not valid' })
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not valid' })
  @ValidateBy({
    name: 'cursorWithoutOffset',
    validator: {
      validate: (_, args) => (args?.object as PageQueryDto).offset === 0,
      defaultMessage: () => 'cursor cannot be combined with an offset',
    },
  })
  cursor?: string;

  @ApiPropertyOptional({
    type: 'boolean',
    default: true,
    description: 'false skips counting: total is null',
  })
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'include_total must be true or false' })
  include_total = true;
}

export class PageDto<T> {
  items!: T[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Exact number of matches; null with include_total=false',
    example: 1,
  })
  total!: number | null;

  @ApiProperty({ example: 20 })
  limit!: number;

  @ApiProperty({ example: 0 })
  offset!: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
    example: 'WyJpZCIsIjQyIl0',
  })
  next_cursor!: string | null;
}

export interface Page<T> {
  items: T[];
  total: number | null;
  limit: number;
  offset: number;
  next_cursor: string | null;
}
