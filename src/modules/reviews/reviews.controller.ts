import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ConditionalRead, ReadVersion } from '../../catalog-version/conditional-read';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ApiIdParam, ParseIdPipe, toId } from '../../common/pipes/parse-id.pipe';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import {
  CreateReviewDto,
  ListReviewsQueryDto,
  RatingDto,
  ReviewDto,
  ReviewPageDto,
} from './dto/review.dto';
import { ReviewsService } from './reviews.service';

@ApiTags('reviews')
@Controller()
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post('products/:id/reviews')
  @Idempotent()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Review a product',
    description:
      'The review and the product’s rating summary change in one statement. With customer_id, the customer must exist and may review the product once; without it the review is anonymous. A review has no GET of its own: it is read through the product’s reviews (and the reviews include of product reads); the Location names it for DELETE.',
  })
  @ApiCreatedResponse({
    type: ReviewDto,
    description: 'Created; Location is the review’s own URL, which DELETE takes',
    headers: {
      Location: {
        description: 'URL of the new review (for DELETE)',
        schema: { type: 'string', example: '/api/v1/reviews/7' },
      },
    },
  })
  @ApiProblems(
    400,
    [404, 'The product does not exist'],
    [409, 'This customer has already reviewed this product (duplicate_review)'],
    [422, 'Invalid body or id, or an unknown customer (unknown_customer, field customer_id)'],
    413,
    503,
  )
  async create(
    @Param('id', ParseIdPipe) productId: string,
    @Body() body: CreateReviewDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReviewDto> {
    const review = await this.reviews.create({
      productId,
      customerId: toId(body.customer_id) ?? null,
      author: body.author,
      rating: body.rating,
      title: body.title ?? '',
      body: body.body ?? '',
    });
    response.location(`/api/v1/reviews/${review.id}`);
    return ReviewDto.from(review);
  }

  @Get('products/:id/reviews')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'List a product’s reviews',
    description:
      'Newest first by default; total is the product’s review count, read in the same statement as the page.',
  })
  @ApiOkResponse({ type: ReviewPageDto })
  @ApiProblems([404, 'The product does not exist'], [422, 'Invalid query parameter or id'], 503)
  async list(
    @Param('id', ParseIdPipe) productId: string,
    @Query() query: ListReviewsQueryDto,
    @ReadVersion() catalogVersion: string,
  ): Promise<ReviewPageDto> {
    const page = await this.reviews.list(
      productId,
      {
        sort: query.sort,
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.include_total,
      },
      catalogVersion,
    );
    return { ...page, items: page.items.map((review) => ReviewDto.from(review)) };
  }

  @Get('products/:id/rating')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'A product’s rating',
    description:
      'Exact at every moment, also while reviews are created and deleted concurrently: read from a summary that every review write changes in its own statement, without an aggregate.',
  })
  @ApiOkResponse({ type: RatingDto })
  @ApiProblems([404, 'The product does not exist'], [422, 'id is not a positive integer'], 503)
  async rating(
    @Param('id', ParseIdPipe) productId: string,
    @ReadVersion() catalogVersion: string,
  ): Promise<RatingDto> {
    return RatingDto.ofProduct(productId, await this.reviews.rating(productId, catalogVersion));
  }

  @Delete('reviews/:id')
  @ApiIdParam()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a review',
    description:
      'The review leaves the product’s rating in the same statement. A review has no ETag (no GET of its own), so If-Match does not apply.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async delete(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.reviews.delete(id);
  }
}
