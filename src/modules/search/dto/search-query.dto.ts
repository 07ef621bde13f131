import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min, ValidateBy } from 'class-validator';
import { toBoolean, toInteger } from '../../../common/dto/page.dto';
import { IsMoney, isMoney } from '../../../common/money';
import { Text } from '../../../common/text';
import { ProductPageQueryDto } from '../../products/dto/product-read-query.dto';

export const SORT_KEYS = ['id', 'price', '-price', 'title', '-created_at', 'relevance'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** A money string as whole cents, to compare two prices exactly. */
export const toCents = (money: string): bigint => {
  const [whole, fraction = ''] = money.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
};

export class SearchQueryDto extends ProductPageQueryDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 255,
    example: 'laptop',
    description:
      'Matches titles containing it, case-insensitively in every script (%, _ and \\ are literal), or a SKU equal to it after SKU normalisation',
  })
  @IsOptional()
  @Text(1, 255)
  q?: string;

  @ApiPropertyOptional({
    type: 'string',
    example: '100.00',
    description: 'Inclusive lower price bound; a decimal with at most two fraction digits',
  })
  @IsOptional()
  @IsMoney()
  min_price?: string;

  @ApiPropertyOptional({
    type: 'string',
    example: '1500',
    description: 'Inclusive upper price bound; must not be below min_price',
  })
  @IsOptional()
  @IsMoney()
  @ValidateBy({
    name: 'notBelowMinPrice',
    validator: {
      validate: (value, args) => {
        const { min_price: min } = args?.object as SearchQueryDto;
        return !isMoney(min) || !isMoney(value) || toCents(min) <= toCents(value);
      },
      defaultMessage: () => 'max_price must not be below min_price',
    },
  })
  max_price?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 2,
    description:
      'Products in this category or any of its descendants; an unknown category is a 404',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'category_id must be a positive integer' })
  @Min(1, { message: 'category_id must be a positive integer' })
  category_id?: number;

  @ApiPropertyOptional({
    enum: SORT_KEYS,
    default: 'id',
    description:
      'relevance needs q: exact SKU first, then title prefix, then best trigram similarity. Ties are broken by id. Every sort pages by offset or by cursor.',
  })
  @IsIn(SORT_KEYS, { message: `sort must be one of ${SORT_KEYS.join(', ')}` })
  @ValidateBy({
    name: 'relevanceNeedsQ',
    validator: {
      validate: (value, args) =>
        value !== 'relevance' || (args?.object as SearchQueryDto).q !== undefined,
      defaultMessage: () => 'sort=relevance needs q',
    },
  })
  sort: SortKey = 'id';

  @ApiPropertyOptional({
    type: 'boolean',
    default: false,
    description: 'With q, also match titles close to q but misspelled (trigram word similarity)',
  })
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'fuzzy must be true or false' })
  fuzzy = false;
}
