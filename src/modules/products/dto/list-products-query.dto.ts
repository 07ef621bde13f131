import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsOptional, ValidateBy } from 'class-validator';
import { ProductPageQueryDto } from './product-read-query.dto';
import { isId } from '../../../common/pipes/parse-id.pipe';

export class ListProductsQueryDto extends ProductPageQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    example: '1,2,3',
    description:
      'Batch fetch: up to 100 comma-separated ids, answered in one round trip, by id; unknown ids are absent. Paging does not apply.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? [...new Set(value.split(','))] : value,
  )
  @ArrayMinSize(1, { message: 'ids must list 1 to 100 ids' })
  @ArrayMaxSize(100, { message: 'ids must list 1 to 100 ids' })
  @ValidateBy({
    name: 'isIdList',
    validator: {
      validate: (value) => Array.isArray(value) && value.every(isId),
      defaultMessage: () => 'ids must be comma-separated positive integers',
    },
  })
  ids?: string[];
}
