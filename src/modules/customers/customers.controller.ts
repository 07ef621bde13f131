import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ConditionalRead, Tagged } from '../../catalog-version/conditional-read';
import { ApiConditionalWrite } from '../../common/conditional';
import { definedOnly } from '../../common/defined';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { parseIfMatch, strongEtag } from '../../common/etag';
import { ApiIdParam, ParseIdPipe } from '../../common/pipes/parse-id.pipe';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { CustomersService } from './customers.service';
import {
  CreateCustomerDto,
  CustomerDto,
  CustomerPageDto,
  ListCustomersQueryDto,
  UpdateCustomerDto,
} from './dto/customer.dto';

@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create a customer',
    description:
      'The e-mail address is trimmed and lower-cased before it is checked and stored; it is unique, also when two creates race.',
  })
  @ApiCreatedResponse({
    type: CustomerDto,
    description: 'Created; Location names the new customer, ETag is its version',
    headers: {
      Location: {
        description: 'URL of the new resource',
        schema: { type: 'string', example: '/api/v1/customers/1' },
      },
      ETag: {
        description: 'The version of the new customer, for If-Match',
        schema: { type: 'string', example: '"123456"' },
      },
    },
  })
  @ApiProblems(
    400,
    [409, 'Another customer has this e-mail address (duplicate_email), or the key is in flight'],
    [422, 'Invalid body'],
    413,
    503,
  )
  async create(
    @Body() body: CreateCustomerDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerDto> {
    const customer = await this.customers.create({ email: body.email, name: body.name });
    response.location(`/api/v1/customers/${customer.id}`);
    response.setHeader('ETag', strongEtag(customer.version!));
    return CustomerDto.from(customer);
  }

  @Get()
  @ConditionalRead('catalog')
  @ApiOperation({
    summary: 'List customers by id, or find one by e-mail address',
    description:
      'email matches exactly after normalisation (trimmed, lower-cased). Tagged with the catalog version, which customer writes change too.',
  })
  @ApiOkResponse({ type: CustomerPageDto })
  @ApiProblems([422, 'Invalid query parameter'], 503)
  async list(@Query() query: ListCustomersQueryDto): Promise<CustomerPageDto> {
    const page = await this.customers.list({
      email: query.email,
      limit: query.limit,
      offset: query.offset,
      cursor: query.cursor,
      includeTotal: query.include_total,
    });
    return { ...page, items: page.items.map((customer) => CustomerDto.from(customer)) };
  }

  @Get(':id')
  @ConditionalRead('row')
  @ApiIdParam()
  @ApiOperation({ summary: 'Get a customer' })
  @ApiOkResponse({ type: CustomerDto })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async get(@Param('id', ParseIdPipe) id: string): Promise<Tagged<CustomerDto>> {
    const customer = await this.customers.get(id);
    return new Tagged(strongEtag(customer.version!), CustomerDto.from(customer));
  }

  @Patch(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Change a customer’s e-mail address or name',
    description: 'Any subset of the fields; the e-mail address is normalised as on create.',
  })
  @ApiOkResponse({ type: CustomerDto })
  @ApiProblems(
    400,
    404,
    [409, 'Another customer has this e-mail address (duplicate_email)'],
    [422, 'Invalid body or id'],
    413,
    503,
  )
  async update(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateCustomerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerDto> {
    const customer = await this.customers.update(
      id,
      definedOnly({ email: body.email, name: body.name }),
      parseIfMatch(ifMatch),
    );
    response.setHeader('ETag', strongEtag(customer.version!));
    return CustomerDto.from(customer);
  }

  @Delete(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a customer',
    description:
      'The customer’s reviews stay, with customer_id null. A customer that orders refer to cannot be deleted (409 customer_has_orders).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(
    404,
    [409, 'customer_has_orders: orders refer to the customer'],
    [422, 'id is not a positive integer'],
    503,
  )
  async delete(
    @Param('id', ParseIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.customers.delete(id, parseIfMatch(ifMatch));
  }
}
