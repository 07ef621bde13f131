import request from 'supertest';
import { App } from 'supertest/types';

export interface CustomerBody {
  id: number;
  email: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface ReviewBody {
  id: number;
  product_id: number;
  customer_id: number | null;
  author: string;
  rating: number;
  title: string;
  body: string;
  created_at: string;
}

let sequence = 0;
export const uniqueEmail = (prefix = 'customer') =>
  `${prefix}-${++sequence}-${process.pid}@example.com`;

/** Creates a customer through the API and answers its body; fails the test on anything but 201. */
export async function createCustomer(
  http: App,
  fields: Record<string, unknown> = {},
): Promise<CustomerBody> {
  const body = { email: uniqueEmail(), name: `Customer ${++sequence}`, ...fields };
  const response = await request(http).post('/api/v1/customers').send(body);
  if (response.status !== 201)
    throw new Error(`createCustomer: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as CustomerBody;
}

/** Creates a review of a product through the API; fails the test on anything but 201. */
export async function createReview(
  http: App,
  productId: number,
  fields: Record<string, unknown> = {},
): Promise<ReviewBody> {
  const body = { author: `Author ${++sequence}`, rating: 5, ...fields };
  const response = await request(http).post(`/api/v1/products/${productId}/reviews`).send(body);
  if (response.status !== 201)
    throw new Error(`createReview: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as ReviewBody;
}
