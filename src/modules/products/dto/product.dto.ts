import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, Matches, ValidateBy, ValidateIf } from 'class-validator';
import { PageDto } from '../../../common/dto/page.dto';
import { IsMoney } from '../../../common/money';
import { IsIdOrNull } from '../../../common/pipes/parse-id.pipe';
import { codePointLength, Text, trim } from '../../../common/text';
import { ProductView } from '../product-includes';
import {
  IncludedCategoryDto,
  IncludedInventoryDto,
  IncludedRatingDto,
  IncludedReviewDto,
} from './product-includes.dto';

export const SKU_PATTERN = /^[A-Z0-9_-]{1,100}$/;
const IMAGE_PATH = /\.(jpe?g|png|webp)$/i;

/** SKUs are trimmed and upper-cased before validation and uniqueness. */
export const normaliseSku = (value: unknown): unknown =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

export function isImageUrl(value: unknown): boolean {
  if (typeof value !== 'string' || codePointLength(value) > 2083 || /[\s\p{Cc}\p{Cs}]/u.test(value))
    return false;
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      IMAGE_PATH.test(url.pathname)
    );
  } catch {
    return false;
  }
}

export class CreateProductDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    example: 'UltraBook X13 16GB',
    description: 'Trimmed; 1..255 characters',
  })
  @Text(1, 255)
  title!: string;

  @ApiPropertyOptional({
    maxLength: 10000,
    default: '',
    example: 'A 13-inch laptop.',
    description:
      'Trimmed; 0..10000 characters; line breaks and tabs are the only control characters allowed',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Text(0, 10000, { allowLineBreaks: true })
  description?: string;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    maxLength: 2083,
    example: 'https://cdn.example.com/images/ubx13.jpg',
    description:
      'Absolute http(s) URL whose path ends in .jpg, .jpeg, .png or .webp (any case); a query string is allowed',
  })
  @IsOptional()
  @Transform(trim)
  @ValidateBy({
    name: 'isImageUrl',
    validator: {
      validate: isImageUrl,
      defaultMessage: () =>
        'image_url must be an absolute http(s) URL of at most 2083 characters ending in .jpg, .jpeg, .png or .webp',
    },
  })
  image_url?: string | null;

  @ApiProperty({
    example: 'UBX13-16',
    pattern: SKU_PATTERN.source,
    description: 'Trimmed and upper-cased, then must match the pattern; unique',
  })
  @Transform(({ value }) => normaliseSku(value))
  @Matches(SKU_PATTERN, {
    message: 'sku must be 1..100 of A-Z, 0-9, _ and - after trimming and upper-casing',
  })
  sku!: string;

  @ApiProperty({
    oneOf: [
      { type: 'string', pattern: '^(0|[1-9]\\d{0,9})(\\.\\d{1,2})?$' },
      { type: 'number', minimum: 0, maximum: 9999999999.99 },
    ],
    example: '1299.99',
    description:
      'A decimal string or JSON number, 0..9999999999.99, at most two fraction digits; never rounded',
  })
  @IsMoney()
  price!: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 2,
    description: 'An existing category, or null',
  })
  @IsOptional()
  @IsIdOrNull()
  category_id?: number | null;

  @ApiPropertyOptional({
    default: true,
    example: true,
    description: 'false hides the product from lists and search; it cannot be ordered',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsBoolean({ message: 'is_active must be true or false' })
  is_active?: boolean;
}

/** Any subset of the writable fields; category_id: null unlinks, image_url: null removes the image. */
export class UpdateProductDto extends PartialType(CreateProductDto, {
  skipNullProperties: false,
}) {}

export class ProductDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'UltraBook X13 16GB' })
  title!: string;

  @ApiProperty({ example: 'A 13-inch laptop.' })
  description!: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    example: 'https://cdn.example.com/images/ubx13.jpg',
  })
  image_url!: string | null;

  @ApiProperty({ example: 'UBX13-16' })
  sku!: string;

  @ApiProperty({
    example: '1299.99',
    description: 'Decimal string with exactly two fraction digits',
  })
  price!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 2 })
  category_id!: number | null;

  @ApiProperty({
    example: true,
    description: 'Inactive products are left out of lists and search unless include_inactive=true',
  })
  is_active!: boolean;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  updated_at!: string;

  @ApiPropertyOptional({
    type: IncludedCategoryDto,
    nullable: true,
    description: 'With include=category; null for an unlinked product',
  })
  category?: IncludedCategoryDto | null;

  @ApiPropertyOptional({ type: IncludedInventoryDto, description: 'With include=inventory' })
  inventory?: IncludedInventoryDto;

  @ApiPropertyOptional({ type: IncludedRatingDto, description: 'With include=rating' })
  rating?: IncludedRatingDto;

  @ApiPropertyOptional({
    type: [IncludedReviewDto],
    description: 'With include=reviews: the 3 newest reviews, newest first',
  })
  reviews?: IncludedReviewDto[];

  static from(product: ProductView): ProductDto {
    return {
      id: Number(product.id),
      title: product.title,
      description: product.description,
      image_url: product.imageUrl,
      sku: product.sku,
      price: product.price,
      category_id: product.categoryId === null ? null : Number(product.categoryId),
      is_active: product.isActive,
      created_at: product.createdAt.toISOString(),
      updated_at: product.updatedAt.toISOString(),
      ...product.included,
    } as ProductDto;
  }
}

export class ProductPageDto extends PageDto<ProductDto> {
  @ApiProperty({ type: [ProductDto] })
  declare items: ProductDto[];
}
