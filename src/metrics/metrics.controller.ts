import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

/** The library's /metrics route, documented: it serves text, which Swagger cannot infer. */
@ApiTags('operations')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: catalog_* series and the process metrics of Node',
    description:
      'Prometheus text exposition format 0.0.4. Exempt from the rate limit, never cached.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Every series, in the text exposition format',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            '# HELP catalog_http_requests_total HTTP requests by method, route template and status class\n# TYPE catalog_http_requests_total counter\ncatalog_http_requests_total{method="GET",route="/api/v1/products",status_class="2xx"} 42\n',
        },
      },
    },
  })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
