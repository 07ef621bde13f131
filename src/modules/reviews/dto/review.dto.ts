import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { PageDto, PageQueryDto } from '../../../common/dto/page.dto';
import { IsIdOrNull } from '../../../common/pipes/parse-id.pipe';
import { Text } from '../../../common/text';
import { averageRating, RatingTotals } from '../rating';
import { Review } from '../review.entity';

export const REVIEW_SORTS = ['-created_at', '-rating', 'rating'] as const;
export type ReviewSort = (typeof REVIEW_SORTS)[number];

const RATING_MESSAGE = 'rating must be an integer from 1 to 5';

export class CreateReviewDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 100,
    example: 'Ann',
    description: 'Trimmed; 1..100 characters',
  })
  @Text(1, 100)
  author!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 5,
    example: 5,
    description: 'A JSON integer from 1 to 5 (not a string, not a fraction)',
  })
  @IsInt({ message: RATING_MESSAGE })
  @Min(1, { message: RATING_MESSAGE })
  @Max(5, { message: RATING_MESSAGE })
  rating!: number;

  @ApiPropertyOptional({
    maxLength: 255,
    default: '',
    example: 'Light and fast',
    description: 'Trimmed; 0..255 characters',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Text(0, 255)
  title?: string;

  @ApiPropertyOptional({
    maxLength: 5000,
    default: '',
    example: 'Battery lasts all day.\nThe keyboard is great.',
    description:
      'Trimmed; 0..5000 characters; line breaks and tabs are the only control characters allowed',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Text(0, 5000, { allowLineBreaks: true })
  body?: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 1,
    description:
      'The reviewing customer, who may review a product once (409 duplicate_review); an unknown customer is a 422. Absent or null for an anonymous review.',
  })
  @IsOptional()
  @IsIdOrNull()
  customer_id?: number | null;
}

export class ListReviewsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: REVIEW_SORTS,
    default: '-created_at',
    description:
      '-created_at: newest first; -rating: best first; rating: worst first. Ties are broken by id in the same direction (-created_at and -rating: higher id first; rating: lower id first), so rating is exactly the reverse of -rating.',
  })
  @IsIn(REVIEW_SORTS, { message: `sort must be one of ${REVIEW_SORTS.join(', ')}` })
  sort: ReviewSort = '-created_at';
}

export class ReviewDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 1 })
  product_id!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 3,
    description: 'null for an anonymous review, or once the customer was deleted',
  })
  customer_id!: number | null;

  @ApiProperty({ example: 'Ann' })
  author!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5, example: 5 })
  rating!: number;

  @ApiProperty({ example: 'Light and fast' })
  title!: string;

  @ApiProperty({ example: 'Battery lasts all day.\nThe keyboard is great.' })
  body!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  static from(review: Review): ReviewDto {
    return {
      id: Number(review.id),
      product_id: Number(review.productId),
      customer_id: review.customerId === null ? null : Number(review.customerId),
      author: review.author,
      rating: review.rating,
      title: review.title,
      body: review.body,
      created_at: review.createdAt.toISOString(),
    };
  }
}

export class ReviewPageDto extends PageDto<ReviewDto> {
  @ApiProperty({ type: [ReviewDto] })
  declare items: ReviewDto[];
}

export class RatingDistributionDto {
  @ApiProperty({ type: 'integer', example: 0 })
  '1'!: number;

  @ApiProperty({ type: 'integer', example: 0 })
  '2'!: number;

  @ApiProperty({ type: 'integer', example: 0 })
  '3'!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  '4'!: number;

  @ApiProperty({ type: 'integer', example: 2 })
  '5'!: number;
}

/** What the `rating` include adds to a product. */
export class RatingSummaryDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: '4.67',
    description:
      'The mean rating with two fraction digits, rounded half up from the exact mean; null without reviews',
  })
  average!: string | null;

  @ApiProperty({ type: 'integer', example: 3, description: 'The number of reviews' })
  count!: number;

  static from(totals: Pick<RatingTotals, 'count' | 'sum'>): RatingSummaryDto {
    return { average: averageRating(totals.sum, totals.count), count: Number(totals.count) };
  }
}

export class RatingDto extends RatingSummaryDto {
  @ApiProperty({ example: 1 })
  product_id!: number;

  @ApiProperty({
    type: RatingDistributionDto,
    description: 'The number of reviews giving each rating, every rating present',
  })
  distribution!: RatingDistributionDto;

  static ofProduct(productId: string, totals: RatingTotals): RatingDto {
    const [one, two, three, four, five] = totals.distribution.map(Number);
    return {
      product_id: Number(productId),
      ...RatingSummaryDto.from(totals),
      distribution: { '1': one, '2': two, '3': three, '4': four, '5': five },
    };
  }
}
