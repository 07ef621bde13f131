import { Body, Controller, Get, Headers, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConditionalRead, Tagged } from '../../catalog-version/conditional-read';
import { ApiConditionalWrite } from '../../common/conditional';
import { PageQueryDto } from '../../common/dto/page.dto';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { parseIfMatch, strongEtag } from '../../common/etag';
import { ApiIdParam, ParseIdPipe } from '../../common/pipes/parse-id.pipe';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import {
  AdjustmentDto,
  CreateAdjustmentDto,
  InventoryDto,
  MovementDto,
  MovementPageDto,
  SetInventoryDto,
} from './dto/inventory.dto';
import { InventoryService } from './inventory.service';

const ETAG_HEADER = {
  ETag: {
    description: 'The inventory’s row version, for If-None-Match and If-Match',
    schema: { type: 'string', example: '"48213"' },
  },
};

@ApiTags('inventory')
@Controller('products/:id/inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get()
  @ConditionalRead('row')
  @ApiIdParam()
  @ApiOperation({
    summary: 'Get the stock of a product',
    description: 'A new product has quantity 0 and updated_at null until its first change.',
  })
  @ApiOkResponse({ type: InventoryDto, headers: ETAG_HEADER })
  @ApiProblems([404, 'The product does not exist'], [422, 'id is not a positive integer'], 503)
  async get(@Param('id', ParseIdPipe) id: string): Promise<Tagged<InventoryDto>> {
    const inventory = await this.inventory.get(id);
    return new Tagged(strongEtag(inventory.version!), InventoryDto.from(inventory));
  }

  @Put()
  @ApiConditionalWrite()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Set the stock of a product',
    description:
      'Writes a movement of kind set with the difference, in the same statement. Setting the quantity the product already has changes nothing: no movement, updated_at and ETag stay.',
  })
  @ApiOkResponse({ type: InventoryDto, description: 'The inventory as set', headers: ETAG_HEADER })
  @ApiProblems(
    400,
    [404, 'The product does not exist'],
    [422, 'Invalid body (quantity not an integer 0..1000000000) or id'],
    413,
    503,
  )
  async set(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: SetInventoryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InventoryDto> {
    const inventory = await this.inventory.set(id, body.quantity, parseIfMatch(ifMatch));
    response.setHeader('ETag', strongEtag(inventory.version!));
    return InventoryDto.from(inventory);
  }

  @Post('adjustments')
  @Idempotent()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Add units to, or take units out of, the stock of a product',
    description:
      'One atomic conditional statement changes the quantity and records the movement of kind adjustment, also under concurrency. A delta that would take the quantity below 0 or above 1000000000 changes nothing. Movements have no route of their own, so there is no Location.',
  })
  @ApiCreatedResponse({
    type: AdjustmentDto,
    description: 'The movement and the inventory after it',
  })
  @ApiProblems(
    400,
    [404, 'The product does not exist'],
    [
      409,
      'insufficient_stock: the quantity would go below 0; stock_limit: above 1000000000; idempotency_in_flight',
    ],
    [
      422,
      'Invalid body (delta not a non-zero integer, note too long or with control characters) or id, or an Idempotency-Key used with another request',
    ],
    413,
    503,
  )
  async adjust(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: CreateAdjustmentDto,
  ): Promise<AdjustmentDto> {
    return AdjustmentDto.from(await this.inventory.adjust(id, body.delta, body.note ?? ''));
  }

  @Get('movements')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'List the stock movements of a product, newest first',
    description:
      'Every change of the quantity is one movement, written in the same transaction: the deltas of a product’s movements add up to its quantity.',
  })
  @ApiOkResponse({ type: MovementPageDto })
  @ApiProblems([404, 'The product does not exist'], 422, 503)
  async movements(
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<MovementPageDto> {
    const page = await this.inventory.movements(id, {
      limit: query.limit,
      offset: query.offset,
      cursor: query.cursor,
      includeTotal: query.include_total,
    });
    return { ...page, items: page.items.map((movement) => MovementDto.from(movement)) };
  }
}
