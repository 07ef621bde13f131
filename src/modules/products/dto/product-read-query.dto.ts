import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, ValidateBy } from 'class-validator';
import { PageQueryDto, toBoolean } from '../../../common/dto/page.dto';
import { INCLUDE_NAMES, IncludeName } from '../product-includes';

const unknownIncludes = (value: unknown): string[] =>
  Array.isArray(value)
    ? (value as unknown[])
        .filter((name) => !(INCLUDE_NAMES as readonly unknown[]).includes(name))
        .map(String)
    : [String(value)];

/** `include`: the related data every product of the answer carries. */
export class IncludeQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    example: 'category,inventory,rating,reviews',
    description:
      'Comma list of category, inventory, rating and reviews: each adds that field to every product (a page of 100 with all four costs at most 3 SQL statements)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? [...new Set(value.split(',').map((name) => name.trim()))] : value,
  )
  @ValidateBy({
    name: 'isIncludeList',
    validator: {
      validate: (value) => unknownIncludes(value).length === 0,
      defaultMessage: (args) =>
        `include names unknown ${unknownIncludes(args?.value).join(', ')}; allowed: ${INCLUDE_NAMES.join(', ')}`,
    },
  })
  include?: IncludeName[];
}

/** Lists and searches of products: paging, includes, and inactive products on request. */
export class ProductPageQueryDto extends IntersectionType(PageQueryDto, IncludeQueryDto) {
  @ApiPropertyOptional({
    type: 'boolean',
    default: false,
    description: 'true also answers inactive products, which lists and searches leave out',
  })
  @Transform(toBoolean)
  @IsBoolean({ message: 'include_inactive must be true or false' })
  include_inactive = false;
}
