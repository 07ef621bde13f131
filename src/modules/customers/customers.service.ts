import { Injectable } from '@nestjs/common';
import { decodeCursor, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  retryTransientConflicts,
} from '../../common/errors/database-errors';
import {
  DomainError,
  missingOrChanged,
  NotFoundError,
  PreconditionFailedError,
} from '../../common/errors/domain-error';
import { Precondition, satisfies, versionsOf } from '../../common/etag';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { Customer, EMAIL_CONSTRAINT, ORDER_CUSTOMER_FOREIGN_KEY } from './customer.entity';
import { CustomersRepository, CustomerValues } from './customers.repository';

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly metrics: CatalogMetrics,
  ) {}

  async get(id: string): Promise<Customer> {
    const customer = await this.customers.findById(id);
    if (!customer) throw new NotFoundError('Customer', id);
    return customer;
  }

  /** A page of customers by id (only the one with `email`, normalised, if given). */
  async list(query: {
    email?: string;
    limit: number;
    offset: number;
    cursor?: string;
    includeTotal: boolean;
  }): Promise<Page<Customer>> {
    const afterId =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, 'id', ([id, ...rest]) => isId(id) && rest.length === 0)[0];
    const [rows, total] = await this.customers.findPage({
      ...query,
      afterId,
      withTotal: query.includeTotal,
    });
    const page = keysetPage(rows, query.limit, 'id', (customer) => [customer.id]);
    return { ...page, total, limit: query.limit, offset: query.offset };
  }

  create(values: CustomerValues): Promise<Customer> {
    return this.metrics.mutation('customer', 'create', async () => {
      try {
        return await this.customers.insert(values);
      } catch (error) {
        throw translate(error, values);
      }
    });
  }

  /** Applies the changes; with a precondition, only to the version it names (else 412). */
  async update(
    id: string,
    changes: Partial<CustomerValues>,
    precondition?: Precondition,
  ): Promise<Customer> {
    if (Object.keys(changes).length === 0) {
      const current = await this.get(id);
      if (!satisfies(precondition, current.version!))
        throw new PreconditionFailedError('Customer', id);
      return current;
    }
    return this.metrics.mutation('customer', 'update', async () => {
      let updated: Customer | null;
      try {
        updated = await retryTransientConflicts(() =>
          this.customers.update(id, changes, versionsOf(precondition)),
        );
      } catch (error) {
        throw translate(error, changes);
      }
      if (!updated)
        throw await missingOrChanged('Customer', id, precondition, (customer) =>
          this.customers.exists(customer),
        );
      return updated;
    });
  }

  /**
   * Deletes the customer; 409 `customer_has_orders` while orders refer to the customer (the
   * database restricts it, also for an order placed while the delete runs).
   */
  delete(id: string, precondition?: Precondition): Promise<void> {
    return this.metrics.mutation('customer', 'delete', async () => {
      let deleted: boolean;
      try {
        deleted = await this.customers.delete(id, versionsOf(precondition));
      } catch (error) {
        if (isForeignKeyViolation(error, ORDER_CUSTOMER_FOREIGN_KEY)) {
          throw new DomainError(
            'customer_has_orders',
            `Customer ${id} has orders and cannot be deleted.`,
          );
        }
        throw error;
      }
      if (!deleted) {
        throw await missingOrChanged('Customer', id, precondition, (customer) =>
          this.customers.exists(customer),
        );
      }
    });
  }
}

/** The database enforces e-mail uniqueness, also for racing requests. */
function translate(error: unknown, values: Partial<CustomerValues>): unknown {
  if (isUniqueViolation(error, EMAIL_CONSTRAINT)) {
    return new DomainError(
      'duplicate_email',
      `A customer with e-mail address ${values.email} already exists.`,
    );
  }
  return error;
}
