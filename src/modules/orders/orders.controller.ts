import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ConditionalRead, Tagged } from '../../catalog-version/conditional-read';
import { ApiConditionalWrite } from '../../common/conditional';
import { ApiProblems, ProblemDetailsDto } from '../../common/dto/problem-details.dto';
import { PROBLEM_CONTENT_TYPE } from '../../common/errors/problem-details';
import { parseIfMatch, strongEtag } from '../../common/etag';
import { ApiIdParam, ParseIdPipe, toId } from '../../common/pipes/parse-id.pipe';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import {
  CreateOrderDto,
  INSUFFICIENT_STOCK_EXAMPLE,
  INVALID_TRANSITION_EXAMPLE,
  ListOrdersQueryDto,
  OrderDto,
  OrderPageDto,
  UNKNOWN_PRODUCT_EXAMPLE,
  UpdateOrderDto,
} from './dto/order.dto';
import { OrdersService } from './orders.service';

const ETAG_HEADER = {
  ETag: {
    description: 'The order’s row version, for If-None-Match and If-Match',
    schema: { type: 'string', example: '"48213"' },
  },
};

@ApiTags('orders')
@ApiExtraModels(ProblemDetailsDto)
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Place an order',
    description:
      'In one transaction: lines naming the same product are merged (the summed quantity may exceed 10000); the customer and every product are checked; the order is stored with a copy of each product’s sku, title and price; the stock of every product is taken in ascending product id order, each with one conditional statement and a movement of kind order. Any short product rolls everything back: 409 insufficient_stock lists every short product. Exactly as many units are sold as there were in stock, under any concurrency, and orders naming the same products in different orders never deadlock. Totals are exact decimals computed by the database.',
  })
  @ApiCreatedResponse({
    type: OrderDto,
    description: 'Placed, status pending; Location names the order, ETag is its version',
    headers: {
      Location: {
        description: 'URL of the new order',
        schema: { type: 'string', example: '/api/v1/orders/1' },
      },
      ...ETAG_HEADER,
    },
  })
  @ApiConflictResponse({
    description:
      'insufficient_stock: not enough units of one or more products (every one is listed in items); nothing was written. Also idempotency_in_flight.',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDetailsDto) },
        example: INSUFFICIENT_STOCK_EXAMPLE,
      },
    },
  })
  @ApiUnprocessableEntityResponse({
    description:
      'Invalid body (0 or more than 100 lines, a quantity that is not an integer 1..10000, unknown fields); an unknown customer (unknown_customer, field customer_id); an unknown or inactive product (unknown_product, field lines[i].product_id); or an Idempotency-Key used with another request. Nothing was written.',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDetailsDto) },
        example: UNKNOWN_PRODUCT_EXAMPLE,
      },
    },
  })
  @ApiProblems(400, 413, 503)
  async place(
    @Body() body: CreateOrderDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderDto> {
    const order = await this.orders.place(
      String(body.customer_id),
      body.lines.map((line) => ({ productId: String(line.product_id), quantity: line.quantity })),
    );
    response.location(`/api/v1/orders/${order.id}`);
    response.setHeader('ETag', strongEtag(order.version!));
    return OrderDto.from(order);
  }

  @Get()
  @ConditionalRead('catalog')
  @ApiOperation({
    summary: 'List orders, newest first, with their lines',
    description:
      'Ordered by created_at, then id, descending. customer_id and status filter (combined with AND). Offset or keyset (cursor) paging; include_total=false skips counting. A page of 100 orders with their lines is one SQL statement. Tagged with the catalog version, which order writes change.',
  })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiProblems([422, 'Invalid query parameter (an unknown status included)'], 503)
  async list(@Query() query: ListOrdersQueryDto): Promise<OrderPageDto> {
    const page = await this.orders.list({
      customerId: toId(query.customer_id),
      status: query.status,
      limit: query.limit,
      offset: query.offset,
      cursor: query.cursor,
      includeTotal: query.include_total,
    });
    return { ...page, items: page.items.map((order) => OrderDto.from(order)) };
  }

  @Get(':id')
  @ConditionalRead('row')
  @ApiIdParam()
  @ApiOperation({ summary: 'Get an order with its lines' })
  @ApiOkResponse({ type: OrderDto, headers: ETAG_HEADER })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async get(@Param('id', ParseIdPipe) id: string): Promise<Tagged<OrderDto>> {
    const order = await this.orders.get(id);
    return new Tagged(strongEtag(order.version!), OrderDto.from(order));
  }

  @Patch(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Move an order to its next status',
    description:
      'pending -> paid -> shipped -> delivered; pending or paid -> cancelled. One conditional statement moves it, so of two racing moves only one wins. Cancelling gives the stock of every line back (a movement of kind cancellation each) in the same transaction, exactly once, also when cancels race; a line whose product was deleted gives nothing back.',
  })
  @ApiOkResponse({ type: OrderDto, headers: ETAG_HEADER })
  @ApiConflictResponse({
    description:
      'invalid_transition: the move is not allowed from the current status (a skipped step, a move back, a move out of delivered or cancelled); stock_limit: giving the stock back would pass 1000000000',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDetailsDto) },
        example: INVALID_TRANSITION_EXAMPLE,
      },
    },
  })
  @ApiProblems(400, 404, [422, 'Invalid body (an unknown status, unknown fields) or id'], 413, 503)
  async move(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateOrderDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderDto> {
    const order = await this.orders.move(id, body.status, parseIfMatch(ifMatch));
    response.setHeader('ETag', strongEtag(order.version!));
    return OrderDto.from(order);
  }
}
