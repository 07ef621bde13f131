import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestScopedRepository } from '../../common/request-context';
import { Customer } from './customer.entity';

export interface CustomerValues {
  email: string;
  name: string;
}

const COLUMNS = 'id, email, name, created_at, updated_at';
/** The row version, which changes with every update: the basis of a customer's ETag. */
const VERSION = 'xmin::text AS version';

/** $1 the e-mail address to match, or null for every customer. */
const MATCHES = '($1::varchar IS NULL OR email = $1)';

/** Up to $3 customers by id that match, after id $2 (keyset; null for none), from offset $4. */
const PAGE = `
  SELECT ${COLUMNS} FROM customer
  WHERE ${MATCHES} AND ($2::bigint IS NULL OR id > $2)
  ORDER BY id LIMIT $3 OFFSET $4`;

/**
 * The page beside the exact count of every match, in one statement (one snapshot, so the two
 * always agree): the uncorrelated count runs once, and the outer join answers the total even when
 * the page is empty (as one row of nulls).
 */
const PAGE_WITH_TOTAL = `
  SELECT matches.total, page.*
  FROM (SELECT count(*)::int AS total FROM customer WHERE ${MATCHES}) matches
  LEFT JOIN (${PAGE}) page ON true
  ORDER BY page.id`;

interface CustomerRow {
  id: string | null;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  version?: string;
  total?: number;
}

function toCustomer(row: CustomerRow): Customer {
  return Object.assign(new Customer(), {
    id: String(row.id),
    email: row.email,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  });
}

@Injectable()
export class CustomersRepository extends RequestScopedRepository<Customer> {
  constructor(@InjectRepository(Customer) repository: Repository<Customer>) {
    super(repository);
  }

  /** The customer with its row version. */
  async findById(id: string): Promise<Customer | null> {
    const rows = await this.scoped.query<CustomerRow[]>(
      `SELECT ${COLUMNS}, ${VERSION} FROM customer WHERE id = $1`,
      [id],
    );
    return rows.length === 0 ? null : toCustomer(rows[0]);
  }

  async exists(id: string): Promise<boolean> {
    return this.scoped.existsBy({ id });
  }

  /**
   * Up to `limit` + 1 customers by id (only the one with `email` if given), after `afterId`
   * (keyset) or from `offset`; with the exact count of all matches when asked, from the same
   * statement.
   */
  async findPage(page: {
    email?: string;
    limit: number;
    offset: number;
    afterId?: string;
    withTotal: boolean;
  }): Promise<[Customer[], number | null]> {
    const rows = await this.scoped.query<CustomerRow[]>(page.withTotal ? PAGE_WITH_TOTAL : PAGE, [
      page.email ?? null,
      page.afterId ?? null,
      page.limit + 1,
      page.offset,
    ]);
    const customers = rows.filter((row) => row.id !== null).map(toCustomer);
    return [customers, page.withTotal ? (rows[0]?.total ?? 0) : null];
  }

  async insert(values: CustomerValues): Promise<Customer> {
    const rows = await this.scoped.query<CustomerRow[]>(
      `INSERT INTO customer (email, name) VALUES ($1, $2) RETURNING ${COLUMNS}, ${VERSION}`,
      [values.email, values.name],
    );
    return toCustomer(rows[0]);
  }

  /**
   * Applies the changes in one statement, only when the row is at one of `versions` if given;
   * answers null when no row was changed.
   */
  async update(
    id: string,
    changes: Partial<CustomerValues>,
    versions?: string[],
  ): Promise<Customer | null> {
    const query = this.scoped
      .createQueryBuilder()
      .update(Customer)
      .set(changes)
      .where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.returning(`${COLUMNS}, ${VERSION}`).execute();
    const rows = result.raw as CustomerRow[];
    return rows.length === 0 ? null : toCustomer(rows[0]);
  }

  /** Deletes the customer, only when the row is at one of `versions` if given. */
  async delete(id: string, versions?: string[]): Promise<boolean> {
    const query = this.scoped
      .createQueryBuilder()
      .delete()
      .from(Customer)
      .where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }
}
