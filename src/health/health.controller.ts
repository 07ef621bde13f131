import { BeforeApplicationShutdown, Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/configuration';

@ApiTags('operations')
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly config: AppConfig,
  ) {}

  /** Readiness turns 503 at once; the listener closes only after the drain time. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await new Promise((resolve) => setTimeout(resolve, this.config.SHUTDOWN_DRAIN_MS));
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when the database answers, 503 otherwise' })
  @ApiOkResponse({
    description: 'Ready',
    schema: { example: { status: 'ok', info: { database: { status: 'up' } } } },
  })
  @ApiServiceUnavailableResponse({
    description: 'Not ready: database down or shutting down (problem details)',
  })
  readiness(): Promise<HealthCheckResult> {
    if (this.shuttingDown) {
      throw new DomainError('database_unavailable', 'The service is shutting down.');
    }
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2_000 })]);
  }

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: 200 while the process can serve; never touches the database',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
