import request from 'supertest';
import { App } from 'supertest/types';

export interface OrderLineBody {
  product_id: number | null;
  sku: string;
  title: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

export interface OrderBody {
  id: number;
  customer_id: number;
  status: string;
  lines: OrderLineBody[];
  item_count: number;
  total: string;
  created_at: string;
  updated_at: string;
}

/** Places an order through the API and answers its body; fails the test on anything but 201. */
export async function placeOrder(
  http: App,
  customerId: number,
  lines: Array<{ product_id: number; quantity: number }>,
): Promise<OrderBody> {
  const response = await request(http)
    .post('/api/v1/orders')
    .send({ customer_id: customerId, lines });
  if (response.status !== 201)
    throw new Error(`placeOrder: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as OrderBody;
}
